#!/usr/bin/env python3
"""Lists every public name a C file gets from one CPython's `#include <Python.h>`.

Usage: scripts/cpython-names.py INCLUDE_DIR [CC] > spec/pypy/capi-3.10-names.tsv

Candidates come from the headers' text (PyAPI_FUNC/PyAPI_DATA declarations, static inline
functions, #defines, typedefs) in every file under INCLUDE_DIR except pyconfig.h and the
internal/ directory; names starting with an underscore are private and left out, and so are
include guards. The candidates are then compiled in one probe against INCLUDE_DIR: a name
Python.h does not declare by default (it sits under #ifdef MS_WINDOWS, Py_DEBUG,
Py_LIMITED_API-only branches, or in a header Python.h does not include) makes the compiler
name it, and is dropped. What is left is the universe the PyPy probe checks
(`capi-compat test`, see spec/pypy/README.md): name, kind, the header that declares it.
"""
import os
import re
import subprocess
import sys
import tempfile

IDENT = r"[A-Za-z][A-Za-z0-9_]*"


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def typedef_names(text):
    """The names typedef statements introduce (plain, struct/union/enum bodies, pointers to functions)."""
    names = []
    i = 0
    while True:
        m = re.search(r"\btypedef\b", text[i:])
        if not m:
            return names
        start = i + m.end()
        depth, j = 0, start
        while j < len(text):
            c = text[j]
            if c in "{(":
                depth += 1
            elif c in "})":
                depth -= 1
            elif c == ";" and depth == 0:
                break
            j += 1
        stmt = text[start:j]
        i = j + 1
        fnptr = re.match(r"[^{]*?\(\s*\*\s*(" + IDENT + r")\s*\)", stmt, re.S)
        if fnptr and "{" not in stmt.split(fnptr.group(1))[0]:
            names.append(fnptr.group(1))
            continue
        tail = stmt.rsplit("}", 1)[-1] if "}" in stmt else stmt
        m2 = re.search(r"(" + IDENT + r")\s*(\[[^\]]*\])?\s*$", tail.strip())
        if m2:
            names.append(m2.group(1))


def candidates(include_dir):
    found = {}
    for root, dirs, files in os.walk(include_dir):
        dirs[:] = [d for d in dirs if d != "internal"]
        for f in sorted(files):
            if not f.endswith(".h") or f == "pyconfig.h":
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, include_dir)
            text = strip_comments(open(path, encoding="utf-8", errors="replace").read())
            text_joined = re.sub(r"\\\n", " ", text)

            def add(name, kind):
                if name.startswith("_") or name in found:
                    return
                found[name] = (kind, rel)

            for m in re.finditer(r"PyAPI_FUNC\s*\(.*?\)\s*(" + IDENT + r")\s*\(", text_joined, re.S):
                add(m.group(1), "function")
            for m in re.finditer(r"PyAPI_DATA\s*\(.*?\)\s*(" + IDENT + r")", text_joined, re.S):
                add(m.group(1), "var")
            for m in re.finditer(r"static\s+inline\s+[^;{()]*?\b(" + IDENT + r")\s*\(", text_joined):
                add(m.group(1), "function")
            guards = set(re.findall(r"#\s*ifndef\s+(" + IDENT + r")\s*\n\s*#\s*define\s+\1\b", text))
            for m in re.finditer(r"^\s*#\s*define\s+(" + IDENT + r")", text_joined, re.M):
                if m.group(1) not in guards:
                    add(m.group(1), "macro")
            for name in typedef_names(text_joined):
                add(name, "type")
    return found


def probe_line(i, name, kind):
    if kind == "macro":
        return f"#ifndef {name}\n#error capicompat-probe-missing {name}\n#endif\n"
    if kind == "type":
        return f"typedef {name} capicompat_probe_{i};\n"
    if kind == "var":
        return f"#ifndef {name}\nstatic const void *capicompat_probe_{i} = (const void *)&{name};\n#endif\n"
    return f"#ifndef {name}\nstatic void (*capicompat_probe_{i})(void) = (void (*)(void))&{name};\n#endif\n"


def undeclared(names, include_dir, cc):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write("#include <Python.h>\n")
            for i, (name, (kind, _)) in enumerate(sorted(names.items())):
                f.write(probe_line(i, name, kind))
        out = subprocess.run(
            [cc, "-std=c11", "-fsyntax-only", "-w", "-fmax-errors=0", f"-I{include_dir}", src],
            capture_output=True, text=True,
        )
        text = out.stdout + out.stderr
    missing = set()
    for line in text.splitlines():
        line = line.split("did you mean")[0]
        if "capicompat-probe-missing" in line:
            missing.add(line.split("capicompat-probe-missing", 1)[1].split()[0])
        for part in re.split(r"[‘’']", line):
            missing.add(part)
    return {n for n in names if n in missing}


def main():
    include_dir = sys.argv[1]
    cc = sys.argv[2] if len(sys.argv) > 2 else "gcc"
    names = candidates(include_dir)
    gone = undeclared(names, include_dir, cc)
    version = re.search(r'#define PY_VERSION\s+"([^"]+)"', open(os.path.join(include_dir, "patchlevel.h")).read()).group(1)
    print(f"# Every public name `#include <Python.h>` declares in CPython {version} (Include/ of that release),")
    print("# generated by scripts/cpython-names.py: candidates from the headers' text, kept when a compile")
    print("# against those headers sees them. The PyPy probe (capi-compat test) compiles each against PyPy.")
    print("# name\tkind\theader")
    for name in sorted(names):
        if name not in gone:
            kind, rel = names[name]
            print(f"{name}\t{kind}\t{rel}")


if __name__ == "__main__":
    main()

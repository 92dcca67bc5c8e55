"""Run by `capi-compat matrix PROJECT_DIR` inside each venv, with the venv's interpreter.

  requirements PROJECT  -> the project's test requirements, one per line:
                           "extra\tNAME" when [project.optional-dependencies] has test/tests,
                           then "req\tREQUIREMENT" for each of [dependency-groups] test
                           (or tests; include-group entries expanded)
  extensions PROJECT    -> "module\tpath" for every extension module the installed
                           distribution built from PROJECT (found through its direct_url.json,
                           PEP 610) lists in its RECORD
"""

import json
import os
import sys


def _load_toml(path):
    try:
        import tomllib
    except ImportError:  # 3.10: pip carries a copy of tomli
        try:
            import tomli as tomllib
        except ImportError:
            from pip._vendor import tomli as tomllib
    with open(path, "rb") as f:
        return tomllib.load(f)


def _normalize(name):
    out = name.lower()
    for ch in "_.":
        out = out.replace(ch, "-")
    while "--" in out:
        out = out.replace("--", "-")
    return out


def _group(groups, name, seen):
    if name in seen:
        raise SystemExit("error: [dependency-groups] %s includes itself" % name)
    seen = seen | {name}
    entries = {_normalize(k): v for k, v in groups.items()}.get(name)
    if entries is None:
        raise SystemExit("error: [dependency-groups] has no group %s" % name)
    for entry in entries:
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, dict) and "include-group" in entry:
            yield from _group(groups, _normalize(entry["include-group"]), seen)
        else:
            raise SystemExit("error: [dependency-groups] %s: cannot read entry %r" % (name, entry))


def requirements(project):
    path = os.path.join(project, "pyproject.toml")
    if not os.path.isfile(path):
        return
    data = _load_toml(path)
    extras = data.get("project", {}).get("optional-dependencies", {})
    for name in ("test", "tests"):
        if name in extras:
            print("extra\t" + name)
            break
    groups = data.get("dependency-groups", {})
    names = {_normalize(k) for k in groups}
    for name in ("test", "tests"):
        if name in names:
            for req in _group(groups, name, frozenset()):
                print("req\t" + req)
            break


def extensions(project):
    import importlib.machinery
    import importlib.metadata
    from urllib.parse import unquote, urlparse

    want = os.path.realpath(project)
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    dists = []
    for dist in importlib.metadata.distributions():
        text = dist.read_text("direct_url.json")
        if not text:
            continue
        url = urlparse(json.loads(text).get("url", ""))
        if url.scheme == "file" and os.path.realpath(unquote(url.path)) == want:
            dists.append(dist)
    if len(dists) != 1:
        raise SystemExit("error: %d installed distributions come from %s" % (len(dists), project))
    dist = dists[0]
    for file in dist.files or []:
        name = str(file)
        suffix = next((s for s in suffixes if name.endswith(s)), None)
        if suffix is None:
            continue
        module = name[: -len(suffix)].replace("/", ".").replace("\\", ".")
        print("%s\t%s" % (module, os.path.realpath(str(dist.locate_file(file)))))


if __name__ == "__main__":
    command, project = sys.argv[1], sys.argv[2]
    {"requirements": requirements, "extensions": extensions}[command](project)

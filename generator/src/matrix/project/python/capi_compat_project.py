"""Run by `capi-compat matrix PROJECT_DIR` inside each venv, with the venv's interpreter.

  requirements PROJECT [--requirements FILE]... [--group NAME]...
                        -> the project's test requirements, one per line: "source\tTEXT"
                           (where they come from, for the run's output), "extra\tNAME" (pip
                           installs the project with it), "req\tREQUIREMENT",
                           "reqfile\tPATH" (pip -r, relative to the project) and "note\tTEXT"
                           for what could not be read. Named files and groups are all that is
                           read when given; otherwise the first of these that declares any:
                           1. what the project's metadata declares for tests: the
                              test/tests/testing extra ([project.optional-dependencies], or
                              else setup.cfg's [options.extras_require] or setup.py's literal
                              `extras_require`, read with ast, never run), the
                              test/tests/testing dependency group (PEP 735, include-group
                              expanded) and a literal `tests_require`, together;
                           2. the first test requirements file of REQUIREMENTS_FILES;
                           3. tox.ini's [testenv] deps;
                           4. the `dev` dependency group, or else the first of DEV_FILES.
  settings PROJECT      -> "pure-python-ok\tPATTERN" for each entry of pyproject.toml's
                           [tool.capi-compat] pure-python-ok
  name PROJECT          -> the name of the installed distribution built from PROJECT
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


TEST_NAMES = ("test", "tests", "testing")

# Where projects keep test requirements for pip, in the order they are looked for.
REQUIREMENTS_FILES = (
    "requirements-test.txt",
    "requirements-tests.txt",
    "requirements_test.txt",
    "requirements_tests.txt",
    "test-requirements.txt",
    "tests-requirements.txt",
    "test_requirements.txt",
    "requirements/test.txt",
    "requirements/tests.txt",
    "requirements/testing.txt",
    "requirements/pytest.txt",
    "tests/requirements.txt",
)
DEV_FILES = ("requirements-dev.txt", "dev-requirements.txt", "requirements_dev.txt", "requirements/dev.txt")


def _pyproject(project):
    path = os.path.join(project, "pyproject.toml")
    return _load_toml(path) if os.path.isfile(path) else {}


class _NotLiteral(Exception):
    pass


def _static_value(node, assignments, depth=0):
    """A literal, with module-level NAME = ... and list `+` followed: what declarative
    setup.py files write. Anything else (a call, a comprehension) raises _NotLiteral."""
    import ast

    if depth > 20:
        raise _NotLiteral()
    if isinstance(node, ast.Name) and node.id in assignments:
        return _static_value(assignments[node.id], assignments, depth + 1)
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {
            _static_value(k, assignments, depth + 1): _static_value(v, assignments, depth + 1)
            for k, v in zip(node.keys, node.values)
        }
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_static_value(e, assignments, depth + 1) for e in node.elts]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _static_value(node.left, assignments, depth + 1)
        right = _static_value(node.right, assignments, depth + 1)
        if isinstance(left, list) and isinstance(right, list):
            return left + right
        raise _NotLiteral()
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise _NotLiteral()


def _extra_names(node, assignments):
    """The keys of extras_require: only they matter (pip resolves an extra's requirements
    from the built metadata), so `{"test": make_list()}` still names its extras."""
    import ast

    if isinstance(node, ast.Name) and node.id in assignments:
        node = assignments[node.id]
    if not isinstance(node, ast.Dict) or None in node.keys:
        raise _NotLiteral()
    return {_static_value(k, assignments): None for k in node.keys}


def _setup_py_keywords(project):
    """setup.py's extras_require and tests_require, when they are literals (or names bound
    to literals at module level): read with `ast`, never executed, so a setup.py that needs
    its build dependencies, or does work when run, is safe to read. Returns (values, notes)."""
    import ast

    path = os.path.join(project, "setup.py")
    if not os.path.isfile(path):
        return {}, []
    with open(path, "rb") as f:
        try:
            tree = ast.parse(f.read(), path)
        except SyntaxError as e:
            return {}, ["setup.py does not parse (%s): its extras_require was not read" % e.msg]
    assignments = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            assignments[stmt.targets[0].id] = stmt.value
    values, notes = {}, []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name != "setup":
            continue
        for kw in node.keywords:
            if kw.arg not in ("extras_require", "tests_require"):
                continue
            try:
                if kw.arg == "extras_require":
                    values[kw.arg] = _extra_names(kw.value, assignments)
                else:
                    values[kw.arg] = _static_value(kw.value, assignments)
            except _NotLiteral:
                notes.append(
                    "setup.py line %d: %s is computed, not a literal; not read (give the test "
                    "requirements with --with)" % (kw.value.lineno, kw.arg)
                )
    return values, notes


def _setup_cfg_options(project):
    import configparser

    path = os.path.join(project, "setup.cfg")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as e:
        return {}, ["setup.cfg does not parse: %s" % str(e).splitlines()[0]]
    values = {}
    if parser.has_section("options.extras_require"):
        values["extras_require"] = dict(parser.items("options.extras_require"))
    if parser.has_option("options", "tests_require"):
        text = parser.get("options", "tests_require")
        values["tests_require"] = [line.strip() for line in text.splitlines() if line.strip()]
    return values, []


def _requirement_list(value):
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _declared(project, data):
    """Step 1: what the metadata declares for tests. Returns (source, extra, reqs, notes)."""
    extras = data.get("project", {}).get("optional-dependencies", {})
    extra = next((name for name in TEST_NAMES if name in extras), None)
    where, tests_require, notes = "pyproject.toml", [], []
    if not extras:
        for origin, (values, read_notes) in (
            ("setup.cfg", _setup_cfg_options(project)),
            ("setup.py", _setup_py_keywords(project)),
        ):
            notes += read_notes
            declared = values.get("extras_require")
            if isinstance(declared, dict) and extra is None:
                extra = next((name for name in TEST_NAMES if name in declared), None)
                where = origin if extra else where
            listed = _requirement_list(values.get("tests_require", []))
            if listed:
                tests_require = listed
                tests_from = origin
    parts, reqs = [], []
    if extra is not None:
        parts.append("the %r extra (%s)" % (extra, where))
    if tests_require:
        parts.append("tests_require (%s)" % tests_from)
        reqs += tests_require
    groups = data.get("dependency-groups", {})
    names = {_normalize(k) for k in groups}
    group = next((name for name in TEST_NAMES if name in names), None)
    if group is not None:
        parts.append("the %r dependency group (pyproject.toml)" % group)
        reqs += list(_group(groups, group, frozenset()))
    return ", ".join(parts), extra, reqs, notes


def _first_file(project, names):
    return next((name for name in names if os.path.isfile(os.path.join(project, name))), None)


def _tox_deps(project):
    """tox.ini's [testenv] deps: plain requirements, and `-r FILE` ({toxinidir} filled in).
    Lines for some tox environments only (`py312: x`) or with other substitutions cannot
    be told apart here: they are noted, not installed. Returns (reqs, files, notes)."""
    import configparser

    path = os.path.join(project, "tox.ini")
    if not os.path.isfile(path):
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as e:
        return [], [], ["tox.ini does not parse: %s" % str(e).splitlines()[0]]
    if not parser.has_option("testenv", "deps"):
        return None
    reqs, files, notes = [], [], []
    for line in parser.get("testenv", "deps").splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        line = line.replace("{toxinidir}/", "").replace("{toxinidir}", ".")
        if line.startswith("-r"):
            files.append(line[2:].strip())
        elif "{" in line or (":" in line.split(";")[0] and "://" not in line):
            notes.append("tox.ini [testenv] deps: %r is for some tox environments only or "
                          "needs tox to fill it in; not installed (give it with --with)" % line)
        else:
            reqs.append(line)
    return reqs, files, notes


def _print_all(source, extra, reqs, files, notes):
    for note in notes:
        print("note\t" + note)
    if source:
        print("source\t" + source)
    if extra is not None:
        print("extra\t" + extra)
    for req in reqs:
        print("req\t" + req)
    for name in files:
        print("reqfile\t" + name)


def requirements(project, named_files=(), named_groups=()):
    data = _pyproject(project)
    groups = data.get("dependency-groups", {})
    if named_files or named_groups:
        reqs = []
        for name in named_groups:
            reqs += list(_group(groups, _normalize(name), frozenset()))
        named = ["-r " + f for f in named_files] + ["--group " + g for g in named_groups]
        _print_all(" ".join(named) + " (as asked)", None, reqs, list(named_files), [])
        return
    source, extra, reqs, notes = _declared(project, data)
    if source:
        _print_all(source, extra, reqs, [], notes)
        return
    found = _first_file(project, REQUIREMENTS_FILES)
    if found:
        _print_all(found + " (the first test requirements file found)", None, [], [found], notes)
        return
    tox = _tox_deps(project)
    if tox is not None and (tox[0] or tox[1]):
        _print_all("tox.ini [testenv] deps", None, tox[0], tox[1], notes + tox[2])
        return
    if tox is not None:
        notes += tox[2]
    if "dev" in {_normalize(k) for k in groups}:
        reqs = list(_group(groups, "dev", frozenset()))
        _print_all("the 'dev' dependency group (pyproject.toml; no test group)", None, reqs, [], notes)
        return
    found = _first_file(project, DEV_FILES)
    if found:
        _print_all(found + " (no test requirements declared)", None, [], [found], notes)
        return
    _print_all("", None, [], [], notes)


def settings(project):
    table = _pyproject(project).get("tool", {}).get("capi-compat", {})
    patterns = table.get("pure-python-ok", [])
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
        raise SystemExit(
            "error: pyproject.toml [tool.capi-compat] pure-python-ok: give a list of interpreter "
            "label patterns, e.g. [\"pypy\"]"
        )
    for pattern in patterns:
        print("pure-python-ok\t" + pattern)


def _installed_distribution(project):
    import importlib.metadata
    from urllib.parse import unquote, urlparse

    want = os.path.realpath(project)
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
    return dists[0]


def name(project):
    print(_installed_distribution(project).metadata["Name"])


def extensions(project):
    import importlib.machinery

    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    dist = _installed_distribution(project)
    for file in dist.files or []:
        name = str(file)
        suffix = next((s for s in suffixes if name.endswith(s)), None)
        if suffix is None:
            continue
        module = name[: -len(suffix)].replace("/", ".").replace("\\", ".")
        print("%s\t%s" % (module, os.path.realpath(str(dist.locate_file(file)))))


def _requirements_command(project, args):
    files, groups = [], []
    while args:
        flag, value, args = args[0], args[1], args[2:]
        (files if flag == "--requirements" else groups).append(value)
    requirements(project, files, groups)


if __name__ == "__main__":
    command, project = sys.argv[1], sys.argv[2]
    if command == "requirements":
        _requirements_command(project, sys.argv[3:])
    else:
        {"settings": settings, "extensions": extensions, "name": name}[command](project)

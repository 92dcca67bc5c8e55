#!/usr/bin/env bash
# Every way of installing and consuming capi-compat, end to end (the README's Install section):
#   pip        the sdist (`maturin sdist`, its file list checked) and the wheel pip builds from
#              it (once) put `capi-compat` on PATH and the `capi_compat` package in
#              site-packages; `python -m capi_compat`; `capi-compat gen` and get_include() each
#              build a small extension; a setuptools extension that build-requires capi-compat
#              (from the local wheel) and uses get_include() / get_hpy_include();
#   pkg-config a meson-python project: PKG_CONFIG_PATH="$(capi-compat --pkgconfigdir)";
#   CMake      a scikit-build-core project: find_package(capi_compat CONFIG) through the
#              wheel's cmake.prefix entry point; plain CMake with capi_compat_DIR from
#              `capi-compat --cmakedir` of a cargo-installed binary;
#   meson      a plain meson project using this repository through a wrap file;
#   cargo      `cargo install --path generator` (the binary needs nothing from the repository)
#              and `cargo package` (the .crate builds on its own);
#   pre-commit the hook in .pre-commit-hooks.yaml, run by pre-commit from PyPI on a vendored
#              header, fresh and then edited.
# Each consumer builds tests/c/example and tests/c/hpy-example and runs their unittest suites.
# The Python-side routes (pip, setuptools, meson-python, scikit-build-core) run on 3.12 (the
# tools venv) and again in fresh venvs on 3.10 and 3.15, as `capi-compat pythons` finds them.
# Tools come from PyPI into one venv (target/install/venv, pip's cache reused); a registry that
# cannot be reached fails the run with a message saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/install
mkdir -p "$WORK"

step() { echo; echo "== install [${SECONDS}s]: $*"; }
fail() { echo "error: $*" >&2; exit 1; }

# The interpreter the venv and the consumers use: pyenv's 3.12 (as the test run requires it),
# or CAPI_COMPAT_INSTALL_PYTHON.
PYTHON=${CAPI_COMPAT_INSTALL_PYTHON:-}
if [ -z "$PYTHON" ]; then
    for candidate in /root/.pyenv/versions/3.12*/bin/python3 "$(command -v python3.12 || true)"; do
        if [ -x "$candidate" ]; then PYTHON=$candidate; break; fi
    done
fi
[ -n "$PYTHON" ] || fail "no Python 3.12 found for the install tests: set CAPI_COMPAT_INSTALL_PYTHON"

VENV=$WORK/venv
TOOLS=(maturin meson ninja meson-python scikit-build-core cmake pkgconf pre-commit setuptools wheel)
pypi_install() {
    # pip's own cache (~/.cache/pip) makes this fast when warm.
    if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@"; then
        fail "pip could not install $* from PyPI: is the package registry reachable? (network failure, not a test result)"
    fi
}
step "tools from PyPI into $VENV"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
pypi_install "${TOOLS[@]}"
export PATH="$VENV/bin:$PATH"

# ---- pip: the sdist, and the wheel pip builds from it -----------------------------------
step "pip: the sdist (maturin sdist), as PyPI would serve it: what it holds"
rm -rf "$WORK/sdist" "$WORK/wheels"
maturin sdist --out "$WORK/sdist" >"$WORK/sdist.log" 2>&1 || { cat "$WORK/sdist.log"; fail "maturin sdist failed"; }
SDIST=$(ls "$WORK/sdist"/capi_compat-*.tar.gz)
python - "$SDIST" <<'EOF'
import os, sys, tarfile
with tarfile.open(sys.argv[1]) as tar:
    members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if "/" in m.name}
names = set(members)
# What building it needs: the crate with its spec and templates (symlinks in the repository,
# real files here), the lock file, the build backend and the Python package, the licence.
needed = {
    "pyproject.toml", "PKG-INFO", "README.md", "Cargo.toml", "Cargo.lock", "LICENSE",
    "generator/Cargo.toml", "generator/LICENSE", "generator/build.rs", "generator/src/main.rs",
    "generator/spec/dict.yaml", "generator/spec/hpy/api.yaml",
    "generator/templates/header.h.hbs", "generator/templates/hpy.h.hbs",
    "generator/templates/capi_compat_test.h",
    "python/build_backend/capi_compat_backend.py", "python/capi_compat/__init__.py",
    "python/capi_compat/__main__.py", "python/capi_compat/_binary.py",
}
missing = sorted(needed - names)
# Nothing built, private or test-only: no cargo target, no git metadata, no generated package
# tree (the backend writes it from this sdist's own spec), no test fixtures or outputs.
unwanted = sorted(n for n in names if n.split("/")[0] in {"target", ".git", "tests", "output", "scripts", ".ci"}
                  or n.startswith(("generator/tests/", "generator/target/", "python/capi_compat/include/",
                                   "python/capi_compat/share/")) or "/.git" in n)
links = sorted(n for n, m in members.items() if m.issym() or m.islnk())
big = sorted(f"{n} ({m.size} bytes)" for n, m in members.items() if m.size > 200_000)
size = os.path.getsize(sys.argv[1])
problems = [f"lacks {missing}"] * bool(missing) + [f"holds {unwanted}"] * bool(unwanted) \
    + [f"holds symlinks {links}"] * bool(links) + [f"holds large files {big}"] * bool(big) \
    + [f"is {size} bytes (over 2 MB)"] * (size > 2_000_000)
if problems:
    sys.exit(f"the sdist {os.path.basename(sys.argv[1])} " + "; ".join(problems))
print(f"sdist: {len(names)} files, {size // 1024} KiB, holds the {len(needed)} needed ones and nothing built or private")
EOF

step "pip: the wheel pip builds from that sdist (build isolation: maturin from PyPI; cargo's target reused)"
# As for a user whose platform has no wheel on PyPI. Built once: every venv below installs it.
CARGO_TARGET_DIR=$ROOT/target python -m pip wheel --quiet --disable-pip-version-check --no-deps \
    -w "$WORK/wheels" "$SDIST" || fail "pip could not build a wheel from the sdist (or reach PyPI for maturin)"
WHEEL=$(ls "$WORK/wheels"/capi_compat-*.whl)
echo "built $(basename "$WHEEL") from $(basename "$SDIST")"
python - "$WHEEL" <<'EOF'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
expected = {
    "capi_compat/__init__.py", "capi_compat/__main__.py",
    "capi_compat/include/capi_compat.h",
    "capi_compat/include/capi_compat_hpy/capi_compat.h", "capi_compat/include/capi_compat_hpy/hpy.h",
    "capi_compat/share/pkgconfig/capi-compat.pc", "capi_compat/share/pkgconfig/capi-compat-hpy.pc",
    "capi_compat/share/cmake/capi_compat/capi_compatConfig.cmake",
    "capi_compat/share/cmake/capi_compat/capi_compatConfigVersion.cmake",
}
binary = [n for n in names if n.endswith(".data/scripts/capi-compat")]
missing = sorted(expected - names)
if missing or not binary:
    sys.exit(f"the wheel lacks {missing or 'the capi-compat binary'}")
print(f"wheel holds the binary and {len(expected)} package files")
EOF
python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$WHEEL" \
    || fail "pip could not install $(basename "$WHEEL")"
# setuptools for the isolated setuptools builds below (pip's cache; no index during them)
python -m pip download --quiet --disable-pip-version-check setuptools -d "$WORK/deps" \
    || fail "pip could not download setuptools from PyPI: is the package registry reachable?"

run_example_tests() {  # $1: a directory holding the built _example and _hpy_example
    PYTHONPATH="$1" python -m unittest discover -q -s tests/c/example
    PYTHONPATH="$1" python -m unittest discover -q -s tests/c/hpy-example
}

# A consumer project's copy (symlinks to tests/c followed), so builds leave the tree clean.
copy_project() {
    rm -rf "$WORK/$1" && cp -rL "tests/projects/$1" "$WORK/$1"
}

# The Python-side routes, with `python` and `capi-compat` from the venv first on PATH (meson,
# ninja, cmake and pkg-config may come from the tools venv after it).
python_routes() {
    local venv label
    venv=$(dirname "$(dirname "$(command -v python)")")
    label="$(python -c 'import platform; print(platform.python_version())') ($venv)"

    step "pip on $label: capi-compat on PATH, python -m capi_compat, get_include(), gen, a tiny extension"
    [ "$(command -v capi-compat)" = "$venv/bin/capi-compat" ] || fail "capi-compat is not on PATH from $venv"
    capi-compat --version
    [ "$(python -m capi_compat --version)" = "$(capi-compat --version)" ] || fail "python -m capi_compat differs"
    python - "$WORK/tiny-$$" <<'EOF'
import importlib.util, os, shutil, subprocess, sys, sysconfig, capi_compat
inc, hpy = capi_compat.get_include(), capi_compat.get_hpy_include()
assert os.path.isfile(os.path.join(inc, "capi_compat.h")), inc
assert os.path.isfile(os.path.join(hpy, "hpy.h")) and os.path.isfile(os.path.join(hpy, "capi_compat.h")), hpy
# the binary points at the same package files (not a cache copy)
for flag, expected in [("--includedir", inc), ("--pkgconfigdir", capi_compat.get_pkgconfig_dir()),
                       ("--cmakedir", capi_compat.get_cmake_dir())]:
    printed = subprocess.check_output(["capi-compat", flag], text=True).strip()
    assert os.path.realpath(printed) == os.path.realpath(expected), (flag, printed, expected)
# the packaged header is what the packaged binary writes, and says so
out = subprocess.run(["capi-compat", "check", os.path.join(inc, "capi_compat.h"),
                      os.path.join(hpy, "capi_compat.h")], capture_output=True, text=True)
assert out.returncode == 0, out.stdout + out.stderr
# `capi-compat gen` from this install, and the package's header: both build an extension that
# calls 3.13/3.14 API (backported below them) on this interpreter
work = sys.argv[1]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(os.path.join(work, "gen"))
subprocess.run(["capi-compat", "gen", "--min", "3.10", "-o", os.path.join(work, "gen", "capi_compat.h")], check=True)
with open(os.path.join(work, "_tiny.c"), "w") as f:
    f.write("""#include <Python.h>
#include "capi_compat.h"
static PyObject *tiny(PyObject *self, PyObject *arg) {
    (void)self;
    int value = PyLong_AsInt(arg);
    if (value == -1 && PyErr_Occurred()) return NULL;
    PyObject *result = PyLong_FromLong((long)value + 1);
    if (result == NULL) return NULL;
    int positive = PyLong_IsPositive(result);
    Py_DECREF(result);
    return positive < 0 ? NULL : Py_NewRef(positive ? Py_True : Py_False);
}
static PyMethodDef methods[] = {{"tiny", tiny, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_tiny", NULL, -1, methods,
                                    NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit__tiny(void) { return PyModule_Create(&module); }
""")
suffix = sysconfig.get_config_var("EXT_SUFFIX")
for name, include in [("package", inc), ("gen", os.path.join(work, "gen"))]:
    os.makedirs(os.path.join(work, name), exist_ok=True)
    target = os.path.join(work, name, "_tiny" + suffix)
    subprocess.run(["cc", "-shared", "-fPIC", "-Wall", "-Wextra", "-Werror", "-I", include,
                    "-I", sysconfig.get_paths()["include"], os.path.join(work, "_tiny.c"), "-o", target],
                   check=True)
    spec = importlib.util.spec_from_file_location("_tiny", target)
    tiny = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tiny)
    assert tiny.tiny(41) is True and tiny.tiny(-5) is False, name
    try:
        tiny.tiny(2**40)
        raise AssertionError("PyLong_AsInt accepted 2**40")
    except OverflowError:
        pass
shutil.rmtree(work)
print(f"get_include(): {inc}; gen and the package header build an extension on Python {sys.version.split()[0]}")
EOF

    step "setuptools on $label: build-system.requires = [\"capi-compat\"] (build isolation, from the local wheel)"
    copy_project install-setuptools
    # Only local wheels: capi-compat is the sdist's wheel, never a release from the index.
    python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-index \
        --find-links "$WORK/wheels" --find-links "$WORK/deps" "$WORK/install-setuptools" \
        || fail "the setuptools project did not build on $label"
    run_example_tests "$WORK/empty-dir-$$"   # installed: nothing on PYTHONPATH
    python -m pip uninstall --quiet -y install-setuptools

    step "pkg-config on $label: a meson-python project, PKG_CONFIG_PATH=\$(capi-compat --pkgconfigdir)"
    copy_project install-meson
    (cd "$WORK/install-meson" && PKG_CONFIG_PATH="$(capi-compat --pkgconfigdir)" \
        python -m pip install --quiet --disable-pip-version-check --no-build-isolation .) \
        || fail "the meson-python project did not build on $label"
    run_example_tests "$WORK/empty-dir-$$"
    python -m pip uninstall --quiet -y install-meson

    step "CMake on $label: a scikit-build-core project, find_package(capi_compat CONFIG) through the wheel"
    copy_project install-skbuild
    python -m pip install --quiet --disable-pip-version-check --no-build-isolation "$WORK/install-skbuild" \
        || fail "the scikit-build-core project did not build on $label"
    run_example_tests "$WORK/empty-dir-$$"
    python -m pip uninstall --quiet -y install-skbuild
}

# 3.12: the tools venv itself (the steps below use its capi-compat).
python_routes

# An old and a new interpreter, as `capi-compat pythons` finds them (pyenv's 3.10, the
# provisioned 3.15), each in a fresh venv holding the wheel and the three build backends.
for minor in 3.10 3.15; do
    listing=$(capi-compat pythons | grep -A1 -E "^cpython-${minor//./\\.}\.[0-9]+ " | head -2)
    interpreter=$(awk 'NR == 1 {print $7}' <<<"$listing")
    [ -x "$interpreter" ] || fail "capi-compat pythons lists no CPython $minor (found: ${listing:-nothing})"
    venv=$WORK/venv-$minor
    rm -rf "$venv"
    "$interpreter" -m venv "$venv" || fail "$interpreter -m venv failed"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$WHEEL" \
        meson-python scikit-build-core setuptools \
        || fail "pip could not install the wheel and the build backends into $venv (is PyPI reachable?)"
    # The include directories it lists (Debian's multiarch pyconfig.h for a provisioned one), as
    # `capi-compat matrix` passes them.
    includes=$(awk 'NR == 2 {sub(/^ *include: /, ""); print}' <<<"$listing")
    (
        export PATH="$venv/bin:$PATH" CPATH="${includes// /:}${CPATH:+:$CPATH}"
        python_routes
    )
done

# ---- meson subproject -----------------------------------------------------------------------
step "meson: this repository as a subproject, through a wrap file (the committed HEAD)"
copy_project install-subproject
mkdir -p "$WORK/install-subproject/subprojects"
cat > "$WORK/install-subproject/subprojects/capi-compat.wrap" <<EOF
[wrap-git]
url = $ROOT
revision = $(git rev-parse HEAD)
depth = 1

[provide]
capi-compat = capi_compat_dep
capi-compat-hpy = capi_compat_hpy_dep
EOF
(cd "$WORK/install-subproject" && meson setup --force-fallback-for=capi-compat,capi-compat-hpy build >/dev/null \
    && meson compile -C build >/dev/null) || fail "the meson subproject build failed"
run_example_tests "$WORK/install-subproject/build"

# ---- cargo ------------------------------------------------------------------------------------
step "cargo: cargo install --path generator, run away from the repository"
rm -rf "$WORK/cargo-root" "$WORK/cargo-cache"
cargo install --quiet --locked --path generator --root "$WORK/cargo-root" --target-dir target \
    || fail "cargo install --path generator failed (see above; crates.io unreachable is a network failure)"
CARGO_BIN=$WORK/cargo-root/bin/capi-compat
away=$(mktemp -d)
(
    cd "$away"
    export CAPI_COMPAT_CACHE=$WORK/cargo-cache
    mkdir vendored && "$CARGO_BIN" gen --hpy -o vendored/capi_compat.h
    "$CARGO_BIN" check vendored/capi_compat.h
    cmakedir=$("$CARGO_BIN" --cmakedir)
    case $cmakedir in "$WORK/cargo-cache/"*) ;; *) fail "a cargo-installed binary's --cmakedir is $cmakedir, not in its cache" ;; esac
    # plain CMake on the scikit-build-core project's CMakeLists.txt, capi_compat_DIR from the binary
    cmake -S "$WORK/install-skbuild" -B build-cmake -G Ninja -DPython_EXECUTABLE="$VENV/bin/python" \
        -Dcapi_compat_DIR="$cmakedir" >/dev/null && cmake --build build-cmake >/dev/null \
        || fail "plain CMake with capi_compat_DIR=$cmakedir failed"
    # pkg-config from the same cache
    cflags=$(PKG_CONFIG_PATH=$("$CARGO_BIN" --pkgconfigdir) pkg-config --cflags capi-compat-hpy)
    [[ $cflags == *"$WORK/cargo-cache/"*/include/capi_compat_hpy* ]] \
        || fail "pkg-config does not find capi-compat-hpy.pc in the cargo binary's cache"
)
run_example_tests "$away/build-cmake"
rm -rf "$away"

step "cargo: cargo package (the .crate alone builds: spec and test macros included)"
cargo package --quiet --locked --allow-dirty -p capi-compat \
    || fail "cargo package failed (see above; crates.io unreachable is a network failure)"
crate=target/package/capi-compat-$(capi-compat --version | cut -d' ' -f2).crate
[ -f "$crate" ] || fail "cargo package wrote no $crate"
tar -tzf "$crate" >"$WORK/crate-files.txt"
for needed in spec/dict.yaml spec/hpy/api.yaml templates/capi_compat_test.h LICENSE README.md; do
    grep -qx "capi-compat-[0-9.]*/$needed" "$WORK/crate-files.txt" || fail "$crate lacks $needed"
done
echo "packaged $(wc -l <"$WORK/crate-files.txt") files into $crate, verified by building it"

# ---- pre-commit -------------------------------------------------------------------------------
step "pre-commit: the capi-compat-check hook on a vendored header (the committed HEAD)"
consumer=$WORK/pre-commit-consumer
rm -rf "$consumer" && mkdir -p "$consumer/src"
capi-compat gen --min 3.12 -o "$consumer/src/capi_compat.h"
cat > "$consumer/.pre-commit-config.yaml" <<EOF
repos:
  - repo: $ROOT
    rev: $(git rev-parse HEAD)
    hooks:
      - id: capi-compat-check
EOF
(
    cd "$consumer"
    git init --quiet . && git add . && git -c user.name=t -c user.email=t@t commit --quiet -m vendored
    # pre-commit pip-installs the hook's repository (a wheel build); cargo's cache is shared.
    export PRE_COMMIT_HOME=$WORK/pre-commit-home CARGO_TARGET_DIR=$ROOT/target
    pre-commit run --all-files >"$WORK/pre-commit-fresh.log" 2>&1 \
        || { cat "$WORK/pre-commit-fresh.log"; fail "the hook failed on a fresh header (or could not be installed)"; }
    sed -i 's|^#define PyLong_AsInt capicompat_PyLong_AsInt$|&\n/* hand edit */|' src/capi_compat.h
    if pre-commit run --all-files >"$WORK/pre-commit-edited.log" 2>&1; then
        cat "$WORK/pre-commit-edited.log"; fail "the hook passed an edited header"
    fi
    grep -q "differs: PyLong_AsInt" "$WORK/pre-commit-edited.log" \
        || { cat "$WORK/pre-commit-edited.log"; fail "the hook did not name the edited entry"; }
)
echo "pre-commit hook: passes a fresh header, fails an edited one naming PyLong_AsInt"
echo
echo "install routes (${SECONDS}s): pip, setuptools, meson-python (pkg-config), scikit-build-core and plain CMake, meson wrap, cargo install, cargo package, pre-commit: all passed"

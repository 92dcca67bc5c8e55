#!/usr/bin/env bash
# Every way of installing and consuming capi-compat, end to end (the README's Install section):
#   pip        the wheel (maturin, built once) puts `capi-compat` on PATH and the `capi_compat`
#              package in site-packages; `python -m capi_compat`; a setuptools extension that
#              build-requires capi-compat (from the local wheel) and uses get_include() /
#              get_hpy_include();
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

# ---- pip: the wheel, built once ----------------------------------------------------------
step "pip: pip install . (maturin, bindings = \"bin\"), and the same wheel kept for --find-links"
# As the README says it: our backend writes the package's headers with the binary being
# built, then maturin packs the same binary. The second build is cargo's cached one.
python -m pip uninstall --quiet --disable-pip-version-check -y capi-compat 2>/dev/null || true
python -m pip install --quiet --disable-pip-version-check . \
    || fail "pip install . failed (or PyPI could not be reached for maturin)"
rm -rf "$WORK/wheels"
python -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation \
    -w "$WORK/wheels" . || fail "building the wheel failed"
WHEEL=$(ls "$WORK/wheels"/capi_compat-*.whl)
echo "built $(basename "$WHEEL")"
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

step "pip: capi-compat on PATH, python -m capi_compat, get_include(), --pkgconfigdir"
[ "$(command -v capi-compat)" = "$VENV/bin/capi-compat" ] || fail "capi-compat is not on PATH from the venv"
capi-compat --version
[ "$(python -m capi_compat --version)" = "$(capi-compat --version)" ] || fail "python -m capi_compat differs"
python - <<'EOF'
import os, subprocess, capi_compat
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
print("get_include():", inc)
EOF

run_example_tests() {  # $1: a directory holding the built _example and _hpy_example
    PYTHONPATH="$1" python -m unittest discover -q -s tests/c/example
    PYTHONPATH="$1" python -m unittest discover -q -s tests/c/hpy-example
}

# A consumer project's copy (symlinks to tests/c followed), so builds leave the tree clean.
copy_project() {
    rm -rf "$WORK/$1" && cp -rL "tests/projects/$1" "$WORK/$1"
}

step "setuptools: build-system.requires = [\"capi-compat\"] (build isolation, from the local wheel)"
copy_project install-setuptools
# Only local wheels: capi-compat is this one, never a release from the index; setuptools is
# fetched first (pip's cache) so that the isolated build needs no index.
python -m pip download --quiet --disable-pip-version-check setuptools -d "$WORK/deps" \
    || fail "pip could not download setuptools from PyPI: is the package registry reachable?"
python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-index \
    --find-links "$WORK/wheels" --find-links "$WORK/deps" "$WORK/install-setuptools" \
    || fail "the setuptools project did not build"
run_example_tests "$WORK/empty-dir-$$"   # installed: nothing on PYTHONPATH
python -m pip uninstall --quiet -y install-setuptools

# ---- pkg-config and CMake -----------------------------------------------------------------
step "pkg-config: a meson-python project, PKG_CONFIG_PATH=\$(capi-compat --pkgconfigdir)"
copy_project install-meson
(cd "$WORK/install-meson" && PKG_CONFIG_PATH="$(capi-compat --pkgconfigdir)" \
    python -m pip install --quiet --disable-pip-version-check --no-build-isolation .) \
    || fail "the meson-python project did not build"
run_example_tests "$WORK/empty-dir-$$"
python -m pip uninstall --quiet -y install-meson

step "CMake: a scikit-build-core project, find_package(capi_compat CONFIG) through the wheel"
copy_project install-skbuild
python -m pip install --quiet --disable-pip-version-check --no-build-isolation "$WORK/install-skbuild" \
    || fail "the scikit-build-core project did not build"
run_example_tests "$WORK/empty-dir-$$"
python -m pip uninstall --quiet -y install-skbuild

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

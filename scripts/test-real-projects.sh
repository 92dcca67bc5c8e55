#!/usr/bin/env bash
# `capi-compat matrix PROJECT_DIR` on real C-extension packages from PyPI, as a new user would
# run it: each pinned sdist (sha256-checked) unpacked and built by its own setup.py through
# pip, on one interpreter per minor version 3.10-3.15 and PyPy 3.11, its own tests run.
#   markupsafe 3.0.2   skips its C speedups on PyPy on purpose: --pure-python-ok pypy, so PyPy
#                      is reported as `pure-python (accepted)`, never as a pass;
#   bitarray 3.12.3    vendors pythoncapi_compat.h: --header writes our header over it, so its
#                      two extensions are built against capi_compat.h instead;
#   multidict 7.2.1    keeps its test requirements in requirements/pytest.txt only: the step
#                      checks the matrix found and installed them (its leak tests import
#                      coverage, objgraph and psutil from there). On 3.12 alone, its leak and
#                      C API tests alone (they import both its extensions): its full suite
#                      takes minutes per interpreter.
# The longer list tried by hand (README, "Tried on real packages") is not run here: the CI
# budget for this step is about 3 minutes on 2 idle cores. Their sdists' sha256, as tried:
#   setproctitle 1.3.8   cafe209d064a6efb88cb45a03e97981ff8832802b2b5d009dde0197a3b7b41c8
#   pyahocorasick 2.3.1  9d0f6bb522237ed7f111ed59c9e8baea7d1e75813587b6773babd43bda35db9f
#   immutables 0.21      b55ffaf0449790242feb4c56ab799ea7af92801a0a43f9e2f4f8af2ab24dfc4a
#   xxhash 4.1.0         c9b288e4c1f5dae54417bc8a05e6f6daf505783d916b4783f4dd2f2e7d5db486
# The sdists are cached in ~/.cache/capi-compat/sdists (offline once warm). When PyPI cannot be
# reached, the step prints NOT CHECKED and exits non-zero: an unchecked step is not a pass.
# Usage: scripts/test-real-projects.sh [--all] (--all: the 12 interpreters found, not 7).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${CAPI_COMPAT_BIN:-target/debug/capi-compat}
SDISTS=${CAPI_COMPAT_SDIST_CACHE:-$HOME/.cache/capi-compat/sdists}
WORK=${CAPI_COMPAT_REAL_WORK:-target/real-projects}
JOBS=${CAPI_COMPAT_REAL_JOBS:-2}

# Labels and paths as discovery reports them: pyenv's 3.10-3.12, the provisioned release
# builds of 3.13-3.15, PyPy. --require makes a missing one fail the step.
PYTHONS=(--python versions/3.10 --python versions/3.11 --python versions/3.12
    --python cpython-3.13/usr/bin --python cpython-3.14/usr/bin --python cpython-3.15/usr/bin --python pypy)
REQUIRED=(--require "3.10,3.11,3.12,3.13,3.14,3.15,pypy3.11")
if [ "${1:-}" = --all ]; then PYTHONS=(); REQUIRED=(); fi

# name version sha256 of the sdist on PyPI
PACKAGES=(
    "markupsafe 3.0.2 ee55d3edf80167e48ea11a923c7386f4669df67d7994554387f84e7d8b0a2bf0"
    "bitarray 3.12.3 919e35a951c0a551631b94bf568f3f5e38d004e0c60866cb2ca51bd8c4778fec"
    "multidict 7.2.1 e8af3e6f1bdbc31fd762b094133b478b89988eaebc63cbe82b1d9e3bbd15cede"
)

# What each package needs: matrix options, then `--` and its test command; INTERPRETERS
# (default: the PYTHONS above) and EXPECT, a line its output must hold.
package_args() {
    INTERPRETERS=("${PYTHONS[@]}" "${REQUIRED[@]}")
    EXPECT=""
    case $1 in
    markupsafe) ARGS=(--with pytest --pure-python-ok pypy -- python -m pytest -q tests) ;;
    # Its tests live inside the package (flat layout): they run from outside the project's
    # tree, so the installed build is what they import.
    bitarray) ARGS=(--header bitarray/pythoncapi_compat.h -- sh -c
        'cd / && python -c "import bitarray, sys; sys.exit(not bitarray.test(verbosity=0).wasSuccessful())"') ;;
    multidict)
        INTERPRETERS=(--python versions/3.12 --require 3.12)
        EXPECT="test requirements: requirements/pytest.txt (the first test requirements file found)"
        ARGS=(--header multidict/_multilib/pythoncapi_compat.h -- pytest -q -o addopts= tests/test_leaks.py tests/test_capi.py) ;;
    esac
}

[ -x "$BIN" ] || cargo build --locked --quiet
PYTHON=""
for candidate in /root/.pyenv/versions/3.12*/bin/python3 "$(command -v python3.12 || true)" "$(command -v python3 || true)"; do
    if [ -x "$candidate" ] && "$candidate" -m pip --version >/dev/null 2>&1; then PYTHON=$candidate; break; fi
done

# On standard error: fetch's standard output is the path it found.
not_checked() {
    echo "NOT CHECKED: real packages: $*" >&2
    exit 1
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# The sdist from the cache, or from PyPI (pip checks the pinned hash).
fetch() {
    local name=$1 version=$2 sha=$3 file
    file=$(find "$SDISTS" -maxdepth 1 -iname "$name-$version.tar.gz" 2>/dev/null | head -n 1)
    if [ -n "$file" ] && [ "$(sha256_of "$file")" = "$sha" ]; then
        echo "$file"
        return 0
    fi
    [ -n "$PYTHON" ] || not_checked "no Python with pip to download $name $version"
    mkdir -p "$SDISTS"
    local reqs
    reqs=$(mktemp)
    echo "$name==$version --hash=sha256:$sha" >"$reqs"
    if ! "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
        --require-hashes -r "$reqs" -d "$SDISTS" >"$WORK/download-$name.log" 2>&1; then
        rm -f "$reqs"
        not_checked "could not download $name $version from PyPI (network? see $WORK/download-$name.log): $(tail -n 1 "$WORK/download-$name.log")"
    fi
    rm -f "$reqs"
    find "$SDISTS" -maxdepth 1 -iname "$name-$version.tar.gz" | head -n 1
}

rm -rf "$WORK"
mkdir -p "$WORK"
failed=()
for entry in "${PACKAGES[@]}"; do
    read -r name version sha <<<"$entry"
    sdist=$(fetch "$name" "$version" "$sha") || exit 1
    tar -xzf "$sdist" -C "$WORK"
    dir=$(find "$WORK" -maxdepth 1 -type d -iname "$name-$version" | head -n 1)
    package_args "$name"
    echo
    echo "== real package: $name $version: capi-compat matrix ${ARGS[*]}"
    start=$SECONDS
    status=0
    "$BIN" matrix "$dir" "${INTERPRETERS[@]}" --jobs "$JOBS" \
        --json "$WORK/$name.json" --junit "$WORK/$name.xml" "${ARGS[@]}" 2>&1 |
        tee "$WORK/$name.txt" || status=$?
    echo "($name: $((SECONDS - start)) s)"
    if grep -q "could not reach the package index" "$WORK/$name.txt"; then
        not_checked "$name: pip could not reach the package index (network, not a test result)"
    fi
    if [ -n "$EXPECT" ] && ! grep -qxF "$EXPECT" "$WORK/$name.txt"; then
        echo "error: $name: the output lacks \"$EXPECT\"" >&2
        status=1
    fi
    [ "$status" -eq 0 ] || failed+=("$name")
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "error: capi-compat matrix failed on: ${failed[*]} (reports in $WORK)" >&2
    exit 1
fi
echo "real packages: all passed (${#PACKAGES[@]} packages)"

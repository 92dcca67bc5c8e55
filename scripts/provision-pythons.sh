#!/usr/bin/env bash
# provision-pythons.sh — bring extra Python interpreters (CPython 3.13/3.14/3.15
# release + debug builds, PyPy 3.11) from Debian unstable into a private cache,
# so the compat header can be compiled and tested against each of them.
#
# Nothing here touches the system's apt state: a private sources list, list
# directory and package cache live under the cache dir, packages are fetched
# with `apt-get download` and unpacked with `dpkg-deb`, never installed.
# Unstable's interpreters need unstable's glibc, so each prefix also gets
# unstable's libc6 and the shared libraries the interpreter links against, and
# the interpreter binary is patched (patchelf) to use that loader and libdir.
# Each prefix also gets Debian's ensurepip and the pip/setuptools wheels it
# installs, so `$PY -m venv DIR && DIR/bin/python -m pip ...` works, and its
# multiarch pyconfig.h wrapper is replaced by the real one, so pip can build C
# extensions with the include dir sysconfig reports (both checked before
# stamping; a prefix stamped before that is upgraded in place).
#
# Layout (CACHE = ${CAPI_COMPAT_CACHE:-$HOME/.cache/capi-compat}):
#   CACHE/pythons/<label>/            one prefix per interpreter (contains usr/...)
#   CACHE/pythons/<label>/.provisioned stamp: written only after verification
#   CACHE/pythons/manifest.tsv        label<TAB>interpreter<TAB>include dirs (':'-separated)
#   CACHE/pythons/.apt/               private apt lists/config
#   CACHE/pythons/.debs/              downloaded .deb files (shared by all prefixes)
#
# Exit status: 0 when the run completed (interpreters that could not be had are
# reported as `MISSING <label>: <reason>`, a stamped one whose venv support
# could not be added as `MISSING venv support for <label>: <reason>`), 2 on a usage error, 1 on any other
# failure (a bug, or no way to get the host tools).
set -euo pipefail
shopt -s inherit_errexit   # keep `set -e` inside $(...) too

readonly ALL_LABELS=(cpython-3.13 cpython-3.13-dbg cpython-3.14 cpython-3.14-dbg
                     cpython-3.15 cpython-3.15-dbg pypy-3.11)
readonly MIRROR=http://deb.debian.org/debian
readonly KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
readonly DEB_ARCH=amd64
readonly MULTIARCH=x86_64-linux-gnu
readonly LIST_MAX_AGE=$((24 * 60 * 60))   # re-download package lists at most daily

readonly CACHE_ROOT=${CAPI_COMPAT_CACHE:-${HOME:?set HOME or CAPI_COMPAT_CACHE}/.cache/capi-compat}
readonly PY_ROOT=$CACHE_ROOT/pythons
readonly APT_ROOT=$PY_ROOT/.apt
readonly DEB_DIR=$PY_ROOT/.debs
readonly MANIFEST=$PY_ROOT/manifest.tsv
readonly STAMP_NAME=.provisioned

# Library packages we deliberately do not follow: they only serve _tkinter (in
# the -dbg packages) and would drag in the whole X11 stack.
readonly PRUNED_LIBS=" libtk8.6 libtcl8.6 "

# Stdlib modules that must import for an interpreter to count as usable.
readonly CPYTHON_MODULES="_ctypes _ssl _hashlib zlib _json _decimal _bz2 _lzma _sqlite3 pyexpat _uuid readline _curses"
readonly PYPY_MODULES="ctypes ssl hashlib zlib json decimal bz2 lzma sqlite3 pyexpat"

REFRESH=0
ONLY=()

# ---------------------------------------------------------------- messages

say()  { printf '%s\n' "$*"; }
# Inside provision_label: give the reason that ends up in the MISSING line.
# Exits the (sub)shell: provisioning runs in a subshell of its own.
fail() { printf 'reason: %s\n' "$*" >&2; exit 1; }
note() { printf 'note: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat <<EOF
Usage: $(basename "$0") [--only LABEL[,LABEL...]] [--refresh] [--list] [-h]

Provision Python interpreters from Debian unstable into
  $PY_ROOT
and write $MANIFEST
(label<TAB>interpreter<TAB>include dirs, colon-separated).

  --only LABELS  provision only these labels (default: all)
  --refresh      re-download the package lists now and re-provision every
                 prefix whose packages changed in Debian since it was stamped
  --list         print the manifest and exit
  -h, --help     this help

Labels: ${ALL_LABELS[*]}
Cache root: \$CAPI_COMPAT_CACHE (default \$HOME/.cache/capi-compat)
EOF
}

# ---------------------------------------------------------------- arguments

is_known_label() {
    local l
    for l in "${ALL_LABELS[@]}"; do [[ $l == "$1" ]] && return 0; done
    return 1
}

parse_args() {
    local list_only=0 l
    while (($#)); do
        case $1 in
            --only)
                (($# >= 2)) || { usage >&2; exit 2; }
                IFS=, read -r -a ONLY <<<"$2"
                shift 2 ;;
            --only=*) IFS=, read -r -a ONLY <<<"${1#--only=}"; shift ;;
            --refresh) REFRESH=1; shift ;;
            --list) list_only=1; shift ;;
            -h|--help) usage; exit 0 ;;
            *) printf 'unknown argument: %s\n' "$1" >&2; usage >&2; exit 2 ;;
        esac
    done
    for l in "${ONLY[@]}"; do
        is_known_label "$l" || { printf 'unknown label: %s\n' "$l" >&2; usage >&2; exit 2; }
    done
    if ((list_only)); then
        [[ -f $MANIFEST ]] || die "no manifest yet at $MANIFEST (run without --list first)"
        cat "$MANIFEST"
        exit 0
    fi
}

# ---------------------------------------------------------------- host tools

# patchelf (rewrites the interpreter binary), gcc (compiles the probe
# extension) and readelf (lists shared-library needs) come from the normal
# system sources. `apt-get update` only when the plain install fails, since the
# lists are usually already there.
ensure_host_tools() {
    local missing=() cmd
    for cmd in patchelf:patchelf gcc:gcc readelf:binutils flock:util-linux; do
        command -v "${cmd%%:*}" >/dev/null 2>&1 || missing+=("${cmd#*:}")
    done
    # gcc needs the C library headers to build the probe extension.
    [[ -f /usr/include/stdlib.h ]] || missing+=(libc6-dev)
    ((${#missing[@]})) || return 0
    ((EUID == 0)) || die "need ${missing[*]} installed (run as root to have them installed)"
    note "installing host tools: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
        apt-get update >/dev/null
        apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null \
            || die "could not install ${missing[*]}"
    fi
}

# ---------------------------------------------------------------- private apt

# Every apt call goes through these options so that only our own sources list,
# lists dir, status file (empty: nothing counts as installed) and caches are
# used. The system's apt.conf.d is still read on purpose (proxy settings).
APT_OPTS=()
init_apt_opts() {
    APT_OPTS=(
        -o "Dir::Etc::sourcelist=$APT_ROOT/sources.list"
        -o "Dir::Etc::sourceparts=/dev/null"
        -o "Dir::Etc::preferences=/dev/null"
        -o "Dir::Etc::preferencesparts=/dev/null"
        -o "Dir::State::Lists=$APT_ROOT/lists"
        -o "Dir::State::status=$APT_ROOT/status"
        -o "Dir::State::extended_states=$APT_ROOT/extended_states"
        -o "Dir::Cache=$APT_ROOT/cache"
        -o "Dir::Cache::archives=$APT_ROOT/cache/archives"
        # Docker images set these to "" (no binary cache); every apt-cache
        # call would then re-parse the 20+ MB of lists.
        -o "Dir::Cache::pkgcache=pkgcache.bin"
        -o "Dir::Cache::srcpkgcache=srcpkgcache.bin"
        -o "APT::Architectures=$DEB_ARCH"
        # The cache is often under /root, which the _apt user cannot enter.
        -o "APT::Sandbox::User=root"
        -o "Debug::NoLocking=true"
    )
}
apt_get()   { apt-get "${APT_OPTS[@]}" "$@"; }
apt_cache() { apt-cache "${APT_OPTS[@]}" "$@"; }

# Unstable is what we want. Experimental is listed too, but it is marked
# NotAutomatic by Debian (pin priority 1), so nothing comes from it unless a
# wanted package exists only there (see choose_suite).
write_private_sources() {
    mkdir -p "$APT_ROOT/lists/partial" "$APT_ROOT/cache/archives/partial"
    : >"$APT_ROOT/status"
    local opts="[arch=$DEB_ARCH signed-by=$KEYRING target=Packages]"
    local want
    want=$(printf 'deb %s %s unstable main\ndeb %s %s experimental main\n' \
        "$opts" "$MIRROR" "$opts" "$MIRROR")
    if [[ ! -f $APT_ROOT/sources.list || $(<"$APT_ROOT/sources.list") != "$want" ]]; then
        printf '%s\n' "$want" >"$APT_ROOT/sources.list"
        rm -f "$APT_ROOT/lists.updated"
    fi
}

lists_are_fresh() {
    local stamp=$APT_ROOT/lists.updated
    [[ -f $stamp ]] || return 1
    (( $(date +%s) - $(stat -c %Y "$stamp") < LIST_MAX_AGE ))
}

# Returns non-zero only if there are no usable lists at all.
LISTS_READY=0
update_lists() {
    ((LISTS_READY)) && return 0
    if ((REFRESH == 0)) && lists_are_fresh; then LISTS_READY=1; return 0; fi
    note "downloading Debian unstable/experimental package lists"
    if apt_get -qq update >"$APT_ROOT/update.log" 2>&1; then
        touch "$APT_ROOT/lists.updated"
        LISTS_READY=1
        return 0
    fi
    if [[ -f $APT_ROOT/lists.updated ]]; then
        note "apt-get update failed, using older lists (see $APT_ROOT/update.log)"
        LISTS_READY=1
        return 0
    fi
    sed 's/^/  /' "$APT_ROOT/update.log" >&2
    return 1
}

# ---------------------------------------------------------------- per-label facts

# cpython-3.14-dbg -> 3.14 ; pypy-3.11 -> 3.11
label_pyver() { local v=${1#*-}; echo "${v%-dbg}"; }
label_is_dbg() { [[ $1 == *-dbg ]]; }
label_is_pypy() { [[ $1 == pypy-* ]]; }

# The Debian packages that make up one interpreter (their library
# dependencies are added by lib_closure).
label_packages() {
    local label=$1 v
    v=$(label_pyver "$label")
    if label_is_pypy "$label"; then
        # Debian's pypy3 is unversioned; which Python it implements is
        # checked after unpacking (interpreter_relpath).
        echo pypy3 pypy3-lib pypy3-dev
        venv_package "$label"
        return
    fi
    # libpython3.X-dev holds the headers and the multiarch pyconfig.h;
    # libpython3.X is the shared libpython (for embedding); python3.X-dev
    # only adds python3.X-config.
    echo "python$v-minimal libpython$v-minimal libpython$v-stdlib python$v" \
         "libpython$v libpython$v-dev python$v-dev"
    if label_is_dbg "$label"; then
        # The debug interpreter python3.Xd, its lib-dynload modules and the
        # debug pyconfig.h (/usr/include/python3.Xd, symlinks into python3.X).
        echo "python$v-dbg libpython$v-dbg"
    fi
    venv_package "$label"
}

# `python -m venv` with pip needs two more things that Debian splits off:
# ensurepip (python3.X-venv, pypy3-venv; it must come from the interpreter's
# own suite) and the wheels ensurepip installs (python3-pip-whl,
# python3-setuptools-whl: architecture-independent, always from unstable).
venv_package() {
    if label_is_pypy "$1"; then echo pypy3-venv; else echo "python$(label_pyver "$1")-venv"; fi
}
readonly WHEEL_PACKAGES="python3-pip-whl python3-setuptools-whl"

# Where Debian puts the label's interpreter (relative to the prefix).
interpreter_relpath() {
    local label=$1 v
    v=$(label_pyver "$label")
    if label_is_pypy "$label"; then echo "usr/bin/pypy$v"
    elif label_is_dbg "$label"; then echo "usr/bin/python${v}d"
    else echo "usr/bin/python$v"
    fi
}

# Header dirs a C compiler needs, ':'-separated. Debian's
# usr/include/python3.X[d]/pyconfig.h is a wrapper that does
# `#include <x86_64-linux-gnu/python3.X[d]/pyconfig.h>`, which is why the
# prefix's usr/include itself must be on the path too.
include_dirs() {
    local label=$1 prefix=$2 v
    v=$(label_pyver "$label")
    if label_is_pypy "$label"; then
        echo "$prefix/usr/include/pypy$v"
    elif label_is_dbg "$label"; then
        echo "$prefix/usr/include:$prefix/usr/include/python${v}d"
    else
        echo "$prefix/usr/include:$prefix/usr/include/python$v"
    fi
}

# ---------------------------------------------------------------- resolving packages

# Prints "unstable" or "experimental" (the suite every package of the label
# can be taken from), or fails with the packages that are nowhere.
choose_suite() {
    local pkg suites in_unstable=() in_experimental=() nowhere=()
    for pkg in "$@"; do
        suites=$(apt_cache madison "$pkg" 2>/dev/null | awk -F'|' '{print $3}')
        if grep -q ' unstable/' <<<"$suites"; then in_unstable+=("$pkg"); fi
        if grep -q ' experimental/' <<<"$suites"; then in_experimental+=("$pkg"); fi
        if ! grep -qE ' (unstable|experimental)/' <<<"$suites"; then nowhere+=("$pkg"); fi
    done
    if ((${#nowhere[@]})); then
        fail "not in Debian unstable or experimental: ${nowhere[*]}"
    fi
    if ((${#in_unstable[@]} == $#)); then echo unstable
    elif ((${#in_experimental[@]} == $#)); then echo experimental
    else
        fail "split between unstable and experimental: unstable has only ${in_unstable[*]}"
    fi
}

# Runtime shared-library packages are followed when walking dependencies;
# everything else (tzdata, media-types, -dev packages, data packages) is not
# needed to run an unpacked interpreter.
is_runtime_lib_pkg() {
    local p=$1
    [[ $p == lib* || $p == zlib1g ]] || return 1
    [[ $p == libpython* ]] && return 1          # only the label's own ones
    [[ $p =~ -(dev|doc|bin|common|data|tools|utils)$ ]] && return 1
    [[ $PRUNED_LIBS != *" $p "* ]]
}

# Breadth-first walk over Depends/Pre-Depends of the given packages (against
# our private lists), printing the library packages reached. Alternatives
# (`a | b`) are all followed; the extra library costs nothing.
lib_closure() {
    local -A seen=()
    local frontier=("$@") next name p
    for p in "$@"; do seen[${p%/*}]=1; done
    while ((${#frontier[@]})); do
        next=()
        while read -r name; do
            [[ -n ${seen[$name]:-} ]] && continue
            seen[$name]=1
            if is_runtime_lib_pkg "$name"; then next+=("$name"); fi
        done < <(apt_cache depends --no-recommends --no-suggests --no-conflicts \
                    --no-breaks --no-replaces --no-enhances "${frontier[@]}" \
                 | sed -n 's/^ *|\{0,1\}\(Pre\)\{0,1\}Depends: \([^< ][^ ]*\).*/\2/p' \
                 | sed 's/:any$//' | sort -u)
        frontier=("${next[@]}")
        ((${#next[@]})) || break
        printf '%s\n' "${next[@]}"
    done
}

# Reads `apt-get download --print-uris` lines on stdin, downloads the .debs
# not already in DEB_DIR (checked by sha256) and prints the .deb paths.
fetch_debs() {
    local line file sum want=() paths=()
    mkdir -p "$DEB_DIR"
    while read -r line; do
        [[ -n $line ]] || continue
        read -r _ file _ sum <<<"$line"
        paths+=("$DEB_DIR/$file")
        if [[ -f $DEB_DIR/$file ]] \
           && [[ $(sha256sum "$DEB_DIR/$file" | cut -d' ' -f1) == "${sum#SHA256:}" ]]; then
            continue
        fi
        want+=("${file%%_*}=$(dpkg_version_from_filename "$file")")
    done
    if ((${#want[@]})); then
        (cd "$DEB_DIR" && apt_get -qq download "${want[@]}") >&2 \
            || fail "apt-get download failed for: ${want[*]}"
    fi
    printf '%s\n' "${paths[@]}"
}

# libc6_2.43-7_amd64.deb -> 2.43-7. apt writes an epoch's ':' as %3a in
# file names (zlib1g_1%3a1.3...), but wants it back as ':' in pkg=version.
dpkg_version_from_filename() {
    local f=${1%.deb}
    f=${f#*_}
    f=${f%_*}
    echo "${f//%3a/:}"
}

# ---------------------------------------------------------------- building a prefix

# Unpacks the .debs into the prefix. Left out, which more than halves a -dbg
# prefix (~150 MB): docs, man pages, detached debug symbols (/usr/lib/debug)
# and static libraries (libpython3.X[d].a, only for static embedding).
extract_debs() {
    local prefix=$1 deb
    shift
    for deb in "$@"; do
        dpkg-deb --fsys-tarfile "$deb" \
            | tar -x -C "$prefix" --exclude=usr/share/doc --exclude=usr/share/man \
                  --exclude=usr/share/lintian --exclude=usr/lib/debug --exclude='*.a'
    done
}

# The directories holding the prefix's shared libraries (unstable is
# merged-/usr, but a package still shipping /lib would also work).
prefix_libdirs() {
    local prefix=$1 d
    for d in "$prefix/usr/lib/$MULTIARCH" "$prefix/lib/$MULTIARCH"; do
        [[ -d $d ]] && echo "$d"
    done
    return 0
}

# Point the interpreter at the prefix's loader and libraries. DT_RPATH (not
# RUNPATH, hence --force-rpath) because only RPATH of the executable also
# applies to libraries dlopen()ed later (lib-dynload modules, cffi modules)
# and to their own dependencies, and it takes precedence over
# LD_LIBRARY_PATH, so a host setting cannot mix in the host's glibc.
patch_interpreter() {
    local prefix=$1 exe=$2 loader rpath
    rpath=$(prefix_libdirs "$prefix" | paste -sd:)
    loader=${rpath%%:*}/ld-linux-x86-64.so.2
    [[ -e $loader ]] || fail "unstable's libc6 has no $loader"
    patchelf --set-interpreter "$loader" --force-rpath --set-rpath "$rpath" "$exe"
}

# The ELF objects that the interpreter may load: itself, its extension
# modules and the libraries in the prefix.
prefix_elf_objects() {
    local prefix=$1 exe=$2
    echo "$exe"
    # (glibc's gconv/ modules are skipped: they find their helper libraries
    # through their own $ORIGIN and Python does not use iconv.)
    local d
    for d in "$prefix/usr/lib" "$prefix/lib"; do
        [[ -d $d ]] || continue
        find "$d" \( -path "*/lib-dynload/*.so" -o -path "*/pypy*/*.so" \
             -o -path "*/$MULTIARCH/*.so*" \) -not -path '*/gconv/*' -type f
    done
}

# Prints "soname (needed by file, ...)" for every DT_NEEDED that no library in
# the prefix satisfies. Those would be looked up on the host (or fail).
unresolved_needs() {
    local prefix=$1 exe=$2 obj so libdirs
    local -A users=()
    mapfile -t libdirs < <(prefix_libdirs "$prefix")
    while read -r obj; do
        while read -r so; do
            local found=0 d
            for d in "${libdirs[@]}"; do [[ -e $d/$so ]] && { found=1; break; }; done
            ((found)) || users[$so]+=" ${obj##*/}"
        done < <(readelf -d "$obj" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    done < <(prefix_elf_objects "$prefix" "$exe")
    for so in "${!users[@]}"; do
        echo "$so (needed by${users[$so]})"
    done | sort
}

# ---------------------------------------------------------------- verification

# A minimal extension: multi-phase init (PEP 489), one function returning 42,
# and one reporting whether it was compiled with Py_DEBUG, which proves the
# include dirs select the right (debug or release) pyconfig.h.
write_probe_source() {
    cat >"$1" <<'EOF'
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *answer(PyObject *self, PyObject *unused) { return PyLong_FromLong(42); }
static PyObject *built_with_py_debug(PyObject *self, PyObject *unused) {
#ifdef Py_DEBUG
    Py_RETURN_TRUE;
#else
    Py_RETURN_FALSE;
#endif
}
static PyMethodDef probe_methods[] = {
    {"answer", answer, METH_NOARGS, "Return 42."},
    {"built_with_py_debug", built_with_py_debug, METH_NOARGS, "Py_DEBUG at compile time."},
    {NULL, NULL, 0, NULL},
};
static PyModuleDef_Slot probe_slots[] = {{0, NULL}};
static struct PyModuleDef probe_def = {
    PyModuleDef_HEAD_INIT, "capi_compat_probe", NULL, 0, probe_methods, probe_slots,
    NULL, NULL, NULL,
};
PyMODINIT_FUNC PyInit_capi_compat_probe(void) { return PyModuleDef_Init(&probe_def); }
EOF
}

# Runs the interpreter in isolated mode (no PYTHON* variables, no user site).
run_py() { local exe=$1; shift; "$exe" -I "$@"; }

# Checks that the interpreter runs and its stdlib extension modules import,
# and that all the shared libraries it then has mapped come from the prefix: a
# library missing from the prefix would otherwise be silently taken from the
# host (RPATH first, then the host's ld.so.cache). Prints
# "version EXT_SUFFIX debug(0/1)".
check_interpreter() {
    local label=$1 exe=$2 prefix=$3 modules out
    if label_is_pypy "$label"; then modules=$PYPY_MODULES; else modules=$CPYTHON_MODULES; fi
    out=$(run_py "$exe" - "$modules" "$prefix/" 2>&1 <<'EOF'
import importlib, sys, sysconfig
failed = []
for name in sys.argv[1].split():
    try:
        importlib.import_module(name)
    except Exception as e:
        failed.append(f"{name} ({type(e).__name__}: {e})")
if failed:
    sys.exit("stdlib modules failed to import: " + "; ".join(failed))
with open("/proc/self/maps") as maps:
    foreign = sorted({line.split()[-1] for line in maps
                      if ".so" in line.rsplit("/", 1)[-1]
                      and not line.split()[-1].startswith(sys.argv[2])})
if foreign:
    sys.exit("loads host libraries: " + " ".join(foreign))
print(sys.version.split()[0], sysconfig.get_config_var("EXT_SUFFIX"),
      int(hasattr(sys, "gettotalrefcount")))
EOF
    ) || fail "interpreter does not work: $(tail -n1 <<<"$out")"
    out=$(tail -n1 <<<"$out")
    local version ext_suffix debug
    read -r version ext_suffix debug <<<"$out"
    [[ $version == "$(label_pyver "$label")".* ]] \
        || fail "$exe is Python $version, not $(label_pyver "$label")"
    [[ $ext_suffix == .*.so ]] || fail "unexpected EXT_SUFFIX '$ext_suffix'"
    if label_is_dbg "$label"; then
        [[ $debug == 1 ]] || fail "$exe has no sys.gettotalrefcount (not a Py_DEBUG build)"
    fi
    echo "$version $ext_suffix $debug"
}

# Compiles the probe with the host's gcc and nothing but the manifest's
# include dirs, then imports it. Expects answer() == 42 and Py_DEBUG at
# compile time exactly when the interpreter is a debug build.
check_probe_extension() {
    local exe=$1 incdirs=$2 ext_suffix=$3 want_debug=$4 tmp d cflags=() got rc=0
    IFS=: read -r -a d <<<"$incdirs"
    for d in "${d[@]}"; do cflags+=("-I$d"); done
    tmp=$(mktemp -d)
    write_probe_source "$tmp/probe.c"
    if ! gcc -shared -fPIC -O1 -Wall -Werror "${cflags[@]}" "$tmp/probe.c" \
            -o "$tmp/capi_compat_probe$ext_suffix" 2>"$tmp/gcc.log"; then
        got="probe extension does not compile: $(head -n3 "$tmp/gcc.log" | paste -sd' ')"; rc=1
    elif ! got=$(run_py "$exe" -c 'import sys; sys.path.insert(0, sys.argv[1])
import capi_compat_probe as m
print(m.answer(), int(m.built_with_py_debug()))' "$tmp" 2>&1); then
        got="probe extension does not import: $(tail -n1 <<<"$got")"; rc=1
    elif [[ $got != "42 $want_debug" ]]; then
        got="probe extension returned '$got', expected '42 $want_debug'"; rc=1
    fi
    rm -rf "$tmp"
    ((rc == 0)) || fail "$got"
}

# Debian's include/python3.X[d]/pyconfig.h only picks the architecture's real one
# (`#  include <x86_64-linux-gnu/python3.X/pyconfig.h>`), found through /usr/include, a
# compiler default that a prefix is not: setuptools, meson and the like pass only the include
# dir that sysconfig reports, and fail on it. A prefix is for one architecture, so the real
# file takes the wrapper's place (an atomic rename: the prefix may be in use).
flatten_pyconfig() {
    local prefix=$1 wrapper target
    while read -r wrapper; do
        target=$(sed -n "s|^ *# *include <\($MULTIARCH/[^>]*/pyconfig\.h\)>.*|\1|p" "$wrapper" | head -n1)
        [[ -n $target ]] || continue
        [[ -f $prefix/usr/include/$target ]] || fail "$wrapper includes $target, which the prefix lacks"
        cp "$prefix/usr/include/$target" "$wrapper.tmp"
        mv "$wrapper.tmp" "$wrapper"
    done < <(find "$prefix/usr/include" -mindepth 2 -maxdepth 2 -name pyconfig.h -not -path "*/$MULTIARCH/*")
}

# ---------------------------------------------------------------- venv support

# Debian's ensurepip installs the wheels found in the WHEEL_PKG_DIR config
# variable, an absolute /usr/share/python-wheels/: on a host that is the
# host's own (older, or absent) wheels. Point it at the prefix's copy, in the
# sysconfig data module that sysconfig reads and in 3.14+'s JSON twin of it.
relocate_wheel_dir() {
    local prefix=$1 wheel_dir=$1/usr/share/python-wheels/ f patched=0
    while read -r f; do
        sed -i "s|\\([\"']WHEEL_PKG_DIR[\"']: [\"']\\)[^\"']*|\\1$wheel_dir|" "$f"
        grep -qF "WHEEL_PKG_DIR" "$f" || continue   # not every build records one
        grep -qF "$wheel_dir" "$f" || fail "could not set WHEEL_PKG_DIR in $f"
        patched=$((patched + 1))
    done < <(find "$prefix/usr/lib" -maxdepth 2 -type f \
                  \( -name '_sysconfigdata_*.py' -o -name '_sysconfig_vars_*.json' \))
    ((patched)) || fail "no sysconfig data module found under $prefix/usr/lib"
}

# The pip version of the prefix's wheel (what a fresh venv must get).
prefix_pip_version() {
    local wheel
    wheel=$(find "$1/usr/share/python-wheels" -name 'pip-*.whl' 2>/dev/null | sort | tail -n1)
    [[ -n $wheel ]] || fail "no pip wheel in $1/usr/share/python-wheels"
    wheel=${wheel##*/pip-}
    echo "${wheel%%-*}"
}

# A project that pip builds (setuptools, from the prefix's own wheel: no network) into an
# extension module, as `pip install` of a user's project does.
write_probe_project() {
    mkdir -p "$1"
    write_probe_source "$1/probe.c"
    printf '%s\n' '[build-system]' 'requires = ["setuptools"]' 'build-backend = "setuptools.build_meta"' \
        '[project]' 'name = "capi-compat-probe"' 'version = "1.0"' >"$1/pyproject.toml"
    printf '%s\n' 'from setuptools import Extension, setup' \
        'setup(ext_modules=[Extension("capi_compat_probe", ["probe.c"])])' >"$1/setup.py"
}

# Creates a venv with the interpreter; pip in it must be the prefix's wheel, installed into the
# venv, and must build and install an extension module that then imports. Prints pip's version.
check_venv() {
    local exe=$1 prefix=$2 want tmp out rc=0 pip_run
    want=$(prefix_pip_version "$prefix")
    tmp=$(mktemp -d)
    pip_run=("$tmp/venv/bin/python" -I -m pip --disable-pip-version-check)
    write_probe_project "$tmp/project"
    if ! out=$(run_py "$exe" -m venv "$tmp/venv" 2>&1); then
        out="python -m venv fails: $(grep -v '^ *$' <<<"$out" | tail -n1)"; rc=1
    elif ! out=$("${pip_run[@]}" --version 2>&1); then
        out="pip does not run in a fresh venv: $(tail -n1 <<<"$out")"; rc=1
    elif [[ $out != "pip $want from $tmp/venv/"* ]]; then
        out="pip in a fresh venv is '$out', expected pip $want installed in the venv"; rc=1
    elif ! out=$("${pip_run[@]}" install --no-index --find-links "$prefix/usr/share/python-wheels" \
                     setuptools 2>&1); then
        out="pip cannot install setuptools from the prefix's wheel: $(tail -n1 <<<"$out")"; rc=1
    elif ! out=$("${pip_run[@]}" install --no-index --no-build-isolation "$tmp/project" 2>&1); then
        out="pip cannot build an extension module: $(grep -m1 -E 'error' <<<"$out" || tail -n1 <<<"$out")"; rc=1
    elif ! out=$(cd / && "$tmp/venv/bin/python" -I -c \
                     'import capi_compat_probe as m; print(m.answer())' 2>&1) || [[ $out != 42 ]]; then
        out="the extension pip built does not work: $(tail -n1 <<<"$out")"; rc=1
    fi
    rm -rf "$tmp"
    ((rc == 0)) || fail "$out"
    echo "$want"
}

# ---------------------------------------------------------------- stamps and manifest

stamp_get() { sed -n "s/^$2=//p" "$1/$STAMP_NAME" 2>/dev/null | head -n1; }

# The stamp records what went into the prefix (the .deb names carry the
# versions) and what verification found; the manifest is built from it.
write_stamp() {
    local prefix=$1 label=$2 suite=$3 exe=$4 incdirs=$5 version=$6 ext_suffix=$7 debug=$8 pip=$9
    shift 9
    {
        echo "label=$label"
        echo "suite=$suite"
        echo "interpreter=$exe"
        echo "include_dirs=$incdirs"
        echo "version=$version"
        echo "ext_suffix=$ext_suffix"
        echo "debug=$debug"
        echo "venv_pip=$pip"
        echo "venv_builds=1"
        echo "debs=$(printf '%s\n' "$@" | xargs -n1 basename | sort -u | paste -sd' ')"
        local deb
        for deb in "$@"; do
            echo "package=$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)"
        done | sort -u
    } >"$prefix/$STAMP_NAME.tmp"
    mv "$prefix/$STAMP_NAME.tmp" "$prefix/$STAMP_NAME"
}

describe_stamp() {
    local prefix=$1 label=$2 kind
    if label_is_pypy "$label"; then
        kind="PyPy $(sed -n 's/^package=pypy3 \([^+~-]*\).*/\1/p' "$prefix/$STAMP_NAME")"
    elif [[ $(stamp_get "$prefix" debug) == 1 ]]; then kind=debug
    else kind=release
    fi
    echo "provisioned $label: $(stamp_get "$prefix" interpreter) ($(stamp_get "$prefix" version), $kind)"
}

# After --refresh, drop the .debs that no stamped prefix was built from (older
# versions), so the download cache does not grow with every Debian upload.
prune_debs() {
    local keep deb
    keep=" $(cat "$PY_ROOT"/*/"$STAMP_NAME" 2>/dev/null | sed -n 's/^debs=//p' | paste -sd' ') "
    for deb in "$DEB_DIR"/*.deb; do
        [[ -e $deb && $keep != *" ${deb##*/} "* ]] || continue
        rm -f "$deb"
    done
}

write_manifest() {
    local label prefix
    for label in "${ALL_LABELS[@]}"; do
        prefix=$PY_ROOT/$label
        [[ -f $prefix/$STAMP_NAME ]] || continue
        printf '%s\t%s\t%s\n' "$label" "$(stamp_get "$prefix" interpreter)" \
            "$(stamp_get "$prefix" include_dirs)"
    done >"$MANIFEST.tmp"
    mv "$MANIFEST.tmp" "$MANIFEST"
}

# ---------------------------------------------------------------- one label

# Resolves the label's packages plus their library closure against the
# private lists, without downloading. Sets RESOLVED_SUITE and RESOLVED_URIS
# (`apt-get download --print-uris` lines: 'URI' FILE SIZE SHA256:SUM).
# Explicit `|| return` because it is also used in a condition (stamp_is_current).
RESOLVED_SUITE='' RESOLVED_URIS=
resolve_label() {
    local label=$1 pkgs specs=() p libs
    read -r -a pkgs <<<"$(label_packages "$label" | paste -sd' ')"
    RESOLVED_SUITE=$(choose_suite "${pkgs[@]}") || return 1
    for p in "${pkgs[@]}"; do
        if [[ $RESOLVED_SUITE == experimental ]]; then specs+=("$p/experimental"); else specs+=("$p"); fi
    done
    libs=$(lib_closure "${specs[@]}") || return 1
    # libc6 (and its loader) is named explicitly: it is the one library that
    # must be unstable's, whatever the dependency walk finds.
    # shellcheck disable=SC2086  # package names: split on whitespace
    RESOLVED_URIS=$(apt_get download --print-uris "${specs[@]}" libc6 $libs $WHEEL_PACKAGES \
                    | sort -u) || return 1
}

# Provisions one label from scratch into its prefix. Runs in a subshell with
# `set -e`; the reason for a failure is the first `reason:` line on stderr.
provision_label() {
    local label=$1 prefix=$PY_ROOT/$1 debs rel exe incdirs facts unresolved line
    resolve_label "$label" || fail "could not resolve Debian packages"
    [[ $RESOLVED_SUITE == experimental ]] \
        && note "$label: not in unstable, taking it from Debian experimental"
    mapfile -t debs < <(fetch_debs <<<"$RESOLVED_URIS")
    ((${#debs[@]})) || fail "no packages downloaded"

    rm -rf "$prefix"
    mkdir -p "$prefix"
    extract_debs "$prefix" "${debs[@]}"

    rel=$(interpreter_relpath "$label")
    exe=$prefix/$rel
    # E.g. when Debian's unversioned pypy3 moves on to another Python version.
    [[ -x $exe ]] || fail "Debian's packages have no $rel (usr/bin has:" \
        "$(find "$prefix/usr/bin" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null || true))"
    patch_interpreter "$prefix" "$exe"

    unresolved=$(unresolved_needs "$prefix" "$exe")
    if [[ -n $unresolved ]]; then
        note "$label: shared libraries not in the prefix (only for optional modules; they would come from the host or fail):"
        while read -r line; do note "    $line"; done <<<"$unresolved"
    fi

    incdirs=$(include_dirs "$label" "$prefix")
    facts=$(check_interpreter "$label" "$exe" "$prefix")
    local version ext_suffix debug
    read -r version ext_suffix debug <<<"$facts"
    # PyPy has no Py_DEBUG flavour: the probe must see a release pyconfig.
    flatten_pyconfig "$prefix"
    check_probe_extension "$exe" "$incdirs" "$ext_suffix" "$debug"
    relocate_wheel_dir "$prefix"
    local pip
    pip=$(check_venv "$exe" "$prefix")
    write_stamp "$prefix" "$label" "$RESOLVED_SUITE" "$exe" "$incdirs" \
        "$version" "$ext_suffix" "$debug" "$pip" "${debs[@]}"
}

# Brings venv support into a prefix stamped before it was part of
# provisioning, in place (the interpreter may be in use by another run, so
# the prefix is not rebuilt), then re-stamps it with the added .debs.
add_venv_support() {
    local label=$1 prefix=$PY_ROOT/$1 suite exe spec uris old=() debs=() name pip
    suite=$(stamp_get "$prefix" suite)
    exe=$(stamp_get "$prefix" interpreter)
    for name in $(stamp_get "$prefix" debs); do old+=("$DEB_DIR/$name"); done
    spec=$(venv_package "$label")
    [[ $suite == experimental ]] && spec+=/experimental
    # shellcheck disable=SC2086  # package names: split on whitespace
    uris=$(apt_get download --print-uris "$spec" $WHEEL_PACKAGES | sort -u) \
        || fail "could not resolve $spec $WHEEL_PACKAGES"
    mapfile -t debs < <(fetch_debs <<<"$uris")
    extract_debs "$prefix" "${debs[@]}"
    relocate_wheel_dir "$prefix"
    flatten_pyconfig "$prefix"
    pip=$(check_venv "$exe" "$prefix")
    write_stamp "$prefix" "$label" "$suite" "$exe" "$(stamp_get "$prefix" include_dirs)" \
        "$(stamp_get "$prefix" version)" "$(stamp_get "$prefix" ext_suffix)" \
        "$(stamp_get "$prefix" debug)" "$pip" "${old[@]}" "${debs[@]}"
}

# A working prefix whose stamp predates venv support (or its check that pip builds
# an extension), and whose .debs are all still at hand to re-stamp it (else it is rebuilt).
stamp_can_add_venv() {
    local prefix=$PY_ROOT/$1 name
    [[ -f $prefix/$STAMP_NAME && -z $(stamp_get "$prefix" venv_builds) ]] || return 1
    [[ -x $(stamp_get "$prefix" interpreter) ]] || return 1
    for name in $(stamp_get "$prefix" debs); do [[ -f $DEB_DIR/$name ]] || return 1; done
}

# Whether a stamped prefix can be used as is. With --refresh it is rebuilt if
# Debian now has other .debs for it than the ones it was built from.
stamp_is_current() {
    local label=$1 prefix=$PY_ROOT/$1 now
    [[ -f $prefix/$STAMP_NAME && -x $(stamp_get "$prefix" interpreter) ]] || return 1
    [[ -n $(stamp_get "$prefix" venv_builds) ]] || return 1
    ((REFRESH)) || return 0
    ( resolve_label "$label" 2>/dev/null && printf '%s\n' "$RESOLVED_URIS" ) >"$APT_ROOT/uris.tmp" \
        || return 0   # cannot tell: keep what works
    now=$(awk '{print $2}' "$APT_ROOT/uris.tmp" | sort | paste -sd' ')
    [[ $now == "$(stamp_get "$prefix" debs)" ]]
}

# ---------------------------------------------------------------- main

# The first (innermost) reason given with fail(), else the unexpected failure
# the ERR trap saw.
missing_reason() {
    local r
    r=$(sed -n 's/^reason: //p' "$1" | head -n1)
    [[ -n $r ]] || r=$(grep '^unexpected failure' "$1" | head -n1)
    echo "${r:-unknown failure (exit status $rc)}"
}

main() {
    parse_args "$@"
    [[ $(uname -m) == x86_64 ]] || die "only x86_64 (amd64) hosts are supported"
    local labels=("${ALL_LABELS[@]}")
    ((${#ONLY[@]})) && labels=("${ONLY[@]}")

    mkdir -p "$PY_ROOT"
    # One run at a time: two runs unpacking into the same prefix would clash.
    exec 9>"$PY_ROOT/.lock"
    flock 9 2>/dev/null || true

    init_apt_opts
    local label todo=()
    if ((REFRESH)); then
        ensure_host_tools
        write_private_sources
        update_lists || die "no Debian package lists could be downloaded"
    fi
    for label in "${labels[@]}"; do
        if stamp_is_current "$label"; then
            describe_stamp "$PY_ROOT/$label" "$label"
        else
            todo+=("$label")
        fi
    done

    if ((${#todo[@]})); then
        ensure_host_tools
        write_private_sources
        if ! update_lists; then
            for label in "${todo[@]}"; do
                say "MISSING $label: Debian package lists could not be downloaded"
            done
            todo=()
        fi
    fi

    local log rc
    log=$(mktemp)
    local upgrade
    for label in "${todo[@]}"; do
        upgrade=0
        stamp_can_add_venv "$label" && upgrade=1
        if ((upgrade)); then say "adding venv support to $label ..." >&2
        else say "provisioning $label ..." >&2
        fi
        # A subshell with its own `set -e`, run outside any `if`/`||` so that
        # errexit really applies in it; stderr is kept to find the reason.
        set +e
        (
            set -eE
            trap 'echo "unexpected failure at line $LINENO: $BASH_COMMAND" >&2' ERR
            if ((upgrade)); then add_venv_support "$label"; else provision_label "$label"; fi
        ) 2>"$log"
        rc=$?
        set -e
        grep -v '^reason: \|^unexpected failure' "$log" >&2 || true
        if ((rc == 0)); then
            describe_stamp "$PY_ROOT/$label" "$label"
        elif ((upgrade)); then
            # The interpreter itself still works (its old stamp stays, and the
            # next run tries again); only its venv support is missing.
            say "MISSING venv support for $label: $(missing_reason "$log")"
        else
            rm -f "$PY_ROOT/$label/$STAMP_NAME"
            say "MISSING $label: $(missing_reason "$log")"
        fi
    done
    rm -f "$log"
    write_manifest
    if ((REFRESH)); then prune_debs; fi
}

main "$@"

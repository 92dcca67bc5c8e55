"""Counts the instructions of the particles loop, raw C API vs HPy-style, under callgrind.

Wall-clock ratios on a shared or loaded machine move by several per cent between runs;
callgrind's instruction counts do not (the same binary and input give the same count, whatever
else the machine does). scripts/test.sh runs this on every interpreter with
    capi-compat matrix --hpy --cflag=-falign-functions=64 --cflag=-falign-loops=64 \\
        tests/c/bench/_hpy_bench.c -- python tests/c/bench/instructions.py
Each side runs once (20000 objects) in a fresh process under
`valgrind --tool=callgrind --toggle-collect=FUNCTION`, which counts the instructions executed
inside that function and everything it calls; the HPy side is counted from its trampoline. The loops are counted in their first code layout
(particles.h; the others differ only in the no-ops run once per call).
HPy-style passes when it executes at most CAPI_COMPAT_BENCH_PARTICLES_INSN_MAX (default 0: no
more) instructions than raw. Its HPy_New allocates as HPy does, cheaper than raw's tp_alloc
(PyType_GenericAlloc), so it executes 0.3 % (CPython 3.10) to 3.6 % (3.15) fewer; the counts are
exact (the same build and input give the same count), so the bar has no noise to allow for,
and on 3.10 a regression of 3 instructions per object fails it. Counted on CPython release builds only: a debug build's counts are
its assertions', and PyPy's JIT makes them its own; those print `SKIP:` lines.
"""
import os
import re
import shutil
import subprocess
import sys

MAX = float(os.environ.get("CAPI_COMPAT_BENCH_PARTICLES_INSN_MAX", "0"))
CHILD = (
    "import _hpy_bench as b\n"
    "coords = [float(i % 97) / 7.0 for i in range(1000)]\n"
    "b.{fn}(coords, 20000)\n"
)


def collected(function, entry):
    """Instructions executed inside `function` while the child calls _hpy_bench.`entry`."""
    cmd = [
        shutil.which("valgrind"),
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        "--toggle-collect=" + function,
        sys.executable,
        "-c",
        CHILD.format(fn=entry),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode != 0 or found is None:
        sys.exit(f"callgrind failed ({out.returncode}):\n{out.stdout}{out.stderr}")
    return int(found.group(1))


def main():
    impl = f"{sys.implementation.name}-{sys.version.split()[0]}"
    if sys.implementation.name != "cpython" or hasattr(sys, "gettotalrefcount"):
        print(f"SKIP: instructions of particles on {impl}: counted on CPython release builds only")
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed: the instruction counts cannot be taken (apt-get install valgrind)")
    raw = collected("raw_particles_0", "raw_particles_0")
    hpy = collected("hpy_particles_0_trampoline", "hpy_particles_0")
    ratio = hpy / raw
    line = f"instructions {impl} particles: raw {raw}, hpy {hpy}, hpy/raw {ratio:.4f}"
    print(line)
    out = os.environ.get("CAPI_COMPAT_BENCH_OUT")
    if out:
        with open(out, "a") as f:
            f.write(line + "\n")
    if ratio > 1 + MAX:
        sys.exit(f"particles: HPy-style executes {100 * (ratio - 1):.2f} % more instructions than raw (bar {100 * MAX:g} %)")


main()

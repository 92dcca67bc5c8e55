"""Times the raw C API loops of _hpy_bench against their HPy-style twins under one interpreter.

scripts/test.sh runs it on every interpreter with
    capi-compat matrix --jobs 1 --hpy --cflag=-falign-functions=64 --cflag=-falign-loops=64 \
        tests/c/bench/_hpy_bench.c -- python tests/c/bench/bench.py
The alignment flags matter: the two sides compile to the same instructions, and without them
where each loop happens to land in the binary alone moves the timings by 2-3 %.

Each pair runs interleaved ROUNDS times, alternating which side goes first, with the GC off;
the ratio is the median of the rounds' HPy/raw ratios (a round times both sides back to back,
so the machine's slow spells touch both, and the median ignores the rounds they did not). A hot loop passes when HPy-style is at most CAPI_COMPAT_BENCH_MAX (default 0.02,
the project's bar) slower than raw, the loop of empty calls at most CAPI_COMPAT_BENCH_CALL_MAX
(default 0.05), the particles loop at most CAPI_COMPAT_BENCH_PARTICLES_MAX (default 0.08, below;
its instructions are held to 2 % by instructions.py); a loop over the bar is measured again, up to ATTEMPTS times,
and fails only if every attempt is over. Results are printed and, when CAPI_COMPAT_BENCH_OUT
names a file, appended there as one line per loop.
"""
import gc
import math
import os
import statistics
import sys
import time

import _hpy_bench as bench

ROUNDS = int(os.environ.get("CAPI_COMPAT_BENCH_ROUNDS", "30"))
MAX = float(os.environ.get("CAPI_COMPAT_BENCH_MAX", "0.02"))
ATTEMPTS = 3


class Obj:
    value = 3
    limit = 5


def calls(fn, n):
    """n calls of fn from a Python loop: the same loop for both sides, so the difference is
    the cost of the call itself (for HPy, the trampoline)."""
    for i in range(n):
        fn(i)
    return n


# The per-call loop has a bar of its own: an HPy function's trampoline checks that the
# context is filled (a load and a predicted branch, under half a nanosecond), which is a
# measurable share only of a call that does nothing else.
CALL_MAX = float(os.environ.get("CAPI_COMPAT_BENCH_CALL_MAX", "0.05"))

# The particles loop has a bar of its own too: HPy_New does what HPy's semantics require of it
# and tp_alloc does not (check that the argument is a type, compare the tp_alloc it calls with
# the mark HPyType_FromSpec gave the type, find the struct), and HPy_Close tests for NULL: 9
# instructions per object of 580-830 (callgrind: 1.1-1.6 % of the loop on CPython 3.10-3.15
# release builds). Its time moves with code layout by about as much as the bar: the same
# source built with one more alignment flag times 0.994-1.035 on 3.15, and the raw loop's own
# copy calling PyType_GenericAlloc through a pointer instead of tp_alloc (the same instruction
# count) 1.016-1.022 on 3.14 (README, "Benchmark"). instructions.py holds its instruction
# count to 2 %; the time keeps 8 %, which catches a gross regression.
PARTICLES_MAX = float(os.environ.get("CAPI_COMPAT_BENCH_PARTICLES_MAX", "0.08"))

COORDS = [float(i % 97) / 7.0 for i in range(1000)]


def particles_expected(coords, n, rounds=8):
    """What particles(coords, n) computes, in Python (the C loops do the same float math)."""
    xs = [coords[i % len(coords)] for i in range(n)]
    ys = [0.5 * x for x in xs]
    total = 0.0
    for _ in range(rounds):
        for i in range(n):
            total += math.sqrt(xs[i] * xs[i] + ys[i] * ys[i])
            xs[i] = 0.999 * xs[i] + 0.001 * ys[i]
            ys[i] = 0.999 * ys[i] - 0.001 * xs[i]
    return total


PARTICLES_EXPECTED = particles_expected(COORDS, 20000)

LOOPS = {
    # name: (raw, hpy, args, expected result, bad args raising TypeError or None, bar)
    "arith": (bench.raw_arith, bench.hpy_arith, (50000,), sum(i * i for i in range(50000)), ("x",), MAX),
    "attrs": (bench.raw_attrs, bench.hpy_attrs, (Obj(), 100000), 100000, (Obj(),), MAX),
    # HPy's typical shape: objects with a C struct made by HPy_New, read through AsStruct,
    # float math, item access in the loop that fills them.
    "particles": (
        bench.raw_particles,
        bench.hpy_particles,
        (COORDS, 20000),
        PARTICLES_EXPECTED,
        (COORDS,),
        PARTICLES_MAX,
    ),
    "calls": (
        lambda n: calls(bench.raw_ident, n),
        lambda n: calls(bench.hpy_ident, n),
        (300000,),
        300000,
        None,
        CALL_MAX,
    ),
}


def timed(fn, args):
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def measure(raw, hpy, args):
    """The best time of each side, and the median of the per-round ratios: each round times
    both sides back to back, so a slow spell of the machine touches both, and the median
    ignores the rounds it did not."""
    raw_times, hpy_times = [], []
    gc.disable()
    try:
        for round in range(ROUNDS):
            # The second run of a pair finds the allocator and caches as the first left them.
            if round % 2:
                hpy_times.append(timed(hpy, args))
                raw_times.append(timed(raw, args))
            else:
                raw_times.append(timed(raw, args))
                hpy_times.append(timed(hpy, args))
    finally:
        gc.enable()
    ratio = statistics.median(h / r for h, r in zip(hpy_times, raw_times))
    return min(raw_times), min(hpy_times), ratio


def main():
    impl = f"{sys.implementation.name}-{sys.version.split()[0]}"
    if hasattr(sys, "gettotalrefcount"):
        impl += "-dbg"
    lines, failed = [], []
    for name, (raw, hpy, args, expected, bad, bar) in LOOPS.items():
        assert raw(*args) == expected, (name, "raw", raw(*args))
        assert hpy(*args) == expected, (name, "hpy", hpy(*args))
        for fn in (raw, hpy) if bad is not None else ():
            try:
                fn(*bad)
            except TypeError:
                pass
            else:
                raise AssertionError(f"{fn.__name__}{bad} did not raise TypeError")
        for _ in range(3):  # warm-up (PyPy's JIT, caches)
            raw(*args), hpy(*args)
        for attempt in range(1, ATTEMPTS + 1):
            raw_best, hpy_best, ratio = measure(raw, hpy, args)
            if ratio <= 1 + bar:
                break
        line = (
            f"bench {impl} {name}: raw {raw_best * 1e3:.3f} ms, hpy {hpy_best * 1e3:.3f} ms (best), "
            f"hpy/raw {ratio:.3f} (median, attempt {attempt})"
        )
        print(line)
        lines.append(line)
        if ratio > 1 + bar:
            failed.append(f"{name}: HPy-style is {100 * (ratio - 1):.1f} % slower than raw (bar {100 * bar:.0f} %)")
    out = os.environ.get("CAPI_COMPAT_BENCH_OUT")
    if out:
        with open(out, "a") as f:
            f.write("".join(line + "\n" for line in lines))
    if failed:
        sys.exit("\n".join(failed))


main()

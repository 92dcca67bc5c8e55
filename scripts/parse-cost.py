#!/usr/bin/env python3
"""What our header costs every translation unit that includes it: `gcc -fsyntax-only` of a file
that includes Python.h alone, against the same with a header after it:

  full      capi-compat gen --min 3.10 (every backport)
  used-by   capi-compat gen --used-by tests/c/example (what the example extension uses)
  pcc       pythoncapi-compat's pythoncapi_compat.h, only with --pythoncapi-compat FILE: it is
            not published on PyPI or Debian (the registries this project may use), so the
            column is left out otherwise, and the output says so

on one interpreter per minor version (the newest release build of each found by `capi-compat
pythons`, and PyPy). Each round compiles every variant once, in an order that rotates from round
to round (interleaved, so a change of machine load hits all alike); the time is the compiler's
CPU time (user + system, of gcc and cc1), which a loaded machine disturbs far less than wall
time. Printed: the median over the rounds per variant, and its ratio to Python.h alone.

  scripts/parse-cost.py [--rounds 15] [--capi-compat target/debug/capi-compat]
                        [--pythoncapi-compat FILE] [--check-used-by 1.05] [--instructions]

--instructions counts the instructions gcc and cc1 execute instead (valgrind's callgrind, one
round: the count does not depend on the machine's load, so ratios are exact and repeatable).

--check-used-by RATIO exits 1 when the used-by header's ratio is above RATIO anywhere.
"""

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def interpreters(binary):
    """(label, include dirs) of the newest release build per minor version, and PyPy's."""
    out = subprocess.run([binary, "pythons"], check=True, capture_output=True, text=True).stdout
    found = []
    lines = out.splitlines()
    for line, following in zip(lines, lines[1:] + [""]):
        fields = line.split()
        if not fields or line.startswith(" ") or "not supported" in line:
            continue
        label, implementation, debug, threading = fields[0], fields[2], fields[3], fields[4]
        if debug != "-" or threading != "-":
            continue
        includes = following.strip()
        if not includes.startswith("include:"):
            continue
        version = re.match(r"[a-z]+-(\d+)\.(\d+)\.(\d+)", label)
        if not version:
            continue
        key = (implementation, int(version.group(1)), int(version.group(2)))
        micro = int(version.group(3))
        found.append((key, micro, label, includes.split()[1:]))
    newest = {}
    for key, micro, label, dirs in found:
        if key not in newest or micro > newest[key][0]:
            newest[key] = (micro, label, dirs)
    return [(label, dirs) for _, (_, label, dirs) in sorted(newest.items())]


def cpu_seconds_of(command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"parse-cost: {' '.join(command)} failed:\n{result.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def instructions_of(command):
    result = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes",
                             "--callgrind-out-file=/dev/null", *command], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"parse-cost: valgrind {' '.join(command)} failed:\n{result.stderr}")
    counts = [int(n) for n in re.findall(r"Collected : (\d+)", result.stderr)]
    if not counts:
        sys.exit(f"parse-cost: valgrind reported no instruction count:\n{result.stderr}")
    return sum(counts)


def gen(binary, args, output):
    result = subprocess.run([binary, "gen", *args, "-o", str(output)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"parse-cost: capi-compat gen {' '.join(args)} failed:\n{result.stderr}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--capi-compat", default=str(ROOT / "target/debug/capi-compat"))
    parser.add_argument("--pythoncapi-compat", metavar="FILE", help="a copy of pythoncapi_compat.h")
    parser.add_argument("--check-used-by", type=float, metavar="RATIO")
    parser.add_argument("--instructions", action="store_true")
    args = parser.parse_args()
    measure = instructions_of if args.instructions else cpu_seconds_of
    if args.instructions:
        args.rounds = 1

    work = Path(tempfile.mkdtemp(prefix="capi-compat-parse-cost-"))
    headers = {"full": work / "full.h", "used-by": work / "used_by.h"}
    gen(args.capi_compat, ["--min", "3.10"], headers["full"])
    gen(args.capi_compat, ["--used-by", str(ROOT / "tests/c/example")], headers["used-by"])
    if args.pythoncapi_compat:
        headers["pcc"] = work / "pythoncapi_compat.h"
        headers["pcc"].write_bytes(Path(args.pythoncapi_compat).read_bytes())
    units = {"Python.h": work / "alone.c"}
    units["Python.h"].write_text("#include <Python.h>\n")
    for name, header in headers.items():
        units[name] = work / f"with_{header.stem}.c"
        units[name].write_text(f'#include <Python.h>\n#include "{header.name}"\n')
    variants = list(units)

    load = os.getloadavg()[0]
    if args.instructions:
        print("gcc -fsyntax-only, instructions executed (valgrind), ratio to Python.h alone")
    else:
        print(f"gcc -fsyntax-only, CPU time, median of {args.rounds} interleaved rounds; "
              f"load average {load:.1f} at the start")
    if not args.pythoncapi_compat:
        print("pythoncapi-compat: not measured (not on PyPI or Debian; --pythoncapi-compat FILE adds it)")
    columns = ["Python.h"] + [f"+ {v}" for v in variants[1:]]
    print(f"{'interpreter':<18} " + " ".join(f"{c:>16}" for c in columns))
    worst = 0.0
    for label, dirs in interpreters(args.capi_compat):
        includes = [arg for d in dirs for arg in ("-I", d)]
        command = lambda unit: ["gcc", "-fsyntax-only", "-I", str(work), *includes, str(unit)]
        if not args.instructions:
            for unit in units.values():  # warm the file cache; not timed
                cpu_seconds_of(command(unit))
        times = {v: [] for v in variants}
        for r in range(args.rounds):
            for i in range(len(variants)):
                variant = variants[(r + i) % len(variants)]
                times[variant].append(measure(command(units[variant])))
        medians = {v: statistics.median(t) for v, t in times.items()}
        base = medians["Python.h"]
        cells = [f"{base / 1e6:>13.1f} M" if args.instructions else f"{1000 * base:>13.1f} ms"]
        cells += [f"{medians[v] / base:>15.3f}x" for v in variants[1:]]
        print(f"{label:<18} " + " ".join(cells), flush=True)
        worst = max(worst, medians["used-by"] / base)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    subprocess.run(["rm", "-rf", str(work)])
    if args.check_used_by is not None and worst > args.check_used_by:
        sys.exit(f"parse-cost: the used-by header costs {worst:.3f}x Python.h alone somewhere, over {args.check_used_by}")


if __name__ == "__main__":
    main()

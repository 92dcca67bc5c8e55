"""Runs the example's tests against a debug-mode build (-DCAPI_COMPAT_HPY_DEBUG) and fails if
they fail or if the HPy debug layer reports anything (a leak, a misuse) on stderr: correct
code must be silent. Used by scripts/test.sh through `capi-compat matrix`."""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
run = subprocess.run(
    [sys.executable, "-m", "unittest", "discover", "-s", here],
    capture_output=True,
    text=True,
)
sys.stdout.write(run.stdout)
sys.stderr.write(run.stderr)
if run.returncode != 0:
    sys.exit(f"the tests failed (exit status {run.returncode})")
if "capi-compat HPy debug" in run.stderr:
    sys.exit("the HPy debug layer reported misuse in correct code")

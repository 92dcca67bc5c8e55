"""The wheel's build backend: maturin, after the binary being built has written the headers,
pkg-config files and CMake package into the Python package (``capi-compat install-tree``).

Generated rather than copied from the repository, so that what ``capi_compat.get_include()``
and ``capi-compat --pkgconfigdir`` point at is always what the binary in the same wheel
writes; maturin builds that same release binary next, from cargo's cache.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import maturin
from maturin import *  # noqa: F401,F403 - every other PEP 517 hook is maturin's own

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "python" / "capi_compat"


def _write_tree() -> None:
    cargo = os.environ.get("CARGO", "cargo")
    for generated in ("include", "share"):
        shutil.rmtree(PACKAGE / generated, ignore_errors=True)
    command = [
        cargo, "run", "--release", "--locked", "--quiet",
        "--manifest-path", str(ROOT / "generator" / "Cargo.toml"),
        "--bin", "capi-compat", "--", "install-tree", str(PACKAGE),
    ]
    print("capi-compat build: " + " ".join(command), file=sys.stderr)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _write_tree()
    return maturin.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _write_tree()
    return maturin.build_editable(wheel_directory, config_settings, metadata_directory)

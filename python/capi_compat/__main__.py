"""``python -m capi_compat ARGS`` runs ``capi-compat ARGS``."""

import os
import subprocess
import sys

from ._binary import find


def main() -> int:
    binary = find()
    if sys.platform == "win32":
        return subprocess.call([binary, *sys.argv[1:]])
    os.execv(binary, [binary, *sys.argv[1:]])
    return 1  # not reached: execv replaces this process


if __name__ == "__main__":
    sys.exit(main())

"""Finding the ``capi-compat`` executable that the wheel installed next to this package.

pip puts a wheel's binaries in the scripts directory of the scheme it installed into: the
environment's (``sys.prefix``), the user's (``--user``), or another prefix (``--prefix``,
``--target``), which we find relative to this file. ``PATH`` is the last resort.
"""

import os
import shutil
import sys
import sysconfig
from pathlib import Path

NAME = "capi-compat" + (".exe" if sys.platform == "win32" else "")


def _candidates():
    yield Path(sysconfig.get_path("scripts"))
    if hasattr(sysconfig, "get_preferred_scheme"):  # 3.10+
        yield Path(sysconfig.get_path("scripts", scheme=sysconfig.get_preferred_scheme("user")))
    # This package's site directory: PREFIX/lib/pythonX.Y/site-packages (POSIX),
    # PREFIX\Lib\site-packages (Windows), or DIR itself for `pip install --target DIR`.
    site = Path(__file__).resolve().parent.parent
    prefixes = [site.parents[depth] for depth in (2, 1) if depth < len(site.parents)]
    for prefix in [*prefixes, site]:
        yield prefix / "bin"
        yield prefix / "Scripts"


def find() -> str:
    for directory in _candidates():
        path = directory / NAME
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    on_path = shutil.which(NAME)
    if on_path:
        return on_path
    raise FileNotFoundError(
        f"{NAME} was not found next to the capi_compat package nor on PATH: reinstall it (pip install capi-compat)"
    )

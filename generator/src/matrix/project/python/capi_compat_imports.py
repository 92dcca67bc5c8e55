"""Installed into each venv by `capi-compat matrix PROJECT_DIR`, loaded by a .pth file when
CAPI_COMPAT_IMPORT_LOG names a file: records every extension module this process (and every
Python subprocess, which inherits the variable) loaded, so the matrix can prove that the
project's C code ran and did not silently fall back to pure Python.

A module is recorded the moment it finishes loading (so a later crash or os._exit() cannot
lose it) and again from sys.modules at exit (for loaders other than the standard one).
Lines are "<pid>\t<real path of the .so>", appended with one write each.
"""

import atexit
import os
import sys

_LOG = os.environ.get("CAPI_COMPAT_IMPORT_LOG")
_recorded = set()  # real paths this process has written already
_installed = []


def _record(paths):
    if _recorded and next(iter(_recorded))[0] != os.getpid():
        _recorded.clear()  # a forked child reports for itself
    new = []
    for path in paths:
        key = (os.getpid(), os.path.realpath(path))
        if key not in _recorded:
            _recorded.add(key)
            new.append(key[1])
    if not _LOG or not new:
        return
    text = "".join("%d\t%s\n" % (os.getpid(), p) for p in new)
    try:
        fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, text.encode("utf-8", "surrogateescape"))
        finally:
            os.close(fd)
    except OSError:
        pass  # the matrix reports the module as never imported: never hide it as a pass


def _extension_suffixes():
    import importlib.machinery

    return tuple(importlib.machinery.EXTENSION_SUFFIXES)


def _loaded_extensions():
    suffixes = _extension_suffixes()
    found = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(suffixes):
            found.append(path)
    return found


def install():
    """Called by the .pth file; a venv whose site dir is listed twice (lib64) calls it twice."""
    if _installed:
        return
    _installed.append(True)
    import importlib.machinery

    loader = importlib.machinery.ExtensionFileLoader
    original = loader.exec_module

    def exec_module(self, module):
        original(self, module)
        _record([self.path])

    loader.exec_module = exec_module
    atexit.register(lambda: _record(_loaded_extensions()))

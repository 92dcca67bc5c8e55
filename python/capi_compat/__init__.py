"""capi-compat's headers and build files, as installed with the ``capi-compat`` command.

A setuptools extension::

    import capi_compat
    Extension("_mymod", ["_mymod.c"], include_dirs=[capi_compat.get_include()])

``get_include()`` holds ``capi_compat.h`` (generated with ``--min 3.10``: it serves every
CPython from 3.10 on); ``get_hpy_include()`` holds the ``--hpy`` pair ``capi_compat.h`` and
``hpy.h``. ``get_pkgconfig_dir()`` and ``get_cmake_dir()`` hold ``capi-compat.pc`` /
``capi-compat-hpy.pc`` and the CMake package (``find_package(capi_compat CONFIG)``), as
``capi-compat --pkgconfigdir`` / ``--cmakedir`` print them.
"""

from pathlib import Path as _Path

__all__ = ["get_include", "get_hpy_include", "get_pkgconfig_dir", "get_cmake_dir", "find_binary"]

_HERE = _Path(__file__).resolve().parent


def get_include() -> str:
    """The directory holding ``capi_compat.h`` (``--min 3.10``)."""
    return str(_HERE / "include")


def get_hpy_include() -> str:
    """The directory holding ``capi_compat.h`` with the HPy layer and ``hpy.h`` (``--hpy``)."""
    return str(_HERE / "include" / "capi_compat_hpy")


def get_pkgconfig_dir() -> str:
    """The directory holding ``capi-compat.pc`` and ``capi-compat-hpy.pc``."""
    return str(_HERE / "share" / "pkgconfig")


def get_cmake_dir() -> str:
    """The directory holding ``capi_compatConfig.cmake``."""
    return str(_HERE / "share" / "cmake" / "capi_compat")


def find_binary() -> str:
    """The ``capi-compat`` executable installed with this package."""
    from ._binary import find

    return find()

import capi_compat
from setuptools import Extension, setup

setup(
    ext_modules=[
        # tests/c/example: the C API backports
        Extension("_example", ["_example.c"], include_dirs=[capi_compat.get_include()]),
        # tests/c/hpy-example: the HPy layer, as HPy's build flags it
        Extension(
            "_hpy_example",
            ["_hpy_example.c"],
            include_dirs=[capi_compat.get_hpy_include()],
            define_macros=[("HPY", None), ("HPY_ABI_CPYTHON", None)],
        ),
    ],
)

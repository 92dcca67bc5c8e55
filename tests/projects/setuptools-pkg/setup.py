# The extensions: setuptools' pyproject support has no table for them yet.
from setuptools import Extension, setup

common = {"include_dirs": ["src/ccdemo"], "extra_compile_args": ["-Wall"]}
setup(
    ext_modules=[
        Extension("ccdemo._speedups", ["src/ccdemo/_speedups.c"], **common),
        Extension("ccdemo.sub._native", ["src/ccdemo/sub/_native.c"], **common),
    ]
)

"""The compiled part of the package (everything else is in pyproject.toml)."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(ext_modules=cythonize([Extension("indexer.kernels", ["indexer/kernels.pyx"],
                                       extra_compile_args=["-O3", "-ffp-contract=off"])]))

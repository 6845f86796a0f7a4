"""Build of the compiled parts: the Cython event heap (``heron/_fast/_heap.pyx``) and the
scheduler's event loop over it (``heron/_fast/_dispatch.pyx``).

Everything else is declared in ``pyproject.toml``; this file exists only because extension
modules need code to describe them.
"""
import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

extensions = [
    Extension(
        "heron._fast._heap",
        ["heron/_fast/_heap.pyx"],
        include_dirs=[numpy.get_include()],
        extra_compile_args=["-O3"],
    ),
    Extension(
        "heron._fast._dispatch",
        ["heron/_fast/_dispatch.pyx"],
        extra_compile_args=["-O3"],
    ),
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives={
            "language_level": "3",
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    )
)

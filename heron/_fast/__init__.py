"""Compiled and compiled-for-speed parts of heron: the event heap, Numba kernels, dtypes and
random streams. Nothing here validates input: the Python layer does that once, at the boundary.
"""

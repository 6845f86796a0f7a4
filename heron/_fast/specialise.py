"""Bind kernel templates to one env's compiled functions, keeping Numba's on-disk cache.

Kernel templates (``rollout_nb``, ``sync_nb``) call the env protocol through global names
(``env_init``, ``env_observe``, ...). ``specialise(module, key, functions)`` copies each template
function with a globals dict in which those names are the env's dispatchers and compiles the copies
with ``njit(cache=CACHE)``. Each copy gets the qualified name ``<template>__<key>``, so every env has
its own cache entries (``key`` must identify the env's function set), and the env functions are
inlined by LLVM like any other global ``@njit`` callee. Results are memoised per (module, key).
"""
from __future__ import annotations

import re
import types as pytypes

from numba import njit

from heron._fast.heap_nb import CACHE

ENV_NAMES = ("init", "observe", "effect", "advance", "reward", "trigger", "disturb", "outside")

_MEMO: dict = {}


def specialise(module, key: str, functions: dict):
    """Return ``module.ENTRY`` compiled against ``functions`` (dict ``name -> njit dispatcher``
    for every name in ``ENV_NAMES``); cached per ``(module, key)``."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        raise ValueError(f"kernel key must be an identifier; got {key!r}")
    memo_key = (module.__name__, key)
    if memo_key in _MEMO:
        return _MEMO[memo_key]
    glb = dict(module.__dict__)
    for name in ENV_NAMES:
        glb["env_" + name] = functions[name]
    parallel_names = set(getattr(module, "PARALLEL", (module.ENTRY,)))
    inline_names = set(getattr(module, "INLINE", ()))
    for name in tuple(module.TEMPLATES) + (module.ENTRY,):
        f = getattr(module, name)
        clone = pytypes.FunctionType(f.__code__, glb, f"{name}__{key}", f.__defaults__,
                                     f.__closure__)
        clone.__qualname__ = f"{f.__qualname__}__{key}"
        clone.__module__ = f.__module__
        clone.__doc__ = f.__doc__
        glb[name] = njit(cache=CACHE, parallel=name in parallel_names,
                         inline="always" if name in inline_names else "never")(clone)
    entry = glb[module.ENTRY]
    _MEMO[memo_key] = entry
    return entry

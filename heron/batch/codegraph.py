"""The code a user's compiled function depends on: fingerprints, fresh copies, Python twins.

A kernel that runs a user's env or policy inlines the user's ``@njit`` functions, everything they
call and every global constant they read. Numba's on-disk cache keys a function on its own
bytecode and its own file, not on what it calls, so an edited helper or constant in another
module would otherwise leave a stale kernel in the cache. Three tools, one walk of the code:

* ``fingerprint(functions)``: a SHA-256 hex digest of the bytecode, constants, defaults, closure
  values and read globals of every user function reachable from ``functions`` (through globals,
  module attributes and closures). It names the specialised kernels, so any edit gives a new
  kernel (in a new process and in the same one) while an unchanged env reuses the cached one.
  Comments and blank lines do not change bytecode, so they do not force a recompile.
* ``fresh_copy(dispatcher)``: a new ``njit`` dispatcher of the same Python code whose user callees
  are fresh copies too, without on-disk cache: the kernel never links a stale compiled callee.
* ``python_twin(dispatcher)``: the plain Python function with its user callees replaced by their
  Python twins, so a mistake raises a Python traceback that points at the user's file and line.

"User code" is any function not defined in numba, numpy, the standard library or heron's engine
(``heron._fast``, ``heron.batch``); heron's shipped envs (``heron.demo_envs``) count as user code.
"""
from __future__ import annotations

import hashlib
import inspect
import sys
import types as pytypes

import numpy as np

_ENGINE_PREFIXES = ("heron._fast", "heron.batch", "numba", "numpy", "llvmlite", "math", "cmath",
                    "builtins", "operator", "functools", "collections", "typing")


def _is_dispatcher(obj) -> bool:
    from numba.core.dispatcher import Dispatcher

    return isinstance(obj, Dispatcher)


def _module_of(fn) -> str:
    return getattr(fn, "__module__", None) or ""


def is_user(obj) -> bool:
    """True for a function or dispatcher whose code belongs to the user (see module docstring)."""
    fn = obj.py_func if _is_dispatcher(obj) else obj
    if not isinstance(fn, pytypes.FunctionType):
        return False
    mod = _module_of(fn)
    if mod.startswith(_ENGINE_PREFIXES):
        return False
    top = mod.split(".")[0]
    return top not in sys.stdlib_module_names


def _is_user_module(mod) -> bool:
    name = getattr(mod, "__name__", "")
    if name.startswith(_ENGINE_PREFIXES) or name.split(".")[0] in sys.stdlib_module_names:
        return False
    return not name.startswith(("scipy", "pandas", "pyarrow"))


def _value_bytes(v) -> bytes | None:
    """Stable bytes of a constant a compiled function may read; None for other objects."""
    if isinstance(v, (bool, int, float, complex, str, bytes, type(None))):
        return repr((type(v).__name__, v)).encode()
    if isinstance(v, np.generic):
        return repr((v.dtype.str, v.item())).encode()
    if isinstance(v, np.ndarray):
        return v.dtype.str.encode() + repr(v.shape).encode() + np.ascontiguousarray(v).tobytes()
    if isinstance(v, np.dtype):
        return repr(v.descr).encode()
    if isinstance(v, (tuple, list)):
        parts = [_value_bytes(x) for x in v]
        if any(p is None for p in parts):
            return None
        return b"(" + b",".join(parts) + b")"
    return None


def _code_bytes(code) -> bytes:
    parts = [code.co_code, repr(code.co_names).encode(), repr(code.co_varnames).encode()]
    for c in code.co_consts:
        parts.append(_code_bytes(c) if isinstance(c, pytypes.CodeType) else repr(c).encode())
    return b"|".join(parts)


def _names(code) -> set:
    out = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, pytypes.CodeType):
            out |= _names(c)
    return out


def _referenced(fn):
    """``(name, value)`` pairs of the globals, module attributes and closure cells ``fn`` reads."""
    names = _names(fn.__code__)
    g = fn.__globals__
    out = []
    for n in sorted(names):
        if n in g:
            v = g[n]
            out.append((n, v))
            if isinstance(v, pytypes.ModuleType) and _is_user_module(v):
                for a in sorted(names):
                    if hasattr(v, a):
                        out.append((f"{n}.{a}", getattr(v, a)))
    if fn.__closure__:
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__):
            try:
                out.append((name, cell.cell_contents))
            except ValueError:  # an empty cell
                pass
    return out


def fingerprint(functions) -> str:
    """SHA-256 hex digest of everything the user functions in ``functions`` (an iterable of
    dispatchers or plain functions; non-user entries are skipped) depend on."""
    h = hashlib.sha256()
    seen: set = set()

    def visit(obj):
        fn = obj.py_func if _is_dispatcher(obj) else obj
        if id(fn) in seen:
            return
        seen.add(id(fn))
        h.update(f"{_module_of(fn)}.{fn.__qualname__}".encode())
        h.update(_code_bytes(fn.__code__))
        h.update(repr(fn.__defaults__).encode())
        if _is_dispatcher(obj):
            opts = {k: v for k, v in obj.targetoptions.items() if k != "cache"}
            h.update(repr(sorted(opts.items())).encode())
        for name, v in _referenced(fn):
            if (_is_dispatcher(v) or isinstance(v, pytypes.FunctionType)) and is_user(v):
                h.update(f"call:{name}".encode())
                visit(v)
            else:
                b = _value_bytes(v)
                if b is not None:
                    h.update(f"const:{name}=".encode() + b)

    for f in functions:
        if f is not None and is_user(f):
            visit(f)
    return h.hexdigest()


def user_functions(functions) -> list:
    """Every user function reachable from ``functions`` (the walk of ``fingerprint``)."""
    out, seen = [], set()

    def visit(obj):
        fn = obj.py_func if _is_dispatcher(obj) else obj
        if id(fn) in seen:
            return
        seen.add(id(fn))
        out.append(fn)
        for _, v in _referenced(fn):
            if (_is_dispatcher(v) or isinstance(v, pytypes.FunctionType)) and is_user(v):
                visit(v)

    for f in functions:
        if f is not None and is_user(f):
            visit(f)
    return out


def importable(functions) -> bool:
    """True when every user function reachable from ``functions`` can be found again by module
    and name in another process. Numba's on-disk cache refers to functions that way, so a kernel
    calling one that cannot (in a module run by ``runpy`` under a name that is not importable,
    in ``exec``'d code, or nested in another function) must not be cached on disk: another
    process could not load it. A script's own ``__main__`` functions count as importable."""
    import importlib

    for fn in user_functions(functions):
        mod = fn.__module__
        if not mod or "<locals>" in fn.__qualname__:
            return False
        try:
            module = importlib.import_module(mod) if mod not in sys.modules else sys.modules[mod]
        except Exception:  # noqa: BLE001 - any import failure means "not importable"
            return False
        found = getattr(module, fn.__name__, None)
        found = getattr(found, "py_func", found)
        if found is None or getattr(found, "__code__", None) is not fn.__code__:
            return False
    return True


def _rebuild(fn, replace: dict, name_suffix: str):
    """A new function object with ``fn``'s code, its globals copied with ``replace`` applied."""
    g = dict(fn.__globals__)
    g.update(replace)
    new = pytypes.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)
    new.__qualname__ = fn.__qualname__ + name_suffix
    new.__module__ = fn.__module__
    new.__doc__ = fn.__doc__
    new.__kwdefaults__ = fn.__kwdefaults__
    return new


def _user_callees(fn) -> dict:
    return {n: v for n, v in _referenced(fn)
            if "." not in n and (_is_dispatcher(v) or isinstance(v, pytypes.FunctionType))
            and is_user(v)}


def fresh_copy(obj, _memo=None):
    """A fresh ``njit`` dispatcher of a user dispatcher ``obj`` (same options, no disk cache)
    whose user callees are fresh copies too. Non-user objects are returned as they are."""
    from numba import njit

    if not (_is_dispatcher(obj) and is_user(obj)):
        return obj
    memo = {} if _memo is None else _memo
    if id(obj) in memo:
        return memo[id(obj)]
    fn = obj.py_func
    memo[id(obj)] = obj  # cycles (recursion) fall back to the original
    replace = {n: fresh_copy(v, memo) for n, v in _user_callees(fn).items()
               if _is_dispatcher(v)}
    opts = dict(obj.targetoptions)
    for k in ("cache", "nopython"):  # njit implies nopython (and warns when it is passed)
        opts.pop(k, None)
    # a kernel's per-event code runs without reference counting, which its callees inherit
    # unless they say otherwise: a user's function may allocate (heron._fast.specialise)
    opts.setdefault("_nrt", True)
    new = njit(**opts)(_rebuild(fn, replace, ""))
    memo[id(obj)] = new
    return new


def python_twin(obj, _memo=None):
    """The plain Python function behind a user dispatcher, with its user ``@njit`` callees
    replaced by their Python twins (engine functions such as ``heron.batch.random.uniform`` stay
    compiled). Plain functions get the same treatment; other objects are returned unchanged."""
    if _is_dispatcher(obj):
        if not is_user(obj):
            return obj
        fn = obj.py_func
    elif isinstance(obj, pytypes.FunctionType):
        fn = obj
    else:
        return obj
    memo = {} if _memo is None else _memo
    if id(fn) in memo:
        return memo[id(fn)]
    memo[id(fn)] = fn
    replace = {n: (python_twin(v, memo) if is_user(v) else _wide_ints(v))
               for n, v in _referenced(fn) if "." not in n and _is_dispatcher(v)}
    twin = _rebuild(fn, replace, "") if replace else fn
    memo[id(fn)] = twin
    return twin


def _wide_ints(dispatcher):
    """An engine dispatcher callable from Python with uint64 stream keys: ``stream_key`` returns
    them as Python ints, and Numba refuses ints >= 2**63 once an int64 signature exists."""
    def call(*args):
        return dispatcher(*[np.uint64(a) if type(a) is int and a >= 2 ** 63 else a
                            for a in args])
    call.__name__ = getattr(dispatcher, "__name__", "engine_function")
    return call


def where(obj) -> str:
    """``file:line`` of a function or dispatcher, for messages."""
    fn = obj.py_func if _is_dispatcher(obj) else obj
    try:
        return f"{inspect.getsourcefile(fn)}:{fn.__code__.co_firstlineno}"
    except TypeError:
        return "<unknown>"

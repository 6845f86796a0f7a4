"""Bind kernel templates to one env's (and its user policies') compiled functions.

Kernel templates (``rollout_nb``, ``sync_nb``) call the env through global names (``env_init``,
``env_observe``, ..., ``env_metrics``) and policies through ``policy_act``.
``specialise(module, key, functions, metrics, user_policies)`` copies each template function with
a globals dict in which those names are bound, and compiles the copies with ``njit(cache=CACHE)``.

* The env's functions are bound as fresh copies (``heron.batch.codegraph.fresh_copy``): the
  kernel never links a callee compiled from an older version of the user's code.
* ``env_metrics(st, e, p, agent, out)`` is generated: ``out[m] = metric_m(st, e, p, agent)``.
* ``env_accrue(st, e, p, acur, dt)`` adds each agent's reward integral over the next ``dt`` s
  (``heron._fast.integrate_nb``: the env's closed form, or adaptive Simpson).
* ``policy_act(kind, slot, params, off, n_par, obs, n_obs, out, n_act, mem, t)`` is generated:
  user policy ``slot`` (kind ``POLICY_USER``) is called as ``fn(obs, act, params, memory, t)``
  (or with its first 2, 3 or 4 of those arguments); other kinds go to ``policy_nb.act_nb``.

Each copy gets the qualified name ``<template>__<key>``; ``key`` must identify the function set
(``BatchEnv.code_key`` fingerprints the code; ``engine_fingerprint`` adds heron's own kernel
sources), so every version of an env, and of heron's kernels, has its own Numba cache entries,
and an unchanged env loads its kernel from the cache. Kernels that call a user function another
process could not import by module and name (``codegraph.importable``: a module run
by ``runpy`` under a name that is not importable, ``exec``'d code, functions nested in others) are compiled without the on-disk cache, since
Numba's cache refers to functions that way. Results are memoised per ``(module, key)`` in the
process.
"""
from __future__ import annotations

import re
import threading
import types as pytypes

from numba import njit
from numba.core.errors import NumbaError

from heron._fast.heap_nb import CACHE
from heron._fast.policy_nb import POLICY_USER, act_nb

_MEMO: dict = {}
_POLICY_ARGS = ("obs[:n_obs]", "out[:n_act]", "params[off:off + n_par]", "mem", "t")


def _compile_source(name: str, src: str, glb: dict):
    code = compile(src, f"<heron generated {name}>", "exec")
    ns: dict = {}
    exec(code, glb, ns)  # noqa: S102 - source generated here from fixed templates
    fn = ns[name]
    return njit(inline="always")(pytypes.FunctionType(fn.__code__, glb, name))


def metrics_function(metrics: list):
    """``env_metrics(st, e, p, agent, out)`` writing each metric function's value to ``out``."""
    glb = {f"metric_{m}": f for m, f in enumerate(metrics)}
    body = [f"    out[{m}] = metric_{m}(st, e, p, agent)" for m in range(len(metrics))]
    src = "def env_metrics(st, e, p, agent, out):\n" + ("\n".join(body) or "    return None")
    return _compile_source("env_metrics", src, glb)


def policy_function(user_policies: list):
    """``policy_act(...)`` dispatching kind ``POLICY_USER`` by slot to ``user_policies`` (a list
    of ``(dispatcher, n_args)``) and every other kind to ``act_nb``."""
    glb = {"act_nb": act_nb, "POLICY_USER": POLICY_USER}
    lines = ["def policy_act(kind, slot, params, off, n_par, obs, n_obs, out, n_act, mem, t):",
             "    if kind != POLICY_USER:",
             "        act_nb(kind, params, off, obs, n_obs, out, n_act, mem)",
             "        return None"]
    for s, (fn, n_args) in enumerate(user_policies):
        glb[f"user_{s}"] = fn
        kw = "if" if s == 0 else "elif"
        lines.append(f"    {kw} slot == {s}:")
        lines.append(f"        user_{s}({', '.join(_POLICY_ARGS[:n_args])})")
    lines.append("    return None")
    return _compile_source("policy_act", "\n".join(lines), glb)


_ENGINE_FINGERPRINT: list = []


def engine_fingerprint() -> str:
    """12 hex digits of SHA-256 over the sources of ``heron._fast``'s kernel modules. Numba's
    cache checks only the template's own file, so an edit to a module it inlines
    (``integrate_nb``, ``policy_nb``, ...) must change the kernels' names too."""
    if not _ENGINE_FINGERPRINT:
        import hashlib
        import pathlib

        h = hashlib.sha256()
        for path in sorted(pathlib.Path(__file__).parent.glob("*.py")):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
        _ENGINE_FINGERPRINT.append(h.hexdigest()[:12])
    return _ENGINE_FINGERPRINT[0]


def accrue_function(env_globals: dict):
    """``env_accrue(st, e, p, acur, dt)`` adding every agent's reward over the next ``dt``
    seconds to its return (``heron._fast.integrate_nb``): the env's closed form when it has
    ``reward_integral``, else adaptive Simpson over its reward rate."""
    from heron._fast import integrate_nb

    glb = dict(integrate_nb.__dict__)
    for name in ("env_advance", "env_reward", "env_reward_integral"):
        if name in env_globals:
            glb[name] = env_globals[name]
    for name in integrate_nb.TEMPLATES:
        glb[name] = njit(inline="always")(pytypes.FunctionType(
            getattr(integrate_nb, name).__code__, glb, name))
    entry = "accrue_closed" if "env_reward_integral" in glb else "accrue_simpson"
    if entry == "accrue_closed":
        return njit(inline="always")(pytypes.FunctionType(
            getattr(integrate_nb, entry).__code__, glb, entry))
    # counted explicitly: callees inherit "no reference counting" from the kernels otherwise,
    # and the Simpson rule (or an env's closed form) may allocate
    return njit(inline="never", _nrt=True)(pytypes.FunctionType(
        getattr(integrate_nb, entry).__code__, glb, entry))


class KernelEntry:
    """A specialised kernel's entry point. Its per-event templates (the module's ``NO_NRT``)
    are compiled without Numba's reference counting: every array slice they pass on (an env's
    ``out`` row, a policy's observation) would otherwise cost a call to ``NRT_incref`` and one to
    ``NRT_decref``, about 15 % of W1's time. Such code cannot allocate; their non-inlined
    callees can (``accrue_*`` and the copies of a user's functions are compiled with counting).
    When an env's inlined function allocates (``np.empty``, ``.copy()``, array arithmetic), the
    first call fails to compile; the entry then compiles, once per process, the same kernel with
    counting everywhere and uses that (same results, slower: keep allocations out of inlined env
    functions, or in a plain ``@njit`` helper they call). A genuine error in a user's code fails
    that second compile too and is raised from it."""

    def __init__(self, build):
        self._build = build
        self._lock = threading.Lock()
        self.fn = build(False)
        self.counted = False

    def __call__(self, *args):
        fn = self.fn
        try:
            return fn(*args)
        except NumbaError:
            if self.counted:
                raise
        with self._lock:
            if not self.counted:
                self.fn = self._build(True)
                self.counted = True
        return self.fn(*args)


def specialise(module, key: str, functions: dict, metrics=(), user_policies=()):
    """Return the ``KernelEntry`` of ``module.ENTRY`` compiled against the env ``functions``
    (dict ``name -> njit dispatcher`` for every name of ``heron.batch.env.ENV_NAMES``),
    ``metrics`` (njit functions, in column order) and ``user_policies`` (``(dispatcher,
    n_args)`` by slot); memoised per ``(module, key)``."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        raise ValueError(f"kernel key must be an identifier; got {key!r}")
    key = f"{key}_{engine_fingerprint()}"
    memo_key = (module.__name__, key)
    if memo_key not in _MEMO:
        _MEMO[memo_key] = KernelEntry(
            lambda counted: _build(module, key + ("_rc" if counted else ""), functions, metrics,
                                   user_policies, counted))
    return _MEMO[memo_key]


def _build(module, key: str, functions: dict, metrics, user_policies, counted: bool):
    """``module.ENTRY`` compiled against the env (``counted``: reference counting in every
    template, else not in ``module.NO_NRT``)."""
    from heron.batch.codegraph import fresh_copy, importable

    copies: dict = {}
    glb = dict(module.__dict__)
    for name, f in functions.items():
        glb["env_" + name] = fresh_copy(f, copies)
    glb["env_metrics"] = metrics_function([fresh_copy(f, copies) for f in metrics])
    glb["env_accrue"] = accrue_function(glb)
    glb["policy_act"] = policy_function([(fresh_copy(f, copies), n) for f, n in user_policies])
    user = list(functions.values()) + list(metrics) + [f for f, _ in user_policies]
    cache = CACHE and importable(user)
    inline_names = set(getattr(module, "INLINE", ()))
    uncounted = () if counted else set(getattr(module, "NO_NRT", ()))
    for name in tuple(module.TEMPLATES) + (module.ENTRY,):
        f = getattr(module, name)
        clone = pytypes.FunctionType(f.__code__, glb, f"{name}__{key}", f.__defaults__,
                                     f.__closure__)
        clone.__qualname__ = f"{f.__qualname__}__{key}"
        clone.__module__ = f.__module__
        clone.__doc__ = f.__doc__
        # the entry releases the GIL: row ranges (heron.batch.threads) run in several threads
        glb[name] = njit(cache=cache, nogil=name == module.ENTRY,
                         inline="always" if name in inline_names else "never",
                         _nrt=name not in uncounted)(clone)
    return glb[module.ENTRY]

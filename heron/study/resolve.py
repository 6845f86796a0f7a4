"""From the names in a study file to objects, without running anything the file names.

A study file is data. Its ``[environment] name`` is looked up in heron's registry
(``heron.registry``: shipped envs, ``heron.register(...)`` calls, installed plugins' entry
points); the factory found there (registered by code, never by the file) is called with the
file's ``kwargs`` and its result must be a ``heron.batch.BatchEnv``. A policy is a registered
name, a ``.npz`` weights file (read with ``allow_pickle=False``), or ``"module:object"`` naming a
policy object (``CompiledPolicy``, ``BatchedPolicy``, an ``@njit`` function or a torch module) of
a module *already imported*: the file's text never imports a module and never calls what it
names. An env may also be named ``"module:attr"`` for a ``BatchEnv`` object of an imported module.
An env that is a ``heron.pettingzoo.PettingZooSpec`` (a plain PettingZoo env) takes Python
callable policies instead, under the stricter rules of ``heron.study.pettingzoo``.

Importing code is the user's decision: ``import_user_module`` (``heron run --import MODULE`` or
``--import path/to/file.py``) imports a module whose ``heron.register(...)`` calls then make its
names resolvable. Workers (process pools, Dask) import the same modules first: the driver hands
them ``imports`` (the user's, plus the modules holding the objects it resolved and checked).
"""
from __future__ import annotations

import importlib
import json
import os
import re
import sys
from functools import lru_cache

_MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_PUBLIC = re.compile(r"^[A-Za-z]\w*(\.[A-Za-z]\w*)*$")


class StudyResolveError(ValueError):
    """A name of a study file does not resolve to an object of the expected kind."""


class UserImportError(ValueError):
    """``--import`` (``imports=``) names a module that cannot be imported."""


# -- user imports ------------------------------------------------------------------------------
def import_user_module(target: str, cwd: str = None) -> tuple:
    """Import ``target``: a module name (found on ``sys.path``, the working directory ``cwd``
    included) or a ``.py`` file / package directory path (its folder goes first on ``sys.path``
    so that worker processes import it by name too). Returns ``(module name, folder)``."""
    if not isinstance(target, str) or not target:
        raise UserImportError(f"--import: expected a module name or a .py file; got {target!r}")
    cwd = os.path.abspath(cwd or os.getcwd())
    if target.endswith(".py") or "/" in target or os.sep in target:
        path = os.path.abspath(os.path.join(cwd, target))
        if os.path.isdir(path) and os.path.isfile(os.path.join(path, "__init__.py")):
            name, folder = os.path.basename(path), os.path.dirname(path)
        elif os.path.isfile(path) and path.endswith(".py"):
            name, folder = os.path.basename(path)[:-3], os.path.dirname(path)
        else:
            raise UserImportError(f"--import {target}: expected a .py file or a package "
                                  f"directory; {path!r} is neither")
        if not name.isidentifier():
            raise UserImportError(f"--import {target}: {name!r} is not a valid module name")
        first = True
    else:
        if not _MODULE.match(target):
            raise UserImportError(f"--import {target}: expected a module name (a.b.c) or a .py "
                                  "file path")
        name, folder, first = target, cwd, False
    import_modules([(name, folder, first)])
    return name, folder, first


def import_modules(imports) -> None:
    """Import ``[(module name, folder or None, folder first?)]`` (what the driver hands to
    workers): each folder is put on ``sys.path`` (first, or last), then the module imported."""
    for item in imports or ():
        name, folder, first = (tuple(item) + (None, False))[:3]
        if folder and folder not in sys.path:
            if first:
                sys.path.insert(0, folder)
            else:
                sys.path.append(folder)
        loaded = sys.modules.get(name)
        if loaded is not None and first and folder:
            where = os.path.dirname(os.path.abspath(getattr(loaded, "__file__", "") or ""))
            if where and os.path.basename(where) == name:   # a package: its parent folder
                where = os.path.dirname(where)
            if where and where != folder:
                raise UserImportError(f"--import {name}: another module {name!r} is already "
                                      f"imported (from {where!r}); rename yours")
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                raise UserImportError(f"--import {name}: no module named {exc.name!r} in the "
                                      f"working directory or on sys.path") from None
            raise UserImportError(f"--import {name}: importing it failed: "
                                  f"ModuleNotFoundError: {exc}") from exc
        except UserImportError:
            raise
        except Exception as exc:
            raise UserImportError(f"--import {name}: importing it failed: "
                                  f"{type(exc).__name__}: {exc}") from exc


def _lookup(ref: str, what: str):
    """The object ``"module:attr"`` in an already-imported module (never imports)."""
    module_name, _, attr = ref.partition(":")
    if not _MODULE.match(module_name) or not _PUBLIC.match(attr):
        raise StudyResolveError(f"{what} {ref!r}: an object reference looks like "
                                "\"module:name\" (public names only)")
    module = sys.modules.get(module_name)
    if module is None:
        raise StudyResolveError(
            f"{what} {ref!r}: module {module_name!r} is not imported, and a study file never "
            f"imports code; ask for it: `heron run --import {module_name} STUDY.toml` (or import "
            "it before run_study)")
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise StudyResolveError(f"{what} {ref!r}: module {module_name!r} has no "
                                    f"attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


# -- environments ------------------------------------------------------------------------------
def env_task(name: str, kwargs: dict) -> dict:
    """Resolve the study's env in the driver: ``{"name", "kwargs", "ref", "module"}`` for the
    workers (``ref``: the registered factory's import path, ``module``: what a worker imports
    first). Raises ``StudyResolveError`` for anything but a registered env or a BatchEnv."""
    from heron import registry

    try:
        spec = registry.spec(name)
    except registry.UnknownEnvError as exc:
        if ":" not in name:
            raise StudyResolveError(f"environment {name!r}: {exc}") from None
        obj = _lookup(name, "environment")
        from heron.batch.env import BatchEnv

        if not isinstance(obj, BatchEnv) and not registry.is_pettingzoo_spec(obj):
            raise StudyResolveError(
                f"environment {name!r} is a {type(obj).__name__}, not a registered env factory, "
                f"a BatchEnv or a PettingZooSpec; a study file never calls what it names: "
                f"register the factory (heron.register(\"MyEnv-v0\", factory)) and name the "
                f"id") from None
        if kwargs:
            raise StudyResolveError(f"environment {name!r} is a {type(obj).__name__} object; it "
                                    f"takes no kwargs; got {sorted(kwargs)}") from None
        return {"name": name, "kwargs": {}, "ref": name, "module": name.partition(":")[0]}
    ref = spec.reference
    return {"name": name, "kwargs": {**spec.kwargs, **kwargs}, "ref": ref,
            "module": ref.partition(":")[0] if ref else None}


@lru_cache(maxsize=8)
def _env_cached(name: str, ref, kwargs_json: str):
    from heron import registry
    from heron.batch.env import BatchEnv

    kwargs = json.loads(kwargs_json)
    try:
        spec = registry.spec(name)
    except registry.UnknownEnvError:
        if not ref:
            raise StudyResolveError(
                f"environment {name!r} is registered in the driver process but not in this "
                "worker: register it in a module passed with --import (imports=), not in "
                "__main__ or a lambda") from None
        obj = _lookup(ref, "environment")   # the driver resolved and checked this reference
        env = obj if isinstance(obj, BatchEnv) or registry.is_pettingzoo_spec(obj) \
            else obj(**kwargs)
    else:
        env = spec.make(**kwargs)
    if not isinstance(env, BatchEnv) and not registry.is_pettingzoo_spec(env):
        raise StudyResolveError(f"environment {name!r}: its factory returned a "
                                f"{type(env).__name__}; expected a heron.batch.BatchEnv (or a "
                                "heron.pettingzoo.PettingZooSpec)")
    return env


def resolve_env(task_env: dict):
    """The env of a study from ``env_task(...)`` (cached per process); a ``BatchEnv`` or a
    ``heron.pettingzoo.PettingZooSpec`` (``heron.study.pettingzoo``)."""
    try:
        return _env_cached(task_env["name"], task_env.get("ref"),
                           json.dumps(task_env["kwargs"], sort_keys=True))
    except (StudyResolveError, UserImportError):
        raise
    except TypeError as exc:
        raise StudyResolveError(f"environment {task_env['name']!r} with kwargs "
                                f"{task_env['kwargs']}: {exc}") from exc


# -- policies ----------------------------------------------------------------------------------
def _is_policy_object(obj) -> bool:
    from heron.batch.policies import BatchedPolicy, CompiledPolicy, _is_njit, _is_torch_module

    return isinstance(obj, (CompiledPolicy, BatchedPolicy)) or _is_njit(obj) or \
        _is_torch_module(obj)


def _builtin(name: str):
    from heron import registry
    from heron.batch import policies

    if name not in policies.available():
        factory = registry.plugin_policy(name)
        if factory is not None:
            policies.register(name, factory)
    return policies.get(name)


@lru_cache(maxsize=32)
def _policy_cached(kind: str, ref: str):
    if kind == "builtin":
        return _builtin(ref)
    if kind == "npz":
        from heron.study.shards import load_npz_policy

        return load_npz_policy(ref)
    obj = _lookup(ref, "policy")
    if not _is_policy_object(obj):
        raise StudyResolveError(
            f"policy {ref!r} is a {type(obj).__name__}, not a policy object; a study file may "
            "name a CompiledPolicy, a BatchedPolicy (wrap a function: BatchedPolicy(fn)), an "
            "@njit policy function or a torch module")
    return obj


def resolve_policy(policy: dict):
    """The policy object of a ``PolicySpec.to_dict()`` (cached per process)."""
    return _policy_cached(policy["kind"], policy["ref"])


def check_study(spec, user_imports=()) -> tuple:
    """Resolve everything ``spec`` names, in the driver, before anything runs: returns
    ``(env, task_env, imports)`` (``imports``: what workers import first). Raises
    ``StudyResolveError`` naming the first name that does not resolve to the expected kind."""
    task = env_task(spec.env_name, spec.env_kwargs)
    env = resolve_env(task)
    imports = [tuple(i) for i in user_imports]
    extra = [task.get("module")]
    from heron.study import pettingzoo

    if pettingzoo.is_pettingzoo(env):
        pettingzoo.check(spec, env, imports)   # its own engine, policies and timing
        task["kind"] = pettingzoo.KIND
    for p in spec.policies:
        try:
            if task.get("kind") != pettingzoo.KIND:
                resolve_policy(p.to_dict())
        except StudyResolveError as exc:
            raise StudyResolveError(f"[policies] {p.name}: {exc}") from None
        if p.kind == "import":
            extra.append(p.ref.partition(":")[0])
    for module in extra:
        if module and module != "__main__" and all(module != i[0] for i in imports):
            imports.append((module, None, False))
    return env, task, imports

"""Environment registry: ``heron.make(env_id, **kwargs)``, ``heron.register(env_id, entry_point)``,
``heron.list_envs()`` and ``heron.spec(env_id)``.

An env id names a factory returning a ``heron.batch.BatchEnv`` (``"BatteryFleet-v0"``), or a
``heron.pettingzoo.PettingZooSpec`` (a plain PettingZoo ``ParallelEnv`` factory with its step
``dt``; studies run it through ``heron.pettingzoo.evaluate``, ``docs/pettingzoo-timing.md``).
Three kinds of registration, one mechanism:

* **shipped** envs are registered below (``BatteryFleet-v0``, alias ``battery_fleet``);
* **your code** calls ``heron.register("TwoRooms-v0", make_env)`` (a callable, or the string
  ``"package.module:factory"``, imported when the env is first made);
* **installed packages** declare entry points in the group ``heron.envs`` (``ENTRY_POINT_GROUP``);
  each entry point's name is an env id and its value the factory, e.g. in the plugin's
  ``pyproject.toml``::

      [project.entry-points."heron.envs"]
      "MyFeeder-v0" = "my_grid_envs.feeder:make_feeder"

  so ``pip install my-grid-envs`` makes ``heron.make("MyFeeder-v0")`` and study files see it.
  Nothing of the plugin is imported until the env is made. Packages may also ship policies by
  name in the group ``heron.policies`` (``name = "module:factory"``, ``factory() -> policy``).

Registering a callable also registers its import path (``"module:qualname"``) as an alias, so a
study file that names ``"custom_env:make_env"`` finds it once ``custom_env`` (imported by the user,
e.g. ``heron run --import custom_env``) has registered it. A name is only ever *looked up*: the
registry never imports a module because a study file or a ``make`` call names it.

Importing this module is light (standard library only).
"""
from __future__ import annotations

import importlib
import re
import sys
import threading
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

ENTRY_POINT_GROUP = "heron.envs"
POLICY_GROUP = "heron.policies"
_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+/:-]*$")
_REF = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")


class UnknownEnvError(ValueError):
    """No env is registered under the name (the message lists the registered ids)."""


@dataclass(frozen=True)
class EnvSpec:
    """One registered env: ``id``; ``entry_point`` (a callable returning a ``BatchEnv``, a
    ``BatchEnv`` itself, or ``"module:attr"``); default ``kwargs`` of the factory; ``aliases``;
    ``description``; ``source`` (``"heron"``, ``"user"`` or ``"plugin <distribution>"``)."""

    id: str
    entry_point: object
    kwargs: dict = field(default_factory=dict)
    aliases: tuple = ()
    description: str = ""
    source: str = "user"

    @property
    def reference(self) -> Optional[str]:
        """``"module:qualname"`` of the entry point when another process can import it by that
        name (a string entry point, or a module-level function of an importable module)."""
        return reference_of(self.entry_point)

    def load(self):
        """The factory (importing a string entry point's module: it was registered by code or
        declared by an installed package, never named by a data file)."""
        ep = self.entry_point
        return load_reference(ep) if isinstance(ep, str) else ep

    def make(self, **kwargs):
        """Build the env: ``factory(**{**self.kwargs, **kwargs})``, checked to be a BatchEnv (or
        a PettingZooSpec)."""
        from heron.batch.env import BatchEnv

        factory = self.load()
        merged = {**self.kwargs, **kwargs}
        if isinstance(factory, BatchEnv) or is_pettingzoo_spec(factory):
            if merged:
                raise TypeError(f"env {self.id!r} is a {type(factory).__name__} object, not a "
                                f"factory: it takes no keyword arguments; got {sorted(merged)}")
            return factory
        if not callable(factory):
            raise TypeError(f"env {self.id!r}: its entry point {self.entry_point!r} is a "
                            f"{type(factory).__name__}; expected a factory returning a BatchEnv")
        env = factory(**merged)
        if not isinstance(env, BatchEnv) and not is_pettingzoo_spec(env):
            raise TypeError(f"env {self.id!r}: its factory {_describe(self.entry_point)} "
                            f"returned a {type(env).__name__}; expected a heron.batch.BatchEnv "
                            "(or a heron.pettingzoo.PettingZooSpec)")
        return env


def is_pettingzoo_spec(obj) -> bool:
    """Whether ``obj`` is a ``heron.pettingzoo.PettingZooSpec`` (a PettingZoo env factory with its
    step ``dt``; studies run it through ``heron.pettingzoo.evaluate``). Never imports: a spec
    exists only once its module was imported."""
    module = sys.modules.get("heron.pettingzoo.evaluate")
    return module is not None and isinstance(obj, module.PettingZooSpec)


_ENVS: dict = {}      # id -> EnvSpec
_ALIASES: dict = {}   # alias -> id
_LOCK = threading.RLock()
_PLUGINS = {"loaded": False}


def _describe(ep) -> str:
    return repr(ep) if isinstance(ep, str) else (reference_of(ep) or repr(ep))


def reference_of(obj) -> Optional[str]:
    """``"module:qualname"`` of ``obj`` if it is a string reference or a module-level object of
    an importable module (not ``__main__``, not a lambda or a nested function), else None."""
    if isinstance(obj, str):
        return obj if _REF.match(obj) else None
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if getattr(obj, "py_func", None) is not None:   # a Numba dispatcher: its Python function
        module = obj.py_func.__module__
        qualname = obj.py_func.__qualname__
    if not module or not qualname or module == "__main__" or "<" in qualname:
        return None
    ref = f"{module}:{qualname}"
    return ref if _REF.match(ref) else None


def load_reference(ref: str):
    """The object named ``"module:attr.sub"``, importing ``module``. Only for references that
    code registered or an installed package declared (see the module docstring)."""
    module_name, _, attr = ref.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(f"cannot import module {module_name!r} (from {ref!r}): {exc}") from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ImportError(f"module {module_name!r} has no attribute {attr!r} "
                              f"(from {ref!r})") from None
    return obj


def _same(a, b) -> bool:
    return a is b or (reference_of(a) is not None and reference_of(a) == reference_of(b))


def register(env_id: str, entry_point: Union[Callable, str, object], *, kwargs: dict = None,
             aliases=(), description: str = "", override: bool = False,
             source: str = "user") -> EnvSpec:
    """Register ``entry_point`` (a factory returning a ``BatchEnv``, a ``BatchEnv``, or
    ``"module:factory"``) as ``env_id``, with default ``kwargs`` and extra ``aliases``.

    Registering the same entry point again is a no-op (a module imported twice); another entry
    point under a taken id or alias is a ValueError unless ``override=True``. A callable's import
    path (``"module:qualname"``) becomes an alias as well, unless another env holds it."""
    if not isinstance(env_id, str) or not _ID.match(env_id):
        raise ValueError(f"register: env_id must be a non-empty str of letters, digits and "
                         f"'_.+-/:' (e.g. 'MyFeeder-v0'); got {env_id!r}")
    if isinstance(entry_point, str) and not _REF.match(entry_point):
        raise ValueError(f"register({env_id!r}): a string entry point looks like "
                         f"'package.module:factory'; got {entry_point!r}")
    if entry_point is None:
        raise TypeError(f"register({env_id!r}): entry_point must be a factory, a BatchEnv or "
                        "'package.module:factory'; got None")
    kwargs = dict(kwargs or {})
    if isinstance(aliases, str):
        aliases = (aliases,)
    aliases = tuple(aliases)
    for a in aliases:
        if not isinstance(a, str) or not _ID.match(a):
            raise ValueError(f"register({env_id!r}): bad alias {a!r}")
    spec = EnvSpec(env_id, entry_point, kwargs, aliases, str(description or ""), source)
    with _LOCK:
        old, holder = _ENVS.get(env_id), _ALIASES.get(env_id)
        if old is not None and not override:
            if _same(old.entry_point, entry_point) and old.kwargs == kwargs:
                return old
            raise ValueError(f"register: env id {env_id!r} is already registered "
                             f"({old.source}: {_describe(old.entry_point)}); pass override=True "
                             "to replace it")
        if holder is not None and not override:
            raise ValueError(f"register: {env_id!r} is an alias of env {holder!r}; pass "
                             "override=True to take it over")
        for a in aliases:
            taken = _ALIASES.get(a) or (a if a in _ENVS else None)
            if taken not in (None, env_id) and (not override or a in _ENVS):
                raise ValueError(f"register({env_id!r}): alias {a!r} already names env "
                                 f"{taken!r}")
        if holder is not None:
            del _ALIASES[env_id]
        if old is not None:
            _unregister(env_id)
        _ENVS[env_id] = spec
        for a in aliases:
            _ALIASES[a] = env_id
        implicit = reference_of(entry_point)
        if implicit and implicit != env_id and implicit not in _ENVS \
                and _ALIASES.get(implicit, env_id) == env_id:
            _ALIASES[implicit] = env_id
    return spec


def _unregister(env_id: str) -> None:
    _ENVS.pop(env_id, None)
    for a in [a for a, i in _ALIASES.items() if i == env_id]:
        del _ALIASES[a]


def _entry_points(group: str) -> list:
    from importlib import metadata

    try:
        return list(metadata.entry_points(group=group))
    except TypeError:  # pragma: no cover - importlib.metadata before Python 3.10
        return list(metadata.entry_points().get(group, ()))


def load_plugins(refresh: bool = False) -> None:
    """Register the envs installed packages declare (entry-point group ``heron.envs``); reads
    package metadata only (no plugin code is imported). Ids heron or your code registered win
    over a plugin's; ``refresh=True`` reads the metadata again (after a ``pip install``)."""
    with _LOCK:
        if _PLUGINS["loaded"] and not refresh:
            return
        _PLUGINS["loaded"] = True
        for ep in _entry_points(ENTRY_POINT_GROUP):
            dist = getattr(getattr(ep, "dist", None), "name", None) or "?"
            if ep.name in _ENVS or ep.name in _ALIASES:
                continue
            try:
                register(ep.name, ep.value, source=f"plugin {dist}")
            except ValueError:
                continue  # a malformed declaration: invisible, like an uninstalled plugin


def spec(env_id: str) -> EnvSpec:
    """The registration of ``env_id`` (an id or an alias); ``UnknownEnvError`` lists the ids."""
    if not isinstance(env_id, str):
        raise UnknownEnvError(f"env id must be a str; got {env_id!r}")
    for attempt in (False, True):
        with _LOCK:
            if attempt:
                load_plugins()
            found = _ENVS.get(env_id) or _ENVS.get(_ALIASES.get(env_id, ""))
        if found is not None:
            return found
    raise UnknownEnvError(f"no environment is registered as {env_id!r}; registered: "
                          f"{[s.id for s in list_envs()]} (heron.register(...) in a module you "
                          "import, e.g. with `heron run --import MODULE`, or an installed package "
                          f"declaring the entry-point group {ENTRY_POINT_GROUP!r})")


def make(env_id: str, **kwargs):
    """Build the env registered as ``env_id`` with ``kwargs`` (over its registered defaults).
    Returns a ``heron.batch.BatchEnv`` or a ``heron.pettingzoo.PettingZooSpec`` (anything else is
    refused with a TypeError)."""
    return spec(env_id).make(**kwargs)


def list_envs() -> list:
    """Every registered env (``EnvSpec``), shipped, yours and installed plugins', sorted by id."""
    load_plugins()
    with _LOCK:
        return [_ENVS[k] for k in sorted(_ENVS)]


def plugin_policy(name: str):
    """The factory an installed package declares for policy ``name`` (entry-point group
    ``heron.policies``), or None."""
    for ep in _entry_points(POLICY_GROUP):
        if ep.name == name:
            return lambda: ep.load()()
    return None


def plugin_policy_names() -> list:
    """Names of the policies installed packages declare (no plugin code is imported)."""
    return sorted(ep.name for ep in _entry_points(POLICY_GROUP))


# -- shipped envs: registered exactly as a user's or a plugin's ------------------------------
register("BatteryFleet-v0", "heron.demo_envs.battery:battery_fleet", aliases=("battery_fleet",),
         description="the tutorial's battery fleet (n_batteries, coordinator=False, horizon 50 s)",
         source="heron")
register("Heating-v0", "heron.demo_envs.heating:heating_house", aliases=("heating_house",),
         description="rooms with thermostats (n_rooms=2; coordinator, vent, floor, weather, "
                     "disturbance_mean, jitter: heating_house's arguments), 60 s ticks, 6 h",
         source="heron")
register("TrafficCorridor-v0", "heron.demo_envs.traffic:traffic_corridor",
         aliases=("traffic_corridor",),
         description="signalised intersections along a corridor (n_intersections=4, "
                     "coordinator=True), NTCIP timing: 100 ms controllers, 600 s",
         source="heron")

"""heron: test multi-agent control policies for cyber-physical systems under realistic timing.

Two engines over one timing model: the interactive HERON API (``heron.scheduling``,
``heron.envs.adapters.PettingZooParallelEnv``) and the batched Monte Carlo engine
(``heron.batch.evaluate``). Importing ``heron`` is light: no Numba compilation, no pandas, no
pyarrow and no matplotlib happen until the parts that need them are used.

Environments by name: ``heron.make("BatteryFleet-v0", n_batteries=4)``, ``heron.register(env_id,
factory)``, ``heron.list_envs()`` and ``heron.spec(env_id)`` (``heron.registry``; installed
packages add envs through the entry-point group ``heron.envs``).
"""
from heron.registry import list_envs, make, register, spec

__version__ = "0.1.0"
__all__ = ["__version__", "list_envs", "make", "register", "spec"]

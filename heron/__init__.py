"""heron: test multi-agent control policies for cyber-physical systems under realistic timing.

Two engines over one timing model: the interactive HERON API (``heron.scheduling``,
``heron.envs.adapters.PettingZooParallelEnv``) and the batched Monte Carlo engine
(``heron.batch.evaluate``). Importing ``heron`` is light: no Numba compilation, no pandas, no
pyarrow and no matplotlib happen until the parts that need them are used.
"""
__version__ = "0.1.0"
__all__ = ["__version__"]

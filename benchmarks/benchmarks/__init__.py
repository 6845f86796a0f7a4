"""heron's asv benchmark suite (numpy's layout): one ``bench_<area>.py`` module per area.

The canonical workloads are defined once in ``heron.workloads``; the baselines and measurement
helpers in ``heron.bench``. Modules here only choose sizes and parameters (see ``common.py``).
"""

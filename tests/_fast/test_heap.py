"""The event heap: compiled and pure twin agree with ``heapq`` / ``sorted`` on random input."""
import heapq
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heron._fast import _heap_py
from heron._fast import heap as heap_select
from heron._fast.dtypes import heap_event_dt

IMPLS = [_heap_py] + ([heap_select.impl] if heap_select.COMPILED else [])
IDS = ["python"] + (["compiled"] if heap_select.COMPILED else [])

records = st.lists(
    st.tuples(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 1e9]), st.integers(0, 3),
              st.integers(0, 3)),
    max_size=60,
)


@pytest.mark.parametrize("impl", IMPLS, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(recs=records)
def test_array_heap_pops_in_contract_order(impl, recs):
    heap = np.zeros(len(recs) + 1, heap_event_dt)
    size = 0
    for seq, (t, cls, agent) in enumerate(recs):
        size = impl.push_array(heap, size, t, cls, agent, seq, 100 + seq)
    expected = sorted((t, cls, agent, seq) for seq, (t, cls, agent) in enumerate(recs))
    got = []
    while size > 0:
        size, rec = impl.pop_array(heap, size)
        assert rec[4] == 100 + rec[3]  # the payload travels with its record
        got.append(rec[:4])
    assert got == expected


@pytest.mark.parametrize("impl", IMPLS, ids=IDS)
def test_large_heap_pops_in_contract_order_with_interleaved_pushes(impl):
    """Sizes above 16,384 records pop top-down, smaller ones bottom-up: both, with pushes in
    between pops, give the contract order."""
    rng = np.random.default_rng(8)
    n = 40_000
    heap = np.zeros(n, heap_event_dt)
    ref = []
    size = 0
    for seq in range(n):
        t, cls, agent = float(rng.integers(0, 3000)) / 4, int(rng.integers(0, 3)), int(
            rng.integers(0, 5))
        size = impl.push_array(heap, size, t, cls, agent, seq, seq)
        heapq.heappush(ref, (t, cls, agent, seq))
    seq = n
    while size > 0:
        size, rec = impl.pop_array(heap, size)
        assert rec[:4] == heapq.heappop(ref)
        if seq % 3 == 0 and seq < 2 * n:   # push later events while the heap drains
            t = rec[0] + float(rng.integers(0, 400)) / 4
            size = impl.push_array(heap, size, t, 1, 2, seq, seq)
            heapq.heappush(ref, (t, 1, 2, seq))
        seq += 1
    assert not ref


@pytest.mark.parametrize("impl", IMPLS, ids=IDS)
def test_array_heap_full_and_empty(impl):
    heap = np.zeros(2, heap_event_dt)
    size = impl.push_array(heap, 0, 1.0, 0, 0, 0, 0)
    size = impl.push_array(heap, size, 0.5, 0, 0, 1, 0)
    assert impl.push_array(heap, size, 0.1, 0, 0, 2, 0) == -1
    size, rec = impl.pop_array(heap, size)
    assert rec[0] == 0.5
    size, _ = impl.pop_array(heap, size)
    with pytest.raises(IndexError):
        impl.pop_array(heap, size)


@pytest.mark.parametrize("impl", IMPLS, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(ops=st.lists(st.one_of(st.tuples(st.just("push"), st.sampled_from([0.0, 1.0, 2.0, 3.5]),
                                        st.integers(-2, 2)),
                              st.just(("pop",))), max_size=80))
def test_event_queue_matches_heapq(impl, ops):
    q = impl.EventQueue(capacity=1)  # forces growth
    ref = []
    seq = 0
    for op in ops:
        if op[0] == "push":
            _, t, prio = op
            item = object()
            assert q.push(t, prio, item) == seq
            heapq.heappush(ref, (t, prio, seq, item))
            seq += 1
        elif ref:
            t, prio, _, item = heapq.heappop(ref)
            assert q.pop() == (t, prio, item)
        else:
            with pytest.raises(IndexError):
                q.pop()
        assert len(q) == len(ref)
        assert q.peek_time() == (ref[0][0] if ref else math.inf)
    assert q.items() == [r[3] for r in sorted(ref, key=lambda r: r[:3])]


@pytest.mark.parametrize("impl", IMPLS, ids=IDS)
def test_pop_until_is_inclusive(impl):
    q = impl.EventQueue()
    q.push(1.0, 0, "a")
    q.push(2.0, 0, "b")
    assert q.pop_until(0.999) is None
    assert q.pop_until(1.0) == "a"
    assert q.pop_until(1.5) is None
    assert len(q) == 1
    q.clear()
    assert not q and q.peek_time() == math.inf

"""SnapshotHistory: strict-before lookup, initial snapshot, bounded memory."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heron.envs.history import PRUNE_MIN, SnapshotHistory


def brute(records, s, initial):
    best = initial
    for t, v in records:
        if t < s:
            best = v
    return best


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gaps=st.lists(st.sampled_from([0.0, 0.05, 0.1, 0.3, 1.0]), min_size=0, max_size=400),
       window=st.sampled_from([0.2, 1.0, 5.0]), back=st.floats(0.0, 1.0))
def test_lookup_matches_brute_force_within_the_window(heap_impl, gaps, window, back):
    h = SnapshotHistory(window)
    h.record_initial(0.0, "init")
    t, records = 0.0, []
    for i, g in enumerate(gaps):
        t += g
        h.record(t, i)
        records.append((t, i))
        assert len(h) <= 2 * max(PRUNE_MIN, sum(1 for r, _ in records if r >= t - window)) + 1
    s = t - back * window  # every S a future tick can ask for, given delays <= window
    assert h.before(s)[1] == brute(records, s, "init")
    assert h.clamped == 0


def test_initial_snapshot_and_equal_times(heap_impl):
    h = SnapshotHistory(1.0)
    h.record_initial(2.0, "init")
    assert h.only_initial() and h.before(2.0) == (2.0, "init")
    h.record(2.0, "a")  # an event at exactly the start time runs after a sample at 2.0
    assert h.before(2.0) == (2.0, "init")
    h.record(2.5, "b")
    h.record(2.5, "c")
    assert h.before(2.6) == (2.5, "c") and h.before(2.5) == (2.0, "a")
    with pytest.raises(ValueError, match="window"):
        SnapshotHistory(-1.0)
    with pytest.raises(RuntimeError, match="setup_event_driven"):
        SnapshotHistory(1.0).before(0.0)


def test_a_history_reused_across_episodes_takes_a_new_window(heap_impl):
    h = SnapshotHistory(0.0)
    h.record_initial(0.0, "init", window=2.0)
    assert h.window == 2.0
    h.record(1.0, "a")
    h.record_initial(0.0, "again")  # no window given: it stays
    assert h.window == 2.0 and h.only_initial() and h.before(5.0) == (0.0, "again")
    with pytest.raises(ValueError, match="window must be >= 0 seconds; got -1"):
        h.record_initial(0.0, "x", window=-1.0)

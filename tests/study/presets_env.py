"""For ``test_study_presets``: the stand-in engine (``fake_engine.evaluate``), recording the timing
each shard ran with (``SEEN``: ``{agent id or class: TickConfig fields}``, None for the
synchronous baseline), so a test sees what a study handed the engine."""
import fake_engine

SEEN = []


def recording_evaluate(env, policy, *, timing=None, **kwargs):
    """``fake_engine.evaluate``, recording ``timing``."""
    SEEN.append(None if timing is None else {k: v.to_dict() for k, v in timing.items()})
    return fake_engine.evaluate(env, policy, timing=timing, **kwargs)

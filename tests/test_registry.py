"""``heron.make``, ``heron.register``, the listing, and envs (and policies) that installed
packages declare through entry points, seen by ``heron.make`` and by study files."""
import os
import subprocess
import sys
import textwrap

import pytest

import heron
from heron import registry

HERE = os.path.dirname(os.path.abspath(__file__))
STUDY_TESTS = os.path.join(HERE, "study")

PLUGIN = textwrap.dedent("""\
    from numba import njit

    from heron.batch import AgentSpec, BatchEnv
    from heron.batch.policies import step

    IMPORTED = True


    @njit
    def _noop(*args):
        return 0.0


    def make_feeder(n_units=3, horizon=30.0):
        return BatchEnv(name="feeder", agents=[AgentSpec(f"unit_{i}") for i in range(n_units)],
                        state_dtype={"v": "f8"}, n_units=n_units, horizon=horizon,
                        functions={n: _noop for n in ("init", "observe", "effect", "advance",
                                                      "reward")})


    def make_rule():
        return step(0.4, 0.6, below=1.0, between=0.0, above=-1.0, name="feeder_rule")
    """)


def install_plugin(root, name="my_grid_envs", dist="my-grid-envs"):
    """What ``pip install`` leaves behind: the module and a ``.dist-info`` with entry points
    (read by ``importlib.metadata``, exactly as for an installed wheel)."""
    (root / f"{name}.py").write_text(PLUGIN)
    info = root / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[heron.envs]\nMyFeeder-v0 = {name}:make_feeder\n\n"
        f"[heron.policies]\nfeeder_rule = {name}:make_rule\n")
    return root


@pytest.fixture
def clean_registry():
    before_envs, before_aliases = dict(registry._ENVS), dict(registry._ALIASES)
    yield
    registry._ENVS.clear()
    registry._ENVS.update(before_envs)
    registry._ALIASES.clear()
    registry._ALIASES.update(before_aliases)
    registry.load_plugins(refresh=True)


def test_shipped_env_by_id_and_alias():
    ids = {s.id: s for s in heron.list_envs()}
    assert ids["BatteryFleet-v0"].aliases == ("battery_fleet",)
    assert ids["BatteryFleet-v0"].source == "heron"
    env = heron.make("BatteryFleet-v0", n_batteries=3)
    assert [a.id for a in env.agents] == ["battery_1", "battery_2", "battery_3"]
    assert heron.make("battery_fleet").agent_ids == ["battery_1", "battery_2"]
    assert heron.spec("battery_fleet") is heron.spec("BatteryFleet-v0")


def test_register_make_and_refusals(clean_registry):
    from heron.batch import BatchEnv

    def make_two(**kw):
        return heron.make("BatteryFleet-v0", n_batteries=2, **kw)

    spec = heron.register("Two-v0", make_two, kwargs={"horizon": 20.0}, aliases=("two",),
                          description="two batteries")
    assert heron.register("Two-v0", make_two, kwargs={"horizon": 20.0}) is spec   # idempotent
    env = heron.make("two", horizon=10.0)
    assert isinstance(env, BatchEnv) and env.horizon == 10.0
    assert heron.make("Two-v0").horizon == 20.0
    # a nested function has no import path: no implicit alias (a module-level one gets one)
    assert [a for a, i in registry._ALIASES.items() if i == "Two-v0"] == ["two"]
    with pytest.raises(ValueError, match=r"env id 'Two-v0' is already registered .*"
                                         r"override=True"):
        heron.register("Two-v0", lambda: None)
    heron.register("Two-v0", make_two, override=True)
    with pytest.raises(ValueError, match=r"env_id must be a non-empty str"):
        heron.register("two words", make_two)
    with pytest.raises(ValueError, match=r"a string entry point looks like"):
        heron.register("X-v0", "not a reference")
    heron.register("Dict-v0", lambda: {"not": "an env"})
    with pytest.raises(TypeError, match=r"env 'Dict-v0': its factory .* returned a dict; "
                                        r"expected a heron.batch.BatchEnv"):
        heron.make("Dict-v0")
    with pytest.raises(registry.UnknownEnvError, match=r"no environment is registered as "
                                                       r"'Nope-v0'; registered: \[.*'Two-v0'"):
        heron.make("Nope-v0")


def test_string_entry_points_import_only_when_made(tmp_path, monkeypatch, clean_registry):
    (tmp_path / "lazy_env_mod.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    heron.register("Lazy-v0", "lazy_env_mod:make_feeder")
    assert "lazy_env_mod" not in sys.modules
    assert heron.spec("lazy_env_mod:make_feeder").id == "Lazy-v0"   # the import path is an alias
    assert "lazy_env_mod" not in sys.modules
    assert len(heron.make("Lazy-v0", n_units=4).agents) == 4
    assert sys.modules["lazy_env_mod"].IMPORTED


def test_an_installed_package_s_entry_points(tmp_path, monkeypatch, clean_registry):
    monkeypatch.syspath_prepend(str(install_plugin(tmp_path)))
    registry.load_plugins(refresh=True)
    spec = heron.spec("MyFeeder-v0")
    assert spec.source == "plugin my-grid-envs" and "my_grid_envs" not in sys.modules
    assert "MyFeeder-v0" in [s.id for s in heron.list_envs()]
    env = heron.make("MyFeeder-v0", n_units=5)
    assert len(env.agents) == 5 and env.horizon == 30.0
    from heron.study.resolve import resolve_policy

    rule = resolve_policy({"kind": "builtin", "ref": "feeder_rule"})
    assert rule.name == "feeder_rule"


def test_a_study_file_sees_an_installed_plugin(tmp_path):
    """``pip install`` (here: a module and its ``.dist-info`` on PYTHONPATH) is enough: the
    study names the plugin's env id and policy name, no --import."""
    site = tmp_path / "site"
    site.mkdir()
    install_plugin(site)
    study = tmp_path / "feeder.toml"
    study.write_text(textwrap.dedent("""\
        [study]
        name = "feeder"
        n_episodes = 4
        [environment]
        name = "MyFeeder-v0"
        kwargs = { n_units = 2 }
        [policies]
        rule = "feeder_rule"
        [timing]
        base = "w1"
        """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(site), STUDY_TESTS, os.environ.get("PYTHONPATH")) if p))
    out = subprocess.run([sys.executable, "-m", "heron", "run", str(study), "--out",
                          str(tmp_path / "out"), "--executor", "inline", "--quiet",
                          "--evaluator", "fake_engine:evaluate"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "ran 2 shard(s), 8 episodes" in out.stdout
    listing = subprocess.run([sys.executable, "-m", "heron", "envs"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
    assert "MyFeeder-v0: my_grid_envs:make_feeder [plugin my-grid-envs: " in listing.stdout
    assert "BatteryFleet-v0 (alias battery_fleet)" in listing.stdout

import importlib.util
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments import runner
from rlsuite.experiments.base import Experiment, list_experiments, load_experiment, setting_id
from rlsuite.experiments.runner import plan_runs, resolve_experiment, resolve_suite, run_sweep
from rlsuite.experiments.store import ResultsStore

_spec = importlib.util.spec_from_file_location(
    "tiny_study_helper", Path(__file__).with_name("test_runner_tiny_study.py")
)
tiny = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tiny)


@pytest.fixture
def study_root(tmp_path, monkeypatch):
    root = tmp_path / "studies"
    root.mkdir()
    # Spawned pool workers inherit the parent's sys.path, so they can import the study.
    monkeypatch.syspath_prepend(str(root))
    return root


def _name() -> str:
    return f"tiny_{uuid.uuid4().hex[:8]}"


def _comparable(store: ResultsStore) -> pd.DataFrame:
    return store.runs().drop(columns=["wall_s", "finished_at"]).reset_index(drop=True)


def test_plan_covers_product_of_settings_agents_seeds(study_root):
    name = tiny.write_tiny_study(study_root, _name(), settings=3, seeds=4)
    specs = plan_runs([resolve_experiment(name)])
    assert len(specs) == 3 * 2 * 4
    assert len({s.key for s in specs}) == len(specs)
    first = specs[0]
    assert first.key == (name, setting_id(name, "main", first.params), "greedy", 0)
    quick = plan_runs([resolve_experiment(name)], sweep="quick", seeds=5)
    assert {s.setting.split("/")[1] for s in quick} == {"quick"}
    assert len(quick) == 2 * 5


def test_setting_ids_follow_params_not_positions():
    a = {"horizon": 100, "noise": "gaussian"}
    b = {"noise": "gaussian", "horizon": 100}
    assert setting_id("x", "main", a) == setting_id("x", "main", b)
    assert setting_id("x", "main", a) != setting_id("x", "main", {**a, "horizon": 101})
    assert setting_id("x", "main", a) != setting_id("x", "quick", a)
    sweep = SimpleNamespace(
        SWEEPS={"main": {"settings": [a, {**a, "horizon": 5}], "agents": ["u"]}}
    )
    reordered = SimpleNamespace(
        SWEEPS={"main": {"settings": [{**a, "horizon": 5}, a], "agents": ["u"]}}
    )
    ids = {s.id: s.params for s in Experiment("x", sweep, "m:run").plan()}
    assert ids == {s.id: s.params for s in Experiment("x", reordered, "m:run").plan()}


def test_blocks_give_per_setting_agents_and_reject_identical_duplicates():
    low, high = {"epsilon": 1.0}, {"epsilon": 2.0}
    sweep = SimpleNamespace(
        SWEEPS={
            "main": [
                {"settings": [low], "agents": ["BC"], "seeds": 2},
                {"settings": [low, high], "agents": ["DP"], "seeds": 3},
            ]
        }
    )
    specs = plan_runs([Experiment("x", sweep, "m:run")])
    assert sorted((s.params["epsilon"], s.agent) for s in specs if s.seed == 0) == [
        (1.0, "BC"),
        (1.0, "DP"),
        (2.0, "DP"),
    ]
    assert len(specs) == 2 + 3 * 2
    twice = SimpleNamespace(
        SWEEPS={
            "main": [{"settings": [low], "agents": ["BC"]}, {"settings": [low], "agents": ["BC"]}]
        }
    )
    with pytest.raises(ValueError, match="twice"):
        Experiment("x", twice, "m:run").plan()
    with pytest.raises(ValueError, match="sweeps: \\['main'\\]"):
        Experiment("x", sweep, "m:run").plan("quik")


def test_quick_suite_is_studies_with_a_quick_sweep():
    experiments, sweep = resolve_suite("quick")
    assert sweep == "quick"
    names = [e.name for e in experiments]
    assert "heavy_tail_mab" in names and "expert_dp" not in names
    assert all("quick" in e.sweep_names() for e in experiments)
    full, sweep = resolve_suite("full")
    assert sweep == "main" and [e.name for e in full] == list_experiments()


def test_planning_imports_no_run_module_and_no_torch():
    code = (
        "import sys; from rlsuite.experiments.runner import prepare_sweep; "
        "specs, _ = prepare_sweep('full'); prepare_sweep('quick'); "
        "bad = [m for m in sys.modules if m == 'torch' or m.endswith('.run') "
        "or m.startswith('rlsuite.agents') or m.startswith('rlsuite.envs')]; "
        "print(len(specs), bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, bad = out.stdout.split(" ", 1)
    assert int(count) > 1000 and bad.strip() == "[]"


def test_every_study_has_a_main_sweep_a_smoke_sweep_and_a_stated_score():
    for name in list_experiments():
        experiment = load_experiment(name)
        assert {"main", "smoke"} <= set(experiment.sweep_names()), name
        assert experiment.plan("smoke"), name
        statement = experiment.analysis.SCORE
        assert isinstance(statement, str) and "0" in statement and "1" in statement, name


def test_unknown_experiment_and_bad_args_raise(study_root, tmp_path):
    with pytest.raises(ValueError, match="suites: \\['quick', 'full'\\]"):
        resolve_suite("quik")
    db = tmp_path / "r.sqlite"
    with pytest.raises(ValueError, match="backend"):
        run_sweep("heavy_tail_mab", db, backend="dask")
    with pytest.raises(ValueError, match="workers"):
        run_sweep("heavy_tail_mab", db, workers=0)
    with pytest.raises(ValueError, match="quik"):
        run_sweep("quik", db)
    assert not db.exists()


@pytest.fixture
def force_pool(monkeypatch):
    """Use the pool even for sweeps too small to pay for it (after one in-process run)."""
    monkeypatch.setattr(runner, "POOL_MIN_WORK_S", 0.0)
    monkeypatch.setattr(runner, "_PROBE_RUNS", 1)


def test_pool_matches_in_process_and_second_sweep_does_nothing(study_root, tmp_path, force_pool):
    name = tiny.write_tiny_study(study_root, _name(), settings=3, seeds=5)
    with ResultsStore(tmp_path / "pool.sqlite") as pool_store:
        summary = run_sweep(name, pool_store, workers=2, progress=False)
        assert (summary.planned, summary.completed, summary.failed) == (30, 30, 0)
        again = run_sweep(name, pool_store, workers=2, progress=False)
        assert (again.skipped, again.completed) == (30, 0)
        pool_runs = _comparable(pool_store)
    with ResultsStore(tmp_path / "seq.sqlite") as seq_store:
        run_sweep([resolve_experiment(name)], seq_store, workers=1, progress=False)
        pd.testing.assert_frame_equal(pool_runs, _comparable(seq_store))
    # Metrics that only some runs report are NaN elsewhere, not missing columns.
    assert pool_runs.loc[pool_runs.agent == "uniform", "greedy_only"].isna().all()
    assert (pool_runs.loc[pool_runs.agent == "greedy", "greedy_only"] == 1.0).all()


def test_failing_runs_are_recorded_not_stored_and_retried(study_root, tmp_path):
    name = tiny.write_tiny_study(study_root, _name(), agents=("greedy", "broken"), seeds=2)
    with ResultsStore(tmp_path / "r.sqlite") as store:
        summary = run_sweep(name, store, workers=2, progress=False)
        assert (summary.completed, summary.failed) == (4, 4)
        assert "this agent always fails" in summary.errors[0][1]
        assert set(store.runs()["agent"]) == {"greedy"}
        assert len(store.failures()) == 4
        retry = run_sweep(name, store, workers=1, progress=False)
        assert (retry.skipped, retry.failed) == (4, 4)


def test_ten_thousand_tiny_runs_through_the_pool(study_root, tmp_path, force_pool):
    name = tiny.write_tiny_study(study_root, _name(), settings=1000, seeds=5, n=5)
    with ResultsStore(tmp_path / "big.sqlite") as store:
        summary = run_sweep(name, store, workers=2, progress=False)
        assert (summary.completed, summary.failed) == (10_000, 0)
        assert store.count() == 10_000
        curves = store.curves()
    assert len(curves) == 10_000 * 5
    final = curves.groupby(["setting", "agent", "seed"])["value"].last()
    assert np.isfinite(final).all()


def test_a_sweep_too_small_for_a_pool_runs_in_process_with_the_same_results(
    study_root, tmp_path, monkeypatch
):
    name = tiny.write_tiny_study(study_root, _name(), settings=50, seeds=2, n=5)
    with ResultsStore(tmp_path / "seq.sqlite") as store:
        run_sweep(name, store, workers=1, progress=False)
        expected = _comparable(store)

    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for a sweep of a few milliseconds")

    monkeypatch.setattr(runner.multiprocessing, "get_context", no_pool)
    with ResultsStore(tmp_path / "auto.sqlite") as store:
        summary = run_sweep(name, store, workers=2, progress=False)
        got = _comparable(store)
    assert (summary.completed, summary.failed) == (200, 0)
    pd.testing.assert_frame_equal(got, expected)

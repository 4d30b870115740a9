import importlib.util
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments.base import list_experiments
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
    assert specs[0].key == (name, f"{name}/0", "greedy", 0)
    quick = plan_runs([resolve_experiment(name)], quick=True, seeds=5)
    assert {s.setting for s in quick} == {f"{name}/quick0"}
    assert len(quick) == 2 * 5


def test_quick_suite_is_studies_with_quick_settings():
    experiments, quick = resolve_suite("quick")
    assert quick
    names = [e.name for e in experiments]
    assert "heavy_tail_mab" in names
    assert all(e.settings(quick=True) for e in experiments)
    full, quick = resolve_suite("full")
    assert not quick and [e.name for e in full] == list_experiments()


def test_unknown_experiment_and_bad_args_raise(study_root, tmp_path):
    with pytest.raises(ValueError, match="no_such_study"):
        resolve_suite("no_such_study")
    with ResultsStore(tmp_path / "r.sqlite") as store:
        with pytest.raises(ValueError, match="backend"):
            run_sweep("heavy_tail_mab", store, backend="dask")
        with pytest.raises(ValueError, match="workers"):
            run_sweep("heavy_tail_mab", store, workers=0)


def test_pool_matches_in_process_and_second_sweep_does_nothing(study_root, tmp_path):
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


def test_ten_thousand_tiny_runs_through_the_pool(study_root, tmp_path):
    name = tiny.write_tiny_study(study_root, _name(), settings=1000, seeds=5, n=5)
    with ResultsStore(tmp_path / "big.sqlite") as store:
        summary = run_sweep(name, store, workers=2, progress=False)
        assert (summary.completed, summary.failed) == (10_000, 0)
        assert store.count() == 10_000
        curves = store.curves()
    assert len(curves) == 10_000 * 5
    final = curves.groupby(["setting", "agent", "seed"])["value"].last()
    assert np.isfinite(final).all()

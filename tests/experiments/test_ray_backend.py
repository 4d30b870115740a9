from types import SimpleNamespace

import pandas as pd
import pytest

from rlsuite.experiments.base import Experiment
from rlsuite.experiments.heavy_tail_mab import analysis, run
from rlsuite.experiments.runner import run_sweep
from rlsuite.experiments.store import ResultsStore

ray = pytest.importorskip("ray")


def _small_study() -> Experiment:
    # The real heavy-tailed study's run function at a small horizon: Ray's
    # workers import it from the installed package, as on a real cluster.
    params = {"n_arms": 3, "base_mean": 0.5, "scale": 1.0, "gap": 0.5, "horizon": 200}
    settings = tuple({**params, "noise": "student_t", "df": df} for df in (1.5, 3.0))
    agents = ("Random", "UCB1", "RobustUCB-truncated")
    sweep = SimpleNamespace(SWEEPS={"main": {"settings": settings, "agents": agents, "seeds": 2}})
    return Experiment(name="heavy_tail_small", sweep=sweep, run=run.run, analysis=analysis)


def _contents(store: ResultsStore) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = store.runs().drop(columns=["wall_s", "finished_at"]).reset_index(drop=True)
    return runs, store.curves()


def test_ray_local_cluster_gives_the_local_backends_database(tmp_path):
    study = _small_study()
    with ResultsStore(tmp_path / "local.sqlite") as store:
        run_sweep([study], store, workers=1, progress=False)
        local_runs, local_curves = _contents(store)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with ResultsStore(tmp_path / "ray.sqlite") as store:
            summary = run_sweep([study], store, backend="ray", progress=False)
            assert (summary.completed, summary.failed) == (12, 0)
            ray_runs, ray_curves = _contents(store)
            again = run_sweep([study], store, backend="ray", progress=False)
            assert again.completed == 0 and again.skipped == 12
    finally:
        ray.shutdown()
    assert len(local_runs) == 12
    pd.testing.assert_frame_equal(ray_runs, local_runs)
    pd.testing.assert_frame_equal(ray_curves, local_curves)

"""The sgb_any_stepsize study: interface, determinism, table, score and plot."""

from __future__ import annotations

import numpy as np
import pytest

from rlsuite.experiments.base import load_experiment
from rlsuite.experiments.runner import collect
from rlsuite.experiments.sgb_any_stepsize import analysis


def test_sweep_matches_the_issue() -> None:
    experiment = load_experiment("sgb_any_stepsize")
    etas = sorted(params["eta"] for _, params in experiment.settings())
    assert etas == [1.0, 10.0, 100.0, 1000.0]
    assert experiment.num_seeds() == 10
    assert all(params["horizon"] == 100_000 for _, params in experiment.settings())
    assert len(experiment.settings(quick=True)) >= 1


def test_run_is_deterministic_and_reports_checkpoints() -> None:
    experiment = load_experiment("sgb_any_stepsize")
    _, params = experiment.settings(quick=True)[0]
    first = experiment.run(params, "GradientBandit", 0)
    second = experiment.run(params, "GradientBandit", 0)
    assert first.metrics == second.metrics
    assert np.array_equal(first.curves["log_subopt"], second.curves["log_subopt"])
    assert "log_subopt_t1000" in first.metrics and "log_subopt_t10000" not in first.metrics
    # eta = 1 on this problem is below 1e-2 suboptimality well before t = 1000.
    assert params["eta"] == 1.0 and first.metrics["converged_t1000"] == 1.0
    assert first.metrics["slope"] < -0.5


def test_run_rejects_other_agents() -> None:
    experiment = load_experiment("sgb_any_stepsize")
    _, params = experiment.settings(quick=True)[0]
    with pytest.raises(ValueError, match="agent"):
        experiment.run(params, "UCB1", 0)


def test_analysis_table_score_and_plot(tmp_path) -> None:
    df, curves = collect("sgb_any_stepsize", "quick", seeds=2)
    table = analysis.table(df)
    assert set(table["eta"]) == {
        p["eta"] for p in load_experiment("sgb_any_stepsize").sweep.QUICK_SETTINGS
    }
    assert table["conv_t1000"].between(0, 1).all()
    scores = analysis.score(df)
    assert scores["score"].between(0, 1).all()
    paths = analysis.plot(df, curves, tmp_path)
    assert all(path.exists() and path.stat().st_size > 0 for path in paths)

"""The sgb_any_stepsize study: batched runs per eta, determinism, table, score and plots."""

from __future__ import annotations

import numpy as np
import pytest

from rlsuite.experiments.base import load_experiment
from rlsuite.experiments.runner import collect
from rlsuite.experiments.sgb_any_stepsize import analysis, sweep


def test_sweep_matches_the_issue() -> None:
    experiment = load_experiment("sgb_any_stepsize")
    ((_, params),) = experiment.settings()
    assert params["etas"] == [1.0, 10.0, 100.0, 1000.0]
    assert params["copies"] >= 200 and params["horizon"] == 1_000_000
    assert sweep.LONG_SETTINGS[0]["horizon"] == 10_000_000


def test_run_is_deterministic_and_reports_each_eta() -> None:
    experiment = load_experiment("sgb_any_stepsize")
    params = dict(sweep.SMOKE_SETTINGS[0])
    first = experiment.run(params, "GradientBandit", 0)
    second = experiment.run(params, "GradientBandit", 0)
    assert first.metrics == second.metrics
    key = "eta1/log_subopt_q0.5"
    assert np.array_equal(first.curves[key], second.curves[key])
    assert "eta1/conv_t1000" in first.metrics and "eta1/conv_t10000" not in first.metrics
    # eta = 1 on this problem is below 1e-2 suboptimality well before t = 1000 in every copy
    # and decays at about the O(1/t) rate.
    assert first.metrics["eta1/conv_t1000"] == 1.0
    # Independent copies for the report: 0/1 per copy, their mean the run's fraction.
    assert first.metrics["n_copies"] == params["copies"]
    final = first.curves["copy:eta100/converged_final"]
    assert set(np.unique(final)) <= {0.0, 1.0}
    assert final.mean() == pytest.approx(first.metrics["eta100/converged_final"])
    assert first.metrics["eta1/slope_median"] < -0.5
    frac = first.curves["eta100/frac_converged"]
    assert np.all((frac >= 0) & (frac <= 1))


def test_run_rejects_other_agents() -> None:
    experiment = load_experiment("sgb_any_stepsize")
    with pytest.raises(ValueError, match="agent"):
        experiment.run(dict(sweep.SMOKE_SETTINGS[0]), "UCB1", 0)


def test_wilson_interval_contains_the_fraction() -> None:
    low, high = analysis.wilson(0.8, 200)
    assert low < 0.8 < high and high - low < 0.12
    assert analysis.wilson(1.0, 8)[1] == pytest.approx(1.0)


def test_analysis_table_score_and_plots(tmp_path) -> None:
    df, curves = collect("sgb_any_stepsize", "smoke")
    table = analysis.table(df)
    assert list(table["eta"]) == [1.0, 100.0] and (table["copies"] == 8).all()
    assert analysis.score(df)["score"].between(0, 1).all()
    paths = analysis.plot(df, curves, tmp_path)
    assert len(paths) == 3 and all(path.stat().st_size > 0 for path in paths)


def test_subopt_bands_mark_the_float64_floor_where_the_recorded_run_reaches_it(
    tmp_path, monkeypatch
) -> None:
    """The T = 10^6 record: eta >= 100 reach log values of -41 to -321, below the floor."""
    from pathlib import Path

    import matplotlib.pyplot as plt
    import pandas as pd

    results = Path(__file__).parents[2] / "docs" / "results"
    runs = pd.read_csv(results / "sgb_any_stepsize_T1e6_runs.csv")
    curves = pd.read_csv(results / "sgb_any_stepsize_T1e6_curves.csv")
    figures = {}
    monkeypatch.setattr(analysis, "_save", lambda fig, path: figures.setdefault(path.name, fig))
    analysis.plot(runs, curves, tmp_path)
    fig = figures["sgb_log_subopt_bands.png"]
    try:
        by_eta = analysis._curves_by_eta(curves)
        etas = sorted(by_eta)
        assert etas == [1.0, 10.0, 100.0, 1000.0]
        floor = np.log(np.finfo(np.float64).eps)
        for ax, eta in zip(fig.axes, etas):
            lowest = by_eta[eta].loc[by_eta[eta]["name"].str.startswith("log_subopt"), "value"]
            reaches = bool((lowest < floor).any())
            assert reaches == (eta >= 100)
            label = ax.get_ylabel()
            assert ("drawn at it" in label) == reaches, (eta, label)
            dotted = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
            assert bool(dotted) == reaches
            # Nothing is drawn below the floor: the axis no longer spans -321.
            assert ax.get_ylim()[0] >= floor - 5
    finally:
        for figure in figures.values():
            plt.close(figure)

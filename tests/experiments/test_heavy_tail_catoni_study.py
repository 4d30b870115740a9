"""The heavy_tail_catoni study: the paper's regime, determinism, table, slopes, ratios, plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments.base import load_experiment
from rlsuite.experiments.heavy_tail_catoni import analysis, sweep
from rlsuite.experiments.runner import collect


def test_sweep_matches_the_issue() -> None:
    experiment = load_experiment("heavy_tail_catoni")
    settings = [params for _, params in experiment.settings()]
    assert {p["reward_range"] for p in settings} == {10.0, 100.0, 1000.0}
    assert {p["heteroscedastic"] for p in settings} == {False, True}
    assert all((p["dim"], p["n_arms"]) == (10, 20) for p in settings)
    assert all(p["horizon"] >= 10_000 and p["copies"] >= 10 for p in settings)
    assert all(p["beta_scale"] == 1.0 for p in settings)  # theoretical radii, nothing tuned
    assert set(experiment.agents()) == {
        "OFUL-trueR",
        "OFUL-sigma",
        "CatoniOFUL",
        "VACatoni",
        "HeavyOFUL",
    }
    # Same cumulative variance in both kinds of rounds: E sigma_t^2 of U[0.1, 1] = std^2.
    homo = next(p for p in settings if not p["heteroscedastic"])
    assert homo["noise_std"] ** 2 == pytest.approx(sweep.MEAN_VARIANCE)


def test_run_is_deterministic_and_agents_share_contexts() -> None:
    experiment = load_experiment("heavy_tail_catoni")
    params = dict(sweep.SMOKE_SETTINGS[1])
    first = experiment.run(params, "CatoniOFUL", 3)
    again = experiment.run(params, "CatoniOFUL", 3)
    other = experiment.run(params, "OFUL-trueR", 3)
    assert first.metrics == again.metrics
    # The env's draws do not depend on the actions: same uniform-play regret.
    assert other.metrics["random_regret"] == pytest.approx(first.metrics["random_regret"])
    assert first.curves["copy_regret"].mean() == pytest.approx(first.metrics["regret"])
    # Independent copies for the report: each copy's regret is its copy_regret value.
    assert first.metrics["n_copies"] == params["copies"]
    np.testing.assert_array_equal(first.curves["copy:regret"], first.curves["copy_regret"])
    assert first.curves["copy:random_regret"].mean() == pytest.approx(
        first.metrics["random_regret"]
    )
    assert np.all(np.diff(first.curves["cumulative_regret"]) >= 0)


def test_run_rejects_unknown_agents() -> None:
    with pytest.raises(ValueError, match="agent"):
        load_experiment("heavy_tail_catoni").run(dict(sweep.SMOKE_SETTINGS[0]), "UCB1", 0)


def test_slopes_recover_linear_and_logarithmic_growth() -> None:
    ranges = np.array([10.0, 100.0, 1000.0])
    rows = [
        {"agent": "linear", "heteroscedastic": False, "reward_range": r, "regret": 2.0 * r}
        for r in ranges
    ] + [
        {"agent": "log", "heteroscedastic": False, "reward_range": r, "regret": 5.0 * np.log(r)}
        for r in ranges
    ]
    fitted = analysis.slopes(pd.DataFrame(rows)).set_index("agent")
    assert fitted.loc["linear", "slope_per_R"] == pytest.approx(2.0)
    assert fitted.loc["log", "slope_per_logR"] == pytest.approx(5.0)


def test_smoke_sweep_table_ratios_score_and_plot(tmp_path) -> None:
    df, curves = collect("heavy_tail_catoni", "smoke")
    table = analysis.table(df, curves)
    assert "(uniform play)" in table.index and "±" in table.loc["CatoniOFUL"].iloc[0]
    ratio = analysis.ratios(df)
    assert (ratio.iloc[:, -1] > 0).all()
    assert analysis.score(df)["score"].between(0, 1).all()
    paths = analysis.plot(df, curves, tmp_path)
    assert len(paths) == 1 and paths[0].stat().st_size > 0


def _paired_frames(ratio: float, copies: int = 12, reward_range=100.0):
    rng = np.random.default_rng(0)
    base = rng.uniform(1000.0, 2000.0, copies)
    curves = pd.DataFrame(
        [
            {"setting": "s", "agent": agent, "curve": "copy_regret", "step": i, "value": value}
            for agent, values in (("OFUL-trueR", base), ("CatoniOFUL", ratio * base))
            for i, value in enumerate(values)
        ]
    )
    row = {"setting": "s", "heteroscedastic": False, "noise": "spike", "random_regret": 2850.0}
    if reward_range is not None:
        row["reward_range"] = reward_range
    df = pd.DataFrame([{**row, "agent": a, "regret": 1.0} for a in ("OFUL-trueR", "CatoniOFUL")])
    return df, curves


def test_ratio_interval_is_paired_over_copies() -> None:
    # Copy i of both agents shares its noise: a constant per-copy ratio has a zero-width interval.
    df, curves = _paired_frames(0.2)
    out = analysis.ratio_intervals(df, curves)
    assert len(out) == 1 and out["copies"].iloc[0] == 12
    assert out["ratio"].iloc[0] == pytest.approx(0.2)
    assert out["ci95_low"].iloc[0] == pytest.approx(0.2)
    assert out["ci95_high"].iloc[0] == pytest.approx(0.2)
    # Unpaired noise widens it around the ratio of the means.
    curves.loc[curves["agent"] == "CatoniOFUL", "value"] *= np.linspace(0.8, 1.2, 12)
    out = analysis.ratio_intervals(df, curves)
    assert out["ci95_low"].iloc[0] < out["ratio"].iloc[0] < out["ci95_high"].iloc[0]


def test_table_labels_noises_without_a_stated_range() -> None:
    # The 'outside' sweep's noises are unbounded: no reward_range column at all.
    df, curves = _paired_frames(0.5, reward_range=None)
    df["df"] = 3.0
    df["noise"] = "student_t"
    formatted = analysis.table(df, curves)
    assert ("homo", "student_t df=3") in formatted.columns
    assert analysis.slopes(df).empty
    assert analysis.ratio_intervals(df, curves)["R"].iloc[0] == "student_t df=3"


def test_long_run_checkpoints_are_the_shorter_runs_and_give_ratios_against_t() -> None:
    experiment = load_experiment("heavy_tail_catoni")
    short = {**sweep.SMOKE_SETTINGS[1], "horizon": 1_000}
    long = {**short, "horizon": 1_200}
    rows, curve_rows = [], []
    for agent in ("CatoniOFUL", "OFUL-trueR"):
        first = experiment.run(short, agent, 0)
        longer = experiment.run(long, agent, 0)
        # The env's draws do not depend on the horizon: the first 1000 rounds are the short run.
        np.testing.assert_allclose(longer.curves["copy_regret_t1000"], first.curves["copy_regret"])
        assert longer.metrics["regret_t1000"] == pytest.approx(first.metrics["regret"])
        assert "regret_t1000" not in first.metrics  # only checkpoints before the horizon
        rows.append({"setting": "s", "agent": agent, **long, **longer.metrics})
        for name in ("copy_regret", "copy_regret_t1000"):
            for copy, value in enumerate(longer.curves[name]):
                curve_rows.append(
                    {"setting": "s", "agent": agent, "curve": name, "step": copy, "value": value}
                )
    df, curves = pd.DataFrame(rows), pd.DataFrame(curve_rows)
    against_t = analysis.ratio_against_t(df, curves)
    assert list(against_t["t"]) == [1_000, 1_200]
    regret = df.set_index("agent")
    assert against_t["ratio"].iloc[0] == pytest.approx(
        regret.loc["CatoniOFUL", "regret_t1000"] / regret.loc["OFUL-trueR", "regret_t1000"]
    )
    table = analysis.tables(df)
    (title,) = [t for t in table if "after t rounds" in t]
    assert list(table[title].columns) == ["t=1,000", "t=1,200"]
    assert table[title].iloc[0, 0] == pytest.approx(against_t["ratio"].iloc[0], abs=1e-4)


def test_radius_diagnostic_switches_off_only_the_covering_term() -> None:
    from rlsuite.experiments.heavy_tail_catoni import radius_diagnostic

    params = {**sweep.SMOKE_SETTINGS[0], "copies": 3}
    for kwargs, with_cover in (({}, True), ({"reward_range": 1e-12}, False)):
        agent, regret = radius_diagnostic.play(params, "CatoniOFUL", kwargs, 50)
        assert regret.shape == (3,)
        stated = agent.stated_range if agent.reward_range is None else agent.reward_range
        cover = agent.dim * np.log1p(2.0 * agent.theta_norm * stated * agent.t)
        under_root = np.square(agent.radius() - np.sqrt(agent.lam) * agent.theta_norm)
        # beta^2 = self-normalised part + covering part; the diagnostic removes the latter.
        np.testing.assert_allclose(under_root, radius_diagnostic._self_normalised(agent) + cover)
        assert np.all(cover > 10.0) if with_cover else np.all(cover < 1e-6)

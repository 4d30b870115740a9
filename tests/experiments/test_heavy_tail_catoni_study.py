"""The heavy_tail_catoni study: interface, determinism, robustness score, table and plots."""

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
    assert {p["df"] for p in settings} == {None, 3.0, 2.1, 1.02}
    assert all((p["dim"], p["n_arms"], p["horizon"]) == (10, 20, 20_000) for p in settings)
    assert set(experiment.agents()) == {"OFUL", "CatoniOFUL", "VACatoni", "HeavyOFUL"}
    assert experiment.num_seeds() == 10


def test_run_is_deterministic_and_agents_share_contexts() -> None:
    experiment = load_experiment("heavy_tail_catoni")
    params = dict(sweep.SMOKE_SETTINGS[1])
    first = experiment.run(params, "CatoniOFUL", 3)
    again = experiment.run(params, "CatoniOFUL", 3)
    other = experiment.run(params, "CatoniOFUL-alpha10", 3)
    assert first.metrics == again.metrics
    # The env's draws do not depend on the actions: same uniform-play regret.
    assert other.metrics["random_regret"] == pytest.approx(first.metrics["random_regret"])
    curve = first.curves["cumulative_regret"]
    assert np.all(np.diff(curve) >= 0) and curve[-1] == pytest.approx(first.metrics["regret"])


def test_run_rejects_unknown_agents() -> None:
    experiment = load_experiment("heavy_tail_catoni")
    params = dict(sweep.SMOKE_SETTINGS[0])
    with pytest.raises(ValueError, match="agent"):
        experiment.run(params, "UCB1", 0)


def _synthetic(regrets: dict[str, list[float]]) -> pd.DataFrame:
    labels = analysis.NOISE_ORDER
    rows = [
        {"agent": agent, "noise_label": label, "regret": regret, "random_regret": 100.0}
        for agent, values in regrets.items()
        for label, regret in zip(labels, values)
    ]
    return pd.DataFrame(rows)


def test_robustness_score_measures_degradation() -> None:
    df = _synthetic(
        {
            "steady": [20.0, 20.0, 20.0, 20.0],  # no degradation
            "fragile": [20.0, 100.0, 120.0, 150.0],  # random play under heavy tails
            "half": [20.0, 60.0, 60.0, 60.0],  # keeps half its Gaussian performance
            "never": [100.0, 100.0, 100.0, 100.0],  # never learns
        }
    )
    scores = analysis.score(df).set_index("agent")["score"]
    assert scores["steady"] == pytest.approx(1.0)
    assert scores["fragile"] == pytest.approx(0.0)
    assert scores["half"] == pytest.approx(0.5)
    assert scores["never"] == pytest.approx(0.0)


def test_smoke_sweep_table_score_and_plots(tmp_path) -> None:
    df, curves = collect("heavy_tail_catoni", "smoke", seeds=1)
    table = analysis.table(df)
    assert "(uniform play)" in table.index and "±" in table.iloc[0, 0]
    assert analysis.score(df)["score"].between(0, 1).all()
    paths = analysis.plot(df, curves, tmp_path)
    assert len(paths) == 2 and all(path.stat().st_size > 0 for path in paths)

"""The bcmax_inlining study follows the experiment interface and is deterministic."""

from __future__ import annotations

import pandas as pd

from rlsuite.experiments.base import load_experiment


def test_quick_runs_score_and_plot(tmp_path):
    experiment = load_experiment("bcmax_inlining")
    params = {"n_train": 10, "n_test": 12, "epochs": 2}
    rows = []
    for agent in ("single_caller", "BCMax"):
        result = experiment.run(params, agent, 0)
        if agent == "single_caller":  # the oracle takes the best baseline per module
            assert result.metrics["oracle_pct"] >= result.metrics["size_reduction_pct"]
        rows.append({"agent": agent, "seed": 0, **result.metrics})
    again = experiment.run(params, "single_caller", 0)
    assert again.metrics == pd.Series(rows[0]).drop(["agent", "seed"]).to_dict()
    df = pd.DataFrame(rows)
    scores = experiment.analysis.score(df)
    assert scores["score"].between(0, 1).all()
    paths = experiment.analysis.plot(df, pd.DataFrame(), tmp_path)
    assert all(p.suffix == ".png" and p.exists() for p in paths)
    assert experiment.settings(quick=True) and "BCMax" in experiment.agents()

import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments.base import load_experiment
from rlsuite.experiments.preference_design.run import regularized_optimum

PARAMS = {
    "reward_range": 4.0,
    "n_pairs": 300,
    "beta": 0.3,
    "sampling": "censored",
    "n_contexts": 6,
    "n_responses": 8,
    "n_steps": 100,
    "lr": 0.1,
}


def test_sweep_matches_the_issue_grid():
    exp = load_experiment("preference_design")
    params = [p for _, p in exp.settings()]
    assert {p["reward_range"] for p in params} == {1.0, 4.0, 16.0}
    assert {p["n_pairs"] for p in params} == {100, 1000, 10000}
    assert {(p["n_contexts"], p["n_responses"]) for p in params} == {(20, 16)}
    assert len(exp.agents()) == 9 and exp.settings(quick=True)


def test_run_is_deterministic_and_metrics_are_consistent():
    exp = load_experiment("preference_design")
    first = exp.run(PARAMS, "dpo/reference", 0).metrics
    assert first == exp.run(PARAMS, "dpo/reference", 0).metrics
    assert first["kl"] >= 0 and 0 <= first["unsampled_mass"] <= 1
    assert first["unsampled_mass_ref"] > 0  # censored mu hides 2 of 8 responses
    assert first["normalized_reward"] > 0  # learning from clean-ish pairs beats pi_ref
    assert first["coverage"] <= 0.75 + 1e-9


def test_regularized_optimum_is_the_gibbs_policy():
    ref = np.array([[0.5, 0.25, 0.25]])
    r = np.array([[0.0, 1.0, 2.0]])
    probs = regularized_optimum(ref, r, beta=1.0)
    expected = ref * np.exp(r)
    np.testing.assert_allclose(probs, expected / expected.sum())


def test_analysis_scores_in_unit_interval_and_writes_pngs(tmp_path):
    exp = load_experiment("preference_design")
    rows = []
    for agent in ("dpo/reference", "ipo/reference"):
        for r in (1.0, 4.0):
            params = {**PARAMS, "reward_range": r}
            metrics = exp.run(params, agent, 1).metrics
            rows.append({"setting": f"s{r}", "agent": agent, "seed": 1, **params, **metrics})
    df = pd.DataFrame(rows)
    scores = exp.analysis.score(df)
    assert scores["score"].between(0, 1).all()
    gap = exp.analysis.dpo_ipo_gap(df)
    assert list(gap["reward_range"]) == [1.0, 4.0]
    paths = exp.analysis.plot(df, pd.DataFrame(), tmp_path)
    assert paths and all(p.exists() and p.stat().st_size > 0 for p in paths)


def test_unknown_agent_raises():
    exp = load_experiment("preference_design")
    with pytest.raises(ValueError, match="loss"):
        exp.run(PARAMS, "kto/reference", 0)

"""The data_mixture study: the paper's headline ordering, determinism, analysis output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments.base import RunResult, load_experiment
from rlsuite.experiments.data_mixture import analysis, sweep
from rlsuite.experiments.data_mixture.run import run

#: The full study's n = 10 setting, so seed 0 here is seed 0 of the study.
HEADLINE = dict(sweep.SETTINGS[1])


@pytest.fixture(scope="module")
def headline_runs() -> dict[str, RunResult]:
    assert HEADLINE["n_train"] == 10
    return {agent: run(HEADLINE, agent, seed=0) for agent in ("linear", "linear_mde", "mde")}


def test_mde_features_rescue_linear_regression_at_ten_mixtures(headline_runs) -> None:
    # Issue 8.3's test. Over seeds 0-9 of the full study the gap was > 0.34
    # and rho(MDE) > 0.95 at every seed; seed 0 has gap 0.75, rho(MDE) 0.98.
    rho = {agent: result.metrics["spearman"] for agent, result in headline_runs.items()}
    assert rho["linear_mde"] - rho["linear"] > 0.3
    assert rho["mde"] > 0.8


def test_mde_mixture_beats_uniform_and_linear_choice(headline_runs) -> None:
    # Improvement ~0.03 nats at every seed of the study vs ~0.005 nats of
    # run-to-run noise (8 runs each); linear on lambda picks a vertex.
    mde = headline_runs["mde"].metrics
    assert mde["chosen_loss"] < mde["uniform_loss"] - 0.01
    assert mde["chosen_loss"] < headline_runs["linear"].metrics["chosen_loss"]


def test_run_is_deterministic_and_paired_across_agents() -> None:
    params = {**sweep.ENV_KWARGS, "n_heldout": 20, "n_candidates": 64, "n_eval_runs": 1}
    params["n_train"] = 6
    first = run(params, "linear_mde", seed=3)
    second = run(params, "linear_mde", seed=3)
    other = run(params, "linear", seed=3)
    assert first.metrics == second.metrics
    np.testing.assert_array_equal(
        first.curves["heldout_true_loss"], other.curves["heldout_true_loss"]
    )
    assert first.metrics["uniform_loss"] == other.metrics["uniform_loss"]
    assert first.metrics["training_runs"] == 6 + 4 and other.metrics["training_runs"] == 6


def test_unknown_agent_raises() -> None:
    with pytest.raises(ValueError, match="agent"):
        run(HEADLINE, "cubic", seed=0)


def test_study_is_discoverable_and_its_sweep_is_the_issues() -> None:
    exp = load_experiment("data_mixture")
    assert [p["n_train"] for _, p in exp.settings()] == [6, 10, 25]
    assert all(p["n_heldout"] == 90 for _, p in exp.settings())
    assert set(exp.agents()) == {"linear", "linear_mde", "mde", "gbm"}


def test_score_and_plots(headline_runs, tmp_path) -> None:
    rows, curves = [], []
    for agent, result in headline_runs.items():
        key = {"experiment": "data_mixture", "setting": "data_mixture/1", "agent": agent}
        rows.append({**key, "seed": 0, "n_train": 10, **result.metrics})
        for name, values in result.curves.items():
            curves += [
                {**key, "seed": 0, "curve": name, "step": i + 1, "value": v}
                for i, v in enumerate(values)
            ]
    df, curves_df = pd.DataFrame(rows), pd.DataFrame(curves)
    scores = analysis.score(df).set_index("agent")["score"]
    assert scores.between(0.0, 1.0).all() and scores["mde"] > scores["linear"]
    paths = analysis.plot(df, curves_df, tmp_path)
    assert len(paths) == 3 and all(p.suffix == ".png" and p.stat().st_size > 0 for p in paths)

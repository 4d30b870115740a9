import math

import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments.base import load_experiment


@pytest.fixture(scope="module")
def experiment():
    return load_experiment("process_rewards")


def test_sweep_covers_the_issue_grid(experiment):
    rl = [p for _, p in experiment.settings() if p["study"] == "rl"]
    assert sorted({(p["gamma"], p["alpha"]) for p in rl}) == sorted(
        (g, a) for g in (1.0, 3.0, 10.0, 30.0, 100.0) for a in (0.5, 1.0)
    )
    assert all(p["iterations"] == 300 for p in rl)
    ppo = [p for _, p in experiment.settings() if p["study"] == "ppo"]
    assert sorted(p["process_reward"] for p in ppo) == ["advantage", "reward"]
    assert experiment.agents() == ("pav", "outcome")


def _run_all(experiment, settings):
    rows, curve_rows = [], []
    for setting, params in settings:
        for agent in experiment.agents(quick=True):
            result = experiment.run(params, agent, 0)
            keys = {"experiment": "process_rewards", "setting": setting, "agent": agent, "seed": 0}
            rows.append({**keys, **params, **result.metrics})
            for name, values in result.curves.items():
                steps = result.curve_steps[name]
                curve_rows += [
                    {**keys, "curve": name, "step": s, "value": v} for s, v in zip(steps, values)
                ]
    return pd.DataFrame(rows), pd.DataFrame(curve_rows)


def test_quick_sweep_runs_scores_and_plots(experiment, tmp_path):
    df, curves = _run_all(experiment, experiment.settings(quick=True))
    rl = df[df["study"] == "rl"].set_index("agent")
    assert rl.loc["pav", "final_success"] > 0.5 > 0.01 > rl.loc["outcome", "final_success"]
    scores = experiment.analysis.score(df).set_index("agent")["score"]
    assert ((scores >= 0) & (scores <= 1)).all() and scores["pav"] > scores["outcome"]
    paths = experiment.analysis.plot(df, curves, tmp_path)
    assert {p.name for p in paths} >= {"process_rewards_rl_curves.png", "process_rewards_beam.png"}
    assert all(p.stat().st_size > 0 for p in paths)
    assert not list(tmp_path.glob("*.tmp.png"))


def test_runs_are_deterministic(experiment):
    params = dict(experiment.settings(quick=True)[0][1])
    a, b = experiment.run(params, "pav", 1), experiment.run(params, "pav", 1)
    np.testing.assert_array_equal(a.curves["success"], b.curves["success"])


@pytest.mark.parametrize("process_reward", ["reward", "advantage"])
def test_ppo_path_runs_on_a_tiny_budget(experiment, process_reward):
    params = {
        "study": "ppo",
        "process_reward": process_reward,
        "gamma": 10.0,
        "alpha": 1.0,
        "total_timesteps": 2048,
        "eval_episodes": 50,
    }
    result = experiment.run(params, "pav", 0)
    assert 0.0 <= result.metrics["final_success"] <= 1.0
    assert not math.isnan(result.metrics["train_success"])


@pytest.mark.parametrize(
    "params, agent",
    [
        ({"study": "rl"}, "ppo"),
        ({"study": "search"}, "pav"),
        ({}, "pav"),
        ({"study": "ppo", "process_reward": "value", "gamma": 10.0, "alpha": 1.0}, "pav"),
    ],
)
def test_invalid_params_raise(experiment, params, agent):
    with pytest.raises(ValueError):
        experiment.run(params, agent, 0)

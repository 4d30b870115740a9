import math

import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments.base import load_experiment


@pytest.fixture(scope="module")
def experiment():
    return load_experiment("process_rewards")


def test_sweep_starts_from_a_base_policy_with_small_nonzero_success(experiment):
    from rlsuite.agents.process.values import GammaProver, success_probability

    rl = [p for _, p in experiment.settings() if p["study"] == "rl"]
    target = np.array([3, 1, 4, 1, 5])
    for base in {p["base_gamma"] for p in rl}:
        probs = GammaProver(base).action_probs(target, 15)
        assert 0.005 <= success_probability(target, 15, 10, probs) <= 0.05
    agents = experiment.agents()
    assert "outcome" in agents and {"bok_1", "bok_4", "gamma_2"} <= set(agents)


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


def test_quick_sweep_runs_scores_claims_and_plots(experiment, tmp_path):
    df, curves = _run_all(experiment, experiment.settings(quick=True))
    rl = df[df["study"] == "rl"].set_index("agent")
    # Outcome RL learns from the 0.6 % base policy; a strong prover learns faster.
    assert 0.005 < rl.loc["outcome", "base_success"] < 0.01
    assert rl.loc["outcome", "final_success"] > 0.1
    assert rl.loc["gamma_100", "iterations_to_0.5"] < rl.loc["outcome", "iterations_to_0.5"]
    scores = experiment.analysis.score(df).set_index("agent")["score"]
    assert ((scores >= 0) & (scores <= 1)).all()
    claims = experiment.analysis.summary_tables(df)["claims"]
    assert set(claims["reproduced"]) <= {"yes", "partly", "no"} and len(claims) >= 4
    paths = experiment.analysis.plot(df, curves, tmp_path)
    assert {p.name for p in paths} >= {"process_rewards_rl_curves.png", "process_rewards_beam.png"}
    assert all(p.stat().st_size > 0 for p in paths)
    assert not list(tmp_path.glob("*.tmp.png"))


def test_runs_are_deterministic(experiment):
    params = dict(experiment.settings(quick=True)[0][1])
    a, b = experiment.run(params, "bok_4", 1), experiment.run(params, "bok_4", 1)
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
        ({"study": "rl", "base_gamma": 5.0}, "ppo"),
        ({"study": "rl", "base_gamma": 5.0}, "bok_2.5"),
        ({"study": "rl", "base_gamma": 5.0}, "gamma_0.5"),
        ({"study": "search"}, "pav"),
        ({}, "pav"),
        ({"study": "ppo", "process_reward": "value", "gamma": 10.0, "alpha": 1.0}, "pav"),
    ],
)
def test_invalid_params_raise(experiment, params, agent):
    with pytest.raises(ValueError):
        experiment.run(params, agent, 0)

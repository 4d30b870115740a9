import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments.base import load_experiment
from rlsuite.experiments.rm_distillation.run import make_biased_problem
from rlsuite.experiments.rm_distillation.sweep import SWEEPS

PARAMS = {**SWEEPS["smoke"]["settings"][0], "n_steps": 400, "log_every": 100}


@pytest.mark.parametrize("bias", [0.5, 0.8, 1.0])
def test_pair_selection_sets_the_length_bias_and_keeps_the_problem(bias):
    problem = make_biased_problem(seed=3, bias=bias, n_pairs=100)
    data, length = problem.dataset, problem.features[0, :, 0]
    longer_won = np.mean(length[data.chosen] > length[data.rejected])
    assert longer_won == pytest.approx(bias)
    unbiased = make_biased_problem(seed=3, bias=0.5, n_pairs=100)
    # Same responses and oracle at every bias: only the kept pairs change.
    np.testing.assert_array_equal(problem.features, unbiased.features)
    np.testing.assert_array_equal(problem.oracle_reward, unbiased.oracle_reward)


def test_labels_follow_the_oracle_through_bradley_terry():
    # Unbiased selection: winners' oracle reward exceeds losers' in about
    # E[sigmoid(|gap|)] of pairs; with 2000 pairs the binomial sd is ~0.01.
    problem = make_biased_problem(seed=0, bias=0.5, n_pairs=2000)
    data, r = problem.dataset, problem.oracle_reward[0]
    gaps = r[data.chosen] - r[data.rejected]
    expected = np.mean(1.0 / (1.0 + np.exp(-np.abs(gaps))))
    assert np.mean(gaps > 0) == pytest.approx(expected, abs=0.04)


def test_bad_bias_raises():
    with pytest.raises(ValueError, match="bias"):
        make_biased_problem(seed=0, bias=1.5)


def test_dpo_degenerates_under_full_bias_and_pessimism_does_not():
    exp = load_experiment("rm_distillation")
    dpo = exp.run(PARAMS, "dpo", 0).metrics
    pess = exp.run(PARAMS, "pessimistic", 0).metrics
    # Separable along length: DPO's margin still grows after step 200 and the
    # length slope of its implicit reward is far above the reward model's.
    assert dpo["margin_final"] > 1.2 * dpo["margin_early"]
    assert pess["margin_final"] == pytest.approx(pess["margin_early"], rel=0.02)
    assert dpo["length_weight"] > 2 * pess["length_weight"] > 0
    assert 0.0 <= pess["oracle_reward"] <= 1.0


def test_pessimistic_reward_is_the_family_member_closest_to_the_reference():
    from rlsuite.agents.preference.pessimistic_distilled_po import pessimistic_reward

    # Two members: one flat (its optimal policy is pi_ref), one peaked. The
    # max-min picks the flat one, whose forward KL to pi_ref is 0.
    rewards = np.array([[[0.0, 0.0, 0.0]], [[3.0, 0.0, -3.0]]])
    ref = np.full((1, 3), 1 / 3)
    reward, weights = pessimistic_reward(rewards, ref, 0.5, np.array([1.0]))
    np.testing.assert_allclose(weights, [1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(reward, 0.0, atol=1e-5)


def test_analysis_scores_claims_and_pngs(tmp_path):
    exp = load_experiment("rm_distillation")
    rows, curves = [], []
    for bias in (0.5, 1.0):
        for agent in ("dpo", "distill"):
            for seed in range(3):
                params = {**PARAMS, "bias": bias, "n_steps": 250}
                result = exp.run(params, agent, seed)
                setting = f"s{bias}"
                rows.append({"setting": setting, "agent": agent, "seed": seed, **params})
                rows[-1].update(result.metrics)
                for name, values in result.curves.items():
                    for step, value in zip(result.curve_steps[name], values):
                        curves.append(
                            {"setting": setting, "agent": agent, "seed": seed, "curve": name}
                            | {"step": step, "value": value}
                        )
    df = pd.DataFrame(rows)
    scores = exp.analysis.score(df).set_index("agent")["score"]
    assert scores.between(0, 1).all()
    claims = exp.analysis.summary_tables(df)["claims"]
    assert set(claims["reproduced"]) <= {"yes", "no", "partly"}
    assert claims["claim"].str.contains("DPO's oracle reward falls").any()
    stability = exp.analysis.metrics(df).set_index("agent")["value"]
    assert stability.between(0, 1).all()
    paths = exp.analysis.plot(df, pd.DataFrame(curves), tmp_path)
    assert len(paths) == 2 and all(p.stat().st_size > 0 for p in paths)


def test_unknown_agent_raises():
    exp = load_experiment("rm_distillation")
    with pytest.raises(ValueError, match="agent"):
        exp.run(PARAMS, "kto", 0)

import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments.base import load_experiment
from rlsuite.experiments.heavy_tail_mab import analysis, run

SETTING = {"n_arms": 5, "base_mean": 0.5, "scale": 1.0, "gap": 0.5, "horizon": 600}
T3 = {**SETTING, "noise": "student_t", "df": 3.0}
T15 = {**SETTING, "noise": "student_t", "df": 1.5}


def test_study_is_loadable_and_quick_covers_two_tail_indices():
    study = load_experiment("heavy_tail_mab")
    quick = study.settings(quick=True)
    assert sorted(p["df"] for _, p in quick) == [1.5, 3.0]
    assert len({p["gap"] for _, p in quick}) == 1
    assert "PPO" in study.agents(quick=True) and "Random" in study.agents()
    with pytest.raises(ValueError, match="agent='UCB2'"):
        run.run(T15, "UCB2", 0)


def test_runs_are_deterministic_and_report_regret():
    first = run.run(T15, "ThompsonSampling", 3)
    second = run.run(T15, "ThompsonSampling", 3)
    assert first.metrics == second.metrics
    np.testing.assert_array_equal(
        first.curves["cumulative_regret"], second.curves["cumulative_regret"]
    )
    steps = first.curve_steps["cumulative_regret"]
    assert steps[-1] == 600 and np.all(np.diff(first.curves["cumulative_regret"]) >= 0)
    assert first.curves["cumulative_regret"][-1] == first.metrics["regret"]


def test_best_arm_moves_with_the_seed():
    positions = {int(np.argmax(run.arm_means(T3, seed))) for seed in range(20)}
    assert len(positions) > 1


def test_ucb1_beats_random_and_scores_are_bsuite_style():
    rows = []
    for agent in ("Random", "UCB1"):
        for seed in range(3):
            rows.append({**T3, "agent": agent, "seed": seed, **run.run(T3, agent, seed).metrics})
    df = pd.DataFrame(rows)
    regret = df.groupby("agent")["regret"].mean()
    # Uniform play has expected regret 600 * 0.5 * 4/5 = 240 (s.d. ~5 over 600
    # rounds); UCB1 concentrates on the best arm well before T.
    assert regret["Random"] == pytest.approx(240, rel=0.1)
    assert regret["UCB1"] < 0.5 * regret["Random"]
    scores = analysis.score(df).set_index("agent")["score"]
    assert scores.between(0.0, 1.0).all()
    assert scores["Random"] < 0.1 < 0.5 < scores["UCB1"]


def test_robust_agents_get_moment_bounds_that_exist():
    means = run.arm_means(T15, 0)
    name, kwargs = run.agent_spec("RobustUCB-truncated", T15, means)
    assert name == "RobustUCB" and kwargs["epsilon"] == pytest.approx(0.25)
    # Monte Carlo check that u bounds E|X|^{1.25} for the best arm's rewards.
    draws = means.max() + np.random.default_rng(0).standard_t(1.5, 400_000)
    assert np.mean(np.abs(draws) ** 1.25) < kwargs["u"]
    assert run.agent_spec("RobustUCB-catoni", T3, means)[1]["u"] == pytest.approx(3.0)
    with pytest.raises(ValueError, match="agent='SARSA'"):
        run.run(T3, "SARSA", 0)


def test_ppo_trains_on_the_one_step_env():
    pytest.importorskip("stable_baselines3")
    result = run.run({**T3, "horizon": 256}, "PPO", 0)
    assert result.curve_steps["cumulative_regret"][-1] == 256
    # Every suboptimal arm is exactly gap = 0.5 below the best, so the regret is 0.5 per
    # suboptimal round: the regret, the optimal fraction and the curve must agree on the
    # first 256 rounds (SB3 steps past the horizon; those rounds must be dropped).
    metrics = result.metrics
    assert metrics["regret"] == pytest.approx(0.5 * 256 * (1.0 - metrics["optimal_fraction"]))
    assert result.curves["cumulative_regret"][-1] == pytest.approx(metrics["regret"])
    assert np.all(np.diff(result.curves["cumulative_regret"]) >= 0.0)
    assert metrics["simple_regret"] in (0.0, 0.5)


def test_truncated_robust_ucb_width_exceeds_every_gap_within_the_horizon() -> None:
    """Why RobustUCB-truncated plays near-uniformly: its index cannot separate the arms."""
    from rlsuite.experiments.heavy_tail_mab import analysis as mab_analysis

    widths = mab_analysis.truncated_widths()
    assert (widths["width_at_T_over_K"] > widths["gap"]).all()
    assert (widths["best_width"] > widths["gap"]).all()  # no valid epsilon rescues it
    assert (widths["pulls_for_half_gap"] > 10_000 / 5).all()

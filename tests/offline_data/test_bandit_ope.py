"""Logged bandit feedback (OBP schema) in Minari and the IPS / SNIPS / DM / DR estimators."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlsuite.envs  # noqa: F401
from rlsuite.agents.bandits.random_agent import RandomAgent
from rlsuite.offline_data import load_bandit_feedback, log_bandit, ope, policy_action_dist

N_ARMS, DIM = 4, 3
LCB = "rlsuite/LinearContextualBandit-v0"


@pytest.fixture(autouse=True)
def datasets_path(tmp_path, monkeypatch):
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "datasets"))


def test_log_round_trip_and_schema(softmax_logging):
    fb = log_bandit(
        LCB,
        softmax_logging,
        250,
        "rlsuite/lcb/log-v0",
        seed=1,
        env_kwargs={"n_arms": N_ARMS, "dim": DIM},
        num_envs=100,
        rounds_per_episode=90,
    )
    assert fb.context.shape == (250, N_ARMS, DIM) and fb.action_dist.shape == (250, N_ARMS)
    rows = np.arange(250)
    np.testing.assert_array_equal(fb.pscore, fb.action_dist[rows, fb.action])
    np.testing.assert_allclose(fb.action_dist, softmax_logging(fb.context), rtol=1e-6)
    theta = np.full(DIM, 1 / np.sqrt(DIM))  # the env's default theta
    np.testing.assert_allclose(fb.expected_reward, fb.context @ theta, rtol=1e-5)
    back = load_bandit_feedback("rlsuite/lcb/log-v0")
    for key in ("context", "action", "reward", "pscore", "action_dist", "expected_reward"):
        np.testing.assert_array_equal(getattr(back, key), getattr(fb, key))
    import minari

    assert minari.load_dataset("rlsuite/lcb/log-v0").total_episodes == 3  # 90 + 90 + 70


def test_single_env_and_bandit_agent_logging_policy():
    env = gym.make("rlsuite/MultiArmedBandit-v1", n_arms=3)
    fb = log_bandit(env, RandomAgent(3), 60, seed=0)
    np.testing.assert_allclose(fb.pscore, 1 / 3)
    assert set(np.unique(fb.action)) == {0, 1, 2}
    assert np.all(fb.expected_reward == fb.expected_reward[0])  # fixed means across rounds


def test_invalid_logging_policies_raise(softmax_logging):
    with pytest.raises(ValueError, match="sum to 1"):
        log_bandit(LCB, lambda obs: np.full((len(obs), 20), 0.5), 10)
    with pytest.raises(ValueError, match="logging_policy"):
        log_bandit(LCB, 3, 10)
    with pytest.raises(ValueError, match="n_rounds"):
        log_bandit(LCB, softmax_logging, 0)


def test_ips_and_dr_are_unbiased_over_repeated_logs(softmax_logging, near_greedy_target):
    n_logs, n_rounds = 150, 200
    errors = {"IPS": [], "DR": [], "SNIPS": []}
    covered = {"IPS": 0, "DR": 0}
    for seed in range(n_logs):
        fb = log_bandit(
            LCB,
            softmax_logging,
            n_rounds,
            seed=seed,
            num_envs=n_rounds,
            env_kwargs={"n_arms": N_ARMS, "dim": DIM},
        )
        target = policy_action_dist(near_greedy_target, fb.context)
        truth = fb.policy_value(target)
        for name in errors:
            result = ope.ESTIMATORS[name](fb, target)
            errors[name].append(result.estimate - truth)
            if name in covered:
                covered[name] += result.lower <= truth <= result.upper
    for name in ("IPS", "DR"):
        err = np.asarray(errors[name])
        # Unbiased: the mean error over independent logs is within 3.5 standard errors of 0
        # (a false alarm has probability < 1e-3).
        assert abs(err.mean()) < 3.5 * err.std(ddof=1) / np.sqrt(n_logs), name
        # A biased estimator would fail: the logger's own value is far from the target's.
        assert covered[name] / n_logs > 0.85, name  # nominal 95% normal intervals
    assert np.std(errors["DR"]) < np.std(errors["IPS"])  # the reward model cuts variance
    assert abs(np.mean(errors["SNIPS"])) < 0.05


def test_ope_on_wrong_policy_is_detected_and_bad_shapes_raise(softmax_logging):
    fb = log_bandit(LCB, softmax_logging, 5000, seed=7, env_kwargs={"n_arms": N_ARMS, "dim": DIM})

    def worst_arm(obs: np.ndarray) -> np.ndarray:  # the logger's least favourite arm
        return np.eye(N_ARMS)[obs.sum(axis=-1).argmin(axis=1)]

    target = policy_action_dist(worst_arm, fb.context)
    results = ope.estimate_all(fb, target)
    logging_value = fb.policy_value(fb.action_dist)
    truth = fb.policy_value(target)
    assert abs(truth - logging_value) > 0.1
    for name, result in results.items():
        assert result.lower < truth < result.upper or name == "DM", name
        assert not result.lower < logging_value < result.upper, name
    with pytest.raises(ValueError, match="action_dist"):
        ope.ips(fb, target[:, :2])
    with pytest.raises(ValueError, match="alpha"):
        ope.ips(fb, target, alpha=1.5)

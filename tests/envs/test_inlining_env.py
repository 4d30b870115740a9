"""rlsuite/Inlining-v0: checkers, determinism, the documented size model, family/heuristic fit."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import rlsuite.envs  # noqa: F401
from rlsuite.agents.offline.inlining_heuristics import inlining_baselines
from rlsuite.envs.inlining import FAMILIES, InliningEnv, Module


def play(env, policy, seed=None, options=None):
    obs, _ = env.reset(seed=seed, options=options)
    rewards, done = [], False
    while not done:
        obs, reward, terminated, truncated, info = env.step(policy(obs))
        rewards.append(reward)
        done = terminated or truncated
    return rewards, info


def test_checkers_and_determinism():
    check_env(gym.make("rlsuite/Inlining-v0").unwrapped, skip_render_check=True)
    sb3_check_env(gym.make("rlsuite/Inlining-v0"))
    env = gym.make("rlsuite/Inlining-v0")
    a, _ = env.reset(seed=5)
    first = play(env, lambda o: int(o[1] < 6), seed=5)
    b, _ = env.reset(seed=5)
    np.testing.assert_array_equal(a, b)
    assert play(env, lambda o: int(o[1] < 6), seed=5)[0] == first[0]


def two_callers_module(n_args=1, n_const=0):
    # f0 exported (base 20) calls local f1 (base 4) twice.
    return Module(
        "hand",
        np.array([20, 4]),
        np.array([False, True]),
        [(0, 1, n_args, n_const, False), (0, 1, n_args, n_const, False)],
    )


@pytest.mark.parametrize(
    ("decisions", "size"),
    [
        ((0, 0), 20 + 2 * 2 + 4 + 2 * 3),  # no inlining: 34
        ((1, 1), 20 + 4 + 4 + 3),  # both copies inlined, f1 deleted: 31
        ((1, 0), 20 + 4 + 2 + 3 + 4 + 3),  # one copy inlined, f1 still called: 36
    ],
)
def test_size_model_by_hand(decisions, size):
    env = InliningEnv()
    it = iter(decisions)
    rewards, info = play(env, lambda o: next(it), options={"module": two_callers_module()})
    assert info["size_no_inline"] == 34 and info["size"] == size
    assert rewards[:-1] == [0.0] * (len(rewards) - 1)
    assert rewards[-1] == pytest.approx((34 - size) / 34) and isinstance(rewards[-1], float)


def test_constant_arguments_fold_the_inlined_body():
    # 3 constant args fold 75% of a 4-instruction body: inlined copies cost 1 each.
    env = InliningEnv()
    _, info = play(env, lambda o: 1, options={"module": two_callers_module(3, 3)})
    assert info["size"] == 20 + 1 + 1 + 3


def test_observation_features():
    env = InliningEnv()
    obs, _ = env.reset(options={"module": two_callers_module(2, 1)})
    assert obs.dtype == np.float32 and obs in env.observation_space
    # caller 20 + two calls of cost 3; callee 4; two users; local
    assert obs[:4].tolist() == [26.0, 4.0, 2.0, 1.0]
    obs, *_ = env.step(1)
    assert obs[0] == 26 - 3 + 4 - 1 and obs[2] == 1  # one call replaced by the folded body


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="families"):
        InliningEnv(families=("huge",))
    with pytest.raises(ValueError, match="n_functions"):
        InliningEnv(n_functions=(2, 3))
    env = InliningEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.step(2)


def test_each_family_has_its_own_best_heuristic():
    """The premise of BC-Max: no baseline is best everywhere."""
    expected = {"helpers": "cost_threshold", "single": "single_caller", "const": "size_greedy"}
    for family, winner in expected.items():
        env = InliningEnv(families=(family,))
        means = {}
        for name, heuristic in inlining_baselines().items():
            means[name] = np.mean(
                [play(env, lambda o, h=heuristic: h(o, None), seed=s)[0][-1] for s in range(15)]
            )
        # Gaps are >= 5 points of size reduction against per-module sds of ~3 points.
        assert max(means, key=means.get) == winner, (family, means)
    assert set(expected) < set(FAMILIES)

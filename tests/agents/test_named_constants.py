"""Named numerical constants (preference learners, MLPPolicy, collect) are the ones used."""

import importlib

import numpy as np
import pytest
import torch

from rlsuite.agents.preference import losses


def test_gpo_check_range_is_grid_limit(monkeypatch):
    # finite on [-5, 5] only: refused on the default grid, accepted on a grid of +-5
    def f(t):
        return torch.where(t.abs() <= 5.0, torch.nn.functional.softplus(-t), torch.inf)

    with pytest.raises(ValueError, match=r"finite on \[-20, 20\]"):
        losses.gpo_loss(f, "short")
    monkeypatch.setattr(losses, "GRID_LIMIT", 5.0)
    assert losses.gpo_loss(f, "short")(torch.tensor([0.0]), 1.0).item() == pytest.approx(np.log(2))


def test_convexity_slack_absorbs_rounding_only():
    # DPO's f with a bump of `size` at the grid point 0: a concave kink of second
    # difference 2.5e-5 (the curvature, at spacing 0.01) - 2 * size. Rounding-sized
    # bumps pass, a real one fails.
    def bumped(size):
        def f(t):
            return torch.nn.functional.softplus(-t) + size * (t.abs() < 0.005).double()

        return f

    losses.gpo_loss(bumped(1e-12), "rounding")
    with pytest.raises(ValueError, match="convex"):
        losses.gpo_loss(bumped(1e-3), "bump")
    assert losses.CONVEXITY_SLACK < 1e-3


def test_std_floor_maps_a_constant_feature_to_zero():
    from rlsuite.agents.offline.bc import BC
    from rlsuite.agents.offline.common import STD_FLOOR

    obs = np.column_stack([np.full(40, 3.0), np.linspace(-1, 1, 40)]).astype(np.float32)
    actions = (obs[:, 1] > 0).astype(np.int64)
    agent = BC(epochs=1, seed=0).fit((obs, actions))
    assert agent.std[0] == pytest.approx(STD_FLOOR, rel=1e-3)
    assert np.all((obs - agent.mean)[:, 0] / agent.std[0] == 0.0)
    assert set(np.unique(agent.predict(obs, deterministic=True)[0])) <= {0, 1}


def test_evaluate_draws_its_streams_from_the_named_words():
    import gymnasium as gym

    # the module, not the function that the package exports under the same name
    c = importlib.import_module("rlsuite.offline_data.collect")

    def first_action(obs, rng):
        return np.int64(rng.integers(2))

    returns = c.evaluate("CartPole-v1", first_action, 3, seed=5)
    env = gym.make("CartPole-v1", disable_env_checker=True)
    rng = np.random.default_rng([5, c.EVALUATE_ACTION_STREAM])
    seeds = np.random.default_rng([5, c.EVALUATE_RESET_STREAM]).integers(
        c.EPISODE_SEED_BOUND, size=3
    )
    expected = [c.rollout(env, first_action, rng, int(s))[2].sum() for s in seeds]
    np.testing.assert_array_equal(returns, expected)
    assert c.EPISODE_SEED_BOUND == 2**31 - 1

"""The robust linear agents play as they did before their per-round code was vectorised.

The numbers were recorded from commit f832886 (before the batched peeling,
the early exit of the elimination chain and the leaner IRLS loop) by
playing each agent 600 rounds on 4 copies of the spike-noise env (range
100) with agent seed 3 and env seed 11. Actions must match exactly (the sum
and a position-weighted hash of the ``(600, 4)`` action array), rewards
follow from the actions, and the final estimates match to float tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest

from rlsuite.agents import make_agent
from rlsuite.envs.linear_contextual_bandit import LinearContextualBanditVectorEnv
from rlsuite.envs.noise import Spike

RECORDED = {
    "CatoniOFUL": (
        {},
        22524,
        689130,
        [425.17375179, 427.89370047, 429.64578542, 422.29265931],
        [0.3158877468, 0.3157558878, 0.3159861379, 0.3158073653, 0.3160239206],
    ),
    "HeavyOFUL": (
        {},
        22645,
        787647,
        [478.87375179, 478.30688793, 483.04578542, 473.29265931],
        [0.3159644286, 0.3158227784, 0.3159686638, 0.3158589616, 0.3160480681],
    ),
    "VACatoni": (
        {},
        22716,
        810734,
        [502.87375179, 498.70688793, 501.34578542, 497.89265931],
        [0.2691492592, 0.2831376716, 0.2857547531, 0.2890647822, 0.308258438],
    ),
    "VACatoni-fourth-moment": (
        {"fourth_moment": 50.0},
        22448,
        710284,
        [437.47375179, 439.89370047, 437.74578542, 436.09265931],
        [0.2975958798, 0.2970662354, 0.2927286884, 0.2996989355, 0.3123481207],
    ),
}


@pytest.mark.parametrize("case", sorted(RECORDED))
def test_agent_replays_the_recorded_actions(case: str) -> None:
    kwargs, action_sum, action_hash, rewards, theta = RECORDED[case]
    env = LinearContextualBanditVectorEnv(num_envs=4, noise=Spike.with_range(100.0, 0.6))
    agent = make_agent(
        case.split("-")[0], n_arms=env.n_arms, dim=env.dim, seed=3, n_runs=4, **kwargs
    )
    obs, _ = env.reset(seed=11)
    actions, total = [], np.zeros(4)
    for _ in range(600):
        chosen = agent.select_actions(obs)
        next_obs, reward, _, _, info = env.step(chosen)
        agent.update_batch(obs, chosen, reward, info)
        actions.append(chosen.copy())
        total += reward
        obs = next_obs
    played = np.array(actions)
    assert int(played.sum()) == action_sum
    assert int((played * np.arange(1, 601)[:, None]).sum() % 1000003) == action_hash
    np.testing.assert_allclose(total, rewards, rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.asarray(agent.theta).ravel()[:5], theta, rtol=1e-6, atol=1e-9)

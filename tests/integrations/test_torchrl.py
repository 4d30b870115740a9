"""TorchRL's GymEnv wraps rlsuite ids and passes check_env_specs."""

from __future__ import annotations

import pytest

pytest.importorskip("torchrl")

import rlsuite.envs  # noqa: E402, F401


@pytest.mark.parametrize(
    "env_id",
    [
        "rlsuite/MultiArmedBandit-v1",
        "rlsuite/LinearContextualBandit-v0",
        "rlsuite/ScalarizedMultiObjectiveBandit-v0",
    ],
)
def test_check_env_specs_on_a_gym_env(env_id):
    from torchrl.envs import GymEnv
    from torchrl.envs.utils import check_env_specs

    env = GymEnv(env_id, horizon=5)
    check_env_specs(env, seed=0)
    rollout = env.rollout(10)
    # one continuing episode of 5 rounds, then the rollout stops at the truncation
    assert rollout.batch_size == (5,)
    assert rollout["next", "truncated"][-1].item() and not rollout["next", "done"][:-1].any()
    assert rollout["next", "reward"].shape == (5, 1)
    env.close()

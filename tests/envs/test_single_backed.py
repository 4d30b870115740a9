"""SingleEnvBackedVectorEnv: sizes are checked before batch_space allocates num_envs copies."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.registration import load_env_creator

import rlsuite.envs  # noqa: F401
from rlsuite.envs._single_backed import SingleEnvBackedVectorEnv
from rlsuite.envs.validation import MAX_SIZE

BACKED = sorted(
    env_id
    for env_id, spec in gym.registry.items()
    if env_id.startswith("rlsuite/")
    and spec.vector_entry_point is not None
    and issubclass(load_env_creator(spec.vector_entry_point), SingleEnvBackedVectorEnv)
)


def test_the_bandit_vector_envs_share_the_base():
    names = {i.split("/")[1].split("-")[0] for i in BACKED}
    assert {"MultiArmedBandit", "LinearContextualBandit", "PreferenceBandit"} <= names
    assert {"MultiObjectiveBandit", "MulticlassBandit"} <= names


@pytest.mark.parametrize("env_id", BACKED)
def test_num_envs_times_the_space_size_is_checked_before_allocating(env_id):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        single = gym.make(env_id).unwrapped
    size = max(
        int(np.prod(s.shape or (1,))) for s in (single.observation_space, single.action_space)
    )
    if size < 2:
        pytest.skip(f"{env_id}: one entry per copy, num_envs <= MAX_SIZE is the whole check")
    creator = load_env_creator(gym.registry[env_id].vector_entry_point)
    with pytest.raises(ValueError, match=r"num_envs \* (observation|action) size"):
        creator(num_envs=MAX_SIZE, **gym.registry[env_id].kwargs)

"""Every registered ``rlsuite/`` env passes Gymnasium's and SB3's checkers (Gymnasium style)."""

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import rlsuite.envs  # noqa: F401  (registers the envs)

RLSUITE_IDS = sorted(env_id for env_id in gym.registry if env_id.startswith("rlsuite/"))


def test_every_declared_env_is_registered():
    assert set(rlsuite.envs.ENV_SPECS) <= set(RLSUITE_IDS)


def _sb3_view(env: gym.Env) -> gym.Env:
    """SB3 is single-objective: check vector-reward envs through their scalarisation."""
    if getattr(env.unwrapped, "reward_space", None) is not None:
        from rlsuite.envs.multi_objective_bandit import LinearScalarization

        return LinearScalarization(env)
    return env


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("env_id", RLSUITE_IDS)
def test_gymnasium_check_env(env_id):
    env = gym.make(env_id)
    gym_check_env(env.unwrapped, skip_render_check=True)
    env.close()


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("env_id", RLSUITE_IDS)
def test_sb3_check_env(env_id):
    env = _sb3_view(gym.make(env_id))
    sb3_check_env(env, warn=False)
    env.close()

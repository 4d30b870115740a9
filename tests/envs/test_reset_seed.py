"""``reset(seed=...)`` refuses a bad seed with a TypeError/ValueError naming ``seed``.

Over every registered ``rlsuite/`` id: the single env (through ``gym.make`` and
unwrapped) and the native vector env where one is registered. Gymnasium's own
``gymnasium.error.Error`` ("Seed must be a python integer") does not count.
"""

import warnings

import gymnasium as gym
import numpy as np
import pytest

import rlsuite.envs  # noqa: F401
from rlsuite.envs.validation import check_reset_seed

RLSUITE_IDS = sorted(env_id for env_id in gym.registry if env_id.startswith("rlsuite/"))
VECTOR_IDS = [i for i in RLSUITE_IDS if gym.registry[i].vector_entry_point is not None]

BAD_TYPES = ["x", 1.5, float("nan"), True, [1, 2], np.float64(2.0)]
BAD_VALUES = [-1, np.int64(-3)]

pytestmark = pytest.mark.filterwarnings("ignore")


def _make(env_id: str, vector: bool):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if vector:
            return gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point")
        return gym.make(env_id)


def _assert_refused(env) -> None:
    for bad in BAD_TYPES:
        with pytest.raises(TypeError, match=r"seed="):
            env.reset(seed=bad)
    for bad in BAD_VALUES:
        with pytest.raises(ValueError, match=r"seed=.*>= 0"):
            env.reset(seed=bad)
    # Valid seeds still work, numpy integers and large ints included, and seed the same way.
    first = env.reset(seed=7)[0]
    again = env.reset(seed=np.int64(7))[0]
    np.testing.assert_array_equal(first, again)
    env.reset(seed=2**70)
    env.reset(seed=None)


@pytest.mark.parametrize("env_id", RLSUITE_IDS)
def test_single_env_reset_refuses_a_bad_seed(env_id):
    env = _make(env_id, vector=False)
    _assert_refused(env)
    _assert_refused(env.unwrapped)  # the env itself, without Gymnasium's wrappers


@pytest.mark.parametrize("env_id", VECTOR_IDS)
def test_vector_env_reset_refuses_a_bad_seed(env_id):
    _assert_refused(_make(env_id, vector=True))


def test_check_reset_seed():
    assert check_reset_seed(None) is None
    assert check_reset_seed(np.int32(5)) == 5 and type(check_reset_seed(np.int32(5))) is int
    assert check_reset_seed(2**80) == 2**80
    with pytest.raises(TypeError, match=r"seed='x' must be None or an integer >= 0, not str"):
        check_reset_seed("x")
    with pytest.raises(ValueError, match=r"seed=-1 is out of range"):
        check_reset_seed(-1)

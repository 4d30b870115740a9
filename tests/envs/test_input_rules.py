"""DESIGN.md's input rules, property-tested over every registered ``rlsuite/`` id.

Bad types raise ``TypeError``, bad values ``ValueError``, both naming the
parameter; sizes have limits checked before allocation; ``step()`` before
``reset()`` or after the episode ended raises; ``options`` must be a dict of
known keys; native vector envs reject unknown keywords.
"""

import inspect
import math
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.registration import load_env_creator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rlsuite.envs  # noqa: F401
from rlsuite.envs.validation import EpisodeNotRunning

RLSUITE_IDS = sorted(env_id for env_id in gym.registry if env_id.startswith("rlsuite/"))
VECTOR_IDS = [i for i in RLSUITE_IDS if gym.registry[i].vector_entry_point is not None]
SETTINGS = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
#: Integer parameters that are not sizes: any non-negative value is valid.
NOT_SIZES = {"horizon", "problem_seed", "instance_seed"}
#: Options each env understands (any other key raises).
OPTIONS = {"rlsuite/Inlining-v0": ("module",)}

pytestmark = pytest.mark.filterwarnings("ignore")


def _defaults(env_id: str) -> dict[str, object]:
    creator = load_env_creator(gym.registry[env_id].entry_point)
    return {
        name: p.default
        for name, p in inspect.signature(creator).parameters.items()
        if p.default is not inspect.Parameter.empty and name not in gym.registry[env_id].kwargs
    }


def _params(kind: type) -> list[tuple[str, str]]:
    return [
        (env_id, name)
        for env_id in RLSUITE_IDS
        for name, default in _defaults(env_id).items()
        if type(default) is kind
    ]


def _raw(env_id: str) -> gym.Env:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gym.make(env_id).unwrapped  # without OrderEnforcing: the env itself must refuse


def _an_action(env: gym.Env):
    if isinstance(env.action_space, gym.spaces.Discrete):
        return 0
    return np.full(env.action_space.shape, 0.5, dtype=np.float32)


not_an_int = st.one_of(
    st.text(max_size=3),
    st.booleans(),
    st.floats(allow_nan=True).filter(lambda x: not float(x).is_integer()),
    st.lists(st.integers(), max_size=2),
)
not_a_real = st.one_of(st.text(max_size=3), st.booleans(), st.lists(st.floats(), max_size=2))
not_a_bool = st.one_of(st.integers(), st.text(max_size=3), st.floats(allow_nan=False), st.none())
not_a_dict = st.one_of(
    st.integers(), st.text(max_size=3), st.lists(st.integers(), max_size=2), st.tuples(st.text())
)


@pytest.mark.parametrize(("env_id", "name"), _params(int))
@SETTINGS
@given(value=not_an_int)
def test_integer_parameters_reject_other_types(env_id, name, value):
    with pytest.raises(TypeError, match=f"{name}="):
        gym.make(env_id, **{name: value})


@pytest.mark.parametrize(("env_id", "name"), [p for p in _params(int) if p[1] not in NOT_SIZES])
@SETTINGS
@given(value=st.integers(min_value=10**9, max_value=10**15))
def test_sizes_have_limits_checked_before_allocation(env_id, name, value):
    with pytest.raises(ValueError, match=f"{name}="):
        gym.make(env_id, **{name: value})


@pytest.mark.parametrize(("env_id", "name"), _params(float))
@SETTINGS
@given(value=not_a_real)
def test_real_parameters_reject_other_types(env_id, name, value):
    with pytest.raises(TypeError, match=f"{name}="):
        gym.make(env_id, **{name: value})


@pytest.mark.parametrize(("env_id", "name"), _params(float))
@SETTINGS
@given(value=st.sampled_from([math.nan, math.inf, -math.inf]))
def test_real_parameters_reject_non_finite_values(env_id, name, value):
    with pytest.raises(ValueError, match=f"{name}="):
        gym.make(env_id, **{name: value})


@pytest.mark.parametrize(("env_id", "name"), _params(bool))
@SETTINGS
@given(value=not_a_bool)
def test_boolean_parameters_must_be_real_bools(env_id, name, value):
    with pytest.raises(TypeError, match=f"{name}="):
        gym.make(env_id, **{name: value})


@pytest.mark.parametrize("env_id", RLSUITE_IDS)
def test_step_before_reset_raises(env_id):
    env = _raw(env_id)
    with pytest.raises(EpisodeNotRunning, match="reset"):
        env.step(_an_action(env))


@pytest.mark.parametrize("env_id", RLSUITE_IDS)
def test_step_after_the_episode_ended_raises(env_id):
    env = _raw(env_id)
    env.reset(seed=0)
    for _ in range(10_000):
        _, _, terminated, truncated, _ = env.step(_an_action(env))
        if terminated or truncated:
            break
    with pytest.raises(EpisodeNotRunning, match="reset"):
        env.step(_an_action(env))
    env.reset()
    env.step(_an_action(env))  # a reset starts a new episode


@pytest.mark.parametrize("env_id", RLSUITE_IDS)
@SETTINGS
@given(options=not_a_dict)
def test_options_must_be_a_dict(env_id, options):
    with pytest.raises(TypeError, match="options="):
        _raw(env_id).reset(seed=0, options=options)


@pytest.mark.parametrize("env_id", RLSUITE_IDS)
@SETTINGS
@given(key=st.text(min_size=1, max_size=8))
def test_unknown_option_keys_raise(env_id, key):
    if key in OPTIONS.get(env_id, ()):
        return
    with pytest.raises(ValueError, match="options"):
        _raw(env_id).reset(seed=0, options={key: 1})


@pytest.mark.parametrize("env_id", VECTOR_IDS)
@SETTINGS
@given(key=st.sampled_from(["n_arm", "num_env", "seed", "dims", "problemseed"]))
def test_native_vector_envs_reject_unknown_keywords(env_id, key):
    with pytest.raises(TypeError, match=key):
        gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point", **{key: 3})

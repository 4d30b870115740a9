"""Out-of-range parameters and actions raise ValueError naming the parameter (property-based)."""

import math

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rlsuite.envs  # noqa: F401
from rlsuite.envs.linear_contextual_bandit import LinearContextualBanditEnv
from rlsuite.envs.multi_armed_bandit import MultiArmedBanditEnv, MultiArmedBanditVectorEnv
from rlsuite.envs.noise import Gaussian, LogNormal, Pareto, StudentT

FAST = settings(max_examples=40, deadline=None)
non_positive = st.one_of(
    st.floats(max_value=0.0, allow_nan=False, allow_infinity=False), st.just(-math.inf)
)


@FAST
@given(std=non_positive)
def test_gaussian_rejects_non_positive_std(std):
    with pytest.raises(ValueError, match="std="):
        Gaussian(std)


@FAST
@given(df=st.floats(max_value=1.0, allow_nan=False, allow_infinity=False))
def test_student_t_rejects_df_without_mean(df):
    with pytest.raises(ValueError, match="df="):
        StudentT(df=df)


@FAST
@given(alpha=st.floats(max_value=1.0, allow_nan=False, allow_infinity=False))
def test_pareto_rejects_alpha_without_mean(alpha):
    with pytest.raises(ValueError, match="alpha="):
        Pareto(alpha=alpha)


@FAST
@given(
    family=st.sampled_from([StudentT, Pareto, LogNormal]),
    scale=non_positive,
)
def test_scale_must_be_positive(family, scale):
    with pytest.raises(ValueError, match="scale="):
        family(scale=scale)


BOTH_BANDITS = (MultiArmedBanditEnv, LinearContextualBanditEnv)


@pytest.mark.parametrize(
    ("name", "out_of_range", "env_classes"),
    [
        ("n_arms", st.integers(max_value=1), BOTH_BANDITS),  # a bandit needs two arms
        ("horizon", st.integers(max_value=0), BOTH_BANDITS),
        ("dim", st.integers(max_value=0), (LinearContextualBanditEnv,)),
    ],
)
@FAST
@given(data=st.data())
def test_bandit_sizes_out_of_range_raise_naming_the_parameter(
    name, out_of_range, env_classes, data
):
    value = data.draw(out_of_range, label=name)
    for env_cls in env_classes:
        with pytest.raises(ValueError, match=f"{name}="):
            env_cls(**{name: value})


@FAST
@given(low=st.floats(max_value=0.0, allow_nan=False, allow_infinity=False))
def test_sigma_range_must_be_positive(low):
    with pytest.raises(ValueError, match=r"sigma_range\[0\]="):
        LinearContextualBanditEnv(heteroscedastic=True, sigma_range=(low, 1.0))


def test_wrong_shapes_and_values_are_named():
    with pytest.raises(ValueError, match="means"):
        MultiArmedBanditEnv(n_arms=3, means=[0.1, 0.2])
    with pytest.raises(ValueError, match="means"):
        MultiArmedBanditEnv(n_arms=2, means=[0.5, 1.5], noise="bernoulli")
    with pytest.raises(ValueError, match="theta"):
        LinearContextualBanditEnv(dim=3, theta=[1.0, 0.0])
    with pytest.raises(ValueError, match="n_arms="):
        MultiArmedBanditEnv(n_arms=2.5)
    with pytest.raises(ValueError, match="num_envs="):
        MultiArmedBanditVectorEnv(num_envs=0)
    with pytest.raises(ValueError, match="noise="):
        MultiArmedBanditEnv(noise="uniform")


@pytest.mark.parametrize(
    "env_id", ["rlsuite/MultiArmedBandit-v1", "rlsuite/LinearContextualBandit-v0"]
)
@FAST
@given(action=st.one_of(st.integers(max_value=-1), st.integers(min_value=20)))
def test_invalid_action_raises_and_is_not_clamped(env_id, action):
    env = gym.make(env_id, n_arms=5)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action="):
        env.step(action)


@pytest.mark.parametrize("action", [1.0, np.array([1]), "1", None])
def test_non_integer_action_raises(action):
    env = MultiArmedBanditEnv(n_arms=3)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action="):
        env.step(action)


def test_vector_env_rejects_out_of_range_actions():
    env = MultiArmedBanditVectorEnv(num_envs=3, n_arms=4)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="out of range"):
        env.step(np.array([0, 4, 1]))


# The fuzzing findings of issue 11, one by one.
@pytest.mark.parametrize(
    "make",
    [lambda: Gaussian(std=1e200), lambda: LogNormal(sigma=30.0), lambda: StudentT(scale=1e300)],
)
def test_noise_whose_draws_would_overflow_is_rejected_at_construction(make):
    with pytest.raises(ValueError, match="out of range"):
        make()


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"heteroscedastic": "no"}, TypeError, "heteroscedastic="),
        ({"sigma_range": ("0.1", "1.0")}, TypeError, r"sigma_range\[0\]="),
        ({"theta": [[1.0, 2.0], [3.0]]}, TypeError, "theta="),
        ({"n_arms": 10**12}, ValueError, "n_arms="),
    ],
)
def test_linear_bandit_findings(kwargs, error, name):
    with pytest.raises(error, match=name):
        LinearContextualBanditEnv(**kwargs)


def test_vector_env_rejects_unknown_keywords():
    with pytest.raises(TypeError, match="n_arm"):
        MultiArmedBanditVectorEnv(num_envs=2, n_arm=3)


def _module(sites, base=(30, 5, 5, 5)):
    from rlsuite.envs.inlining import Module

    return Module("helpers", np.array(base), np.array([False, True, True, True]), sites)


@pytest.mark.parametrize(
    ("module", "message"),
    [
        (_module([(1, 2, 1, 0, False), (2, 1, 1, 0, False)]), "cycle"),
        (_module([(1, 1, 1, 0, False)]), "self-call"),
        (_module([(0, 1, 1, 0, False)], base=(30, -42, 5, 5)), "negative sizes"),
        (_module([(0, 9, 1, 0, False)]), "callee=9 is out of range"),
    ],
)
def test_invalid_inlining_modules_raise(module, message):
    env = gym.make("rlsuite/Inlining-v0")
    with pytest.raises(ValueError, match=message):
        env.reset(seed=0, options={"module": module})

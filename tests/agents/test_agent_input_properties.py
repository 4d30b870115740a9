"""Property tests (hypothesis) of the bandit agents' input rules.

For every registered bandit agent: an update with a finite reward and an
action in ``[0, n_arms)`` is accepted; anything else raises ``ValueError``
naming what was wrong, and leaves every statistic exactly as it was (a bad
action of run 0 must not land in run 1, a NaN must not poison an arm).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlsuite.agents import agent_class
from rlsuite.agents.bandits import AGENTS as BANDITS
from rlsuite.agents.bandits.linear_base import LinearBanditAgent
from rlsuite.envs.validation import check_seed

N_ARMS, DIM, N_RUNS = 3, 2, 2
#: Read from the class hierarchy, so a new linear bandit agent needs no edit here.
LINEAR = {name for name in BANDITS if issubclass(agent_class(name), LinearBanditAgent)}
assert {"LinUCB", "OFUL", "CatoniOFUL", "VACatoni", "HeavyOFUL"} <= LINEAR

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

rewards = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([np.nan, np.inf, -np.inf, 0.5]),
)
actions = st.integers(-3, N_ARMS + 2)


def _agent(name: str, n_runs: int = 1):
    kwargs = {"n_arms": N_ARMS, "seed": 0, "n_runs": n_runs}
    if name in LINEAR:
        kwargs["dim"] = DIM
    return agent_class(name)(**kwargs)


def _obs(name: str, n_runs: int = 1) -> np.ndarray:
    shape = (n_runs, N_ARMS, DIM) if name in LINEAR else (n_runs, 1)
    return np.full(shape, 0.5)


def _info(n_runs: int) -> dict:
    # The linear agents weight by the revealed noise level; the MAB ones ignore it.
    return {"noise_std": np.ones(n_runs), "noise_scale": np.ones(n_runs)}


def _state(agent) -> bytes:
    return pickle.dumps({k: v for k, v in vars(agent).items() if k != "rng"})


@pytest.mark.parametrize("name", sorted(BANDITS))
@SETTINGS
@given(action=actions, reward=rewards)
def test_update_accepts_exactly_the_valid_rounds(name, action, reward):
    agent = _agent(name)
    before = _state(agent)
    valid = 0 <= action < N_ARMS and np.isfinite(reward)
    obs = _obs(name)
    if valid:
        agent.update_batch(obs, np.array([action]), np.array([reward]), _info(1))
        return
    with pytest.raises(ValueError, match="reward|action"):
        agent.update_batch(obs, np.array([action]), np.array([reward]), _info(1))
    assert _state(agent) == before


@pytest.mark.parametrize("name", sorted(BANDITS))
@SETTINGS
@given(bad_run=st.integers(0, N_RUNS - 1), action=st.integers(N_ARMS, N_ARMS + 5))
def test_a_bad_action_of_one_run_changes_no_run(name, bad_run, action):
    agent = _agent(name, N_RUNS)
    before = _state(agent)
    chosen = np.zeros(N_RUNS, dtype=np.int64)
    chosen[bad_run] = action
    with pytest.raises(ValueError, match="action"):
        agent.update_batch(_obs(name, N_RUNS), chosen, np.ones(N_RUNS), _info(N_RUNS))
    assert _state(agent) == before


@pytest.mark.parametrize("name", sorted(BANDITS))
@SETTINGS
@given(extra=st.integers(1, 4))
def test_observations_of_the_wrong_shape_are_rejected(name, extra):
    if name == "Random":
        pytest.skip("uniform play ignores the observation and accepts any shape")
    agent = _agent(name)
    obs = np.zeros((1, *_obs(name).shape[1:-1], _obs(name).shape[-1] + extra))
    with pytest.raises(ValueError, match="obs"):
        agent.update_batch(obs, np.array([0]), np.array([1.0]), _info(1))


@SETTINGS
@given(
    seed=st.one_of(
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True),
        st.text(max_size=3),
        st.booleans(),
        st.none(),
    )
)
def test_check_seed_accepts_exactly_none_and_nonnegative_integers(seed):
    is_int = isinstance(seed, int) and not isinstance(seed, bool)
    valid = seed is None or (is_int and 0 <= seed <= 2**63 - 1)  # torch.Generator's limit
    if valid:
        assert check_seed(seed) == seed
    else:
        with pytest.raises((TypeError, ValueError), match="seed"):
            check_seed(seed)

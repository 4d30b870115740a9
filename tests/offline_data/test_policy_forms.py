"""collect's policy forms: policy(obs, rng), policy(obs), SB3-style models; others refused."""

from __future__ import annotations

import numpy as np
import pytest

from rlsuite.agents import make_agent
from rlsuite.offline_data.collect import as_policy

RNG = np.random.default_rng(0)
OBS = np.zeros(1, np.float32)


def test_two_argument_policy_is_used_as_is():
    def policy(obs, rng):
        return int(rng.integers(3))

    assert as_policy(policy) is policy


def test_one_argument_policy_gets_the_rng_form():
    calls = []

    def policy(obs):
        calls.append(obs)
        return 1

    assert as_policy(policy)(OBS, RNG) == 1 and calls[0] is OBS
    assert as_policy(lambda obs, greedy=True: 2)(OBS, RNG) == 2


def test_objects_with_predict_are_queried_greedily():
    agent = make_agent("UCB1", n_arms=3, seed=0)
    assert as_policy(agent)(OBS, RNG) == int(agent.predict(OBS, deterministic=True)[0])


@pytest.mark.parametrize("bad", [3, "policy", lambda: 0, lambda a, b, c: 0])
def test_other_policies_raise_type_error(bad):
    with pytest.raises(TypeError, match="policy"):
        as_policy(bad)

"""to_obp / from_obp: OBP's bandit_feedback dict, round trips, and OBP's own estimators."""

from __future__ import annotations

import numpy as np
import pytest

import rlsuite.envs  # noqa: F401
from rlsuite.offline_data import BanditFeedback, from_obp, log_bandit, ope, to_obp
from rlsuite.offline_data.obp import OBP_KEYS

N_ARMS, DIM = 4, 3
LCB = "rlsuite/LinearContextualBandit-v0"


def softmax_logging(obs: np.ndarray) -> np.ndarray:
    scores = 2.0 * obs.sum(axis=-1)
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def feedback() -> BanditFeedback:
    return log_bandit(
        LCB, softmax_logging, 300, seed=3, num_envs=100, env_kwargs={"n_arms": N_ARMS, "dim": DIM}
    )


def test_obp_keys_and_shapes(feedback):
    bf = to_obp(feedback)
    n = feedback.n_rounds
    assert tuple(bf) == OBP_KEYS and bf["n_rounds"] == n and bf["n_actions"] == N_ARMS
    assert bf["context"].shape == (n, N_ARMS * DIM)  # per-arm features, flattened
    assert bf["action_context"].shape == (N_ARMS, N_ARMS)
    assert bf["pi_b"].shape == (n, N_ARMS, 1) and bf["expected_reward"].shape == (n, N_ARMS)
    assert bf["position"].tolist() == [0] * n
    rows = np.arange(n)
    np.testing.assert_array_equal(bf["pscore"], bf["pi_b"][rows, bf["action"], 0])
    # a copy: OBP code that edits the dict leaves our feedback alone
    bf["reward"][:] = 0.0
    assert np.any(feedback.reward != 0.0)


def test_round_trip_both_ways(feedback):
    back = from_obp(to_obp(feedback), context_shape=(N_ARMS, DIM))
    for key in ("context", "action", "reward", "pscore", "action_dist", "expected_reward"):
        np.testing.assert_array_equal(getattr(back, key), getattr(feedback, key), err_msg=key)
    bf = to_obp(feedback)
    again = to_obp(from_obp(bf))
    for key in OBP_KEYS:
        np.testing.assert_array_equal(again[key], bf[key], err_msg=key)


def test_real_log_without_truth_keeps_the_estimators_working(feedback):
    bf = to_obp(feedback)
    for key in ("pi_b", "expected_reward", "action_context"):
        del bf[key]
    bf["position"] = None  # as OBP's synthetic datasets store it
    real = from_obp(bf, context_shape=(N_ARMS, DIM))
    assert np.isnan(real.action_dist).all() and np.isnan(real.expected_reward).all()
    target = np.full((real.n_rounds, N_ARMS), 1.0 / N_ARMS)
    assert ope.ips(real, target).estimate == pytest.approx(ope.ips(feedback, target).estimate)


def test_bad_input(feedback):
    with pytest.raises(TypeError, match="feedback="):
        to_obp({"n_rounds": 1})
    with pytest.raises(ValueError, match="action_context"):
        to_obp(feedback, action_context=np.eye(N_ARMS + 1))
    with pytest.raises(TypeError, match="bandit_feedback="):
        from_obp([1, 2])
    bf = to_obp(feedback)
    with pytest.raises(ValueError, match="pscore"):
        from_obp({k: v for k, v in bf.items() if k != "pscore"})
    with pytest.raises(ValueError, match="positions"):
        from_obp({**bf, "position": np.arange(bf["n_rounds"]) % 2})
    with pytest.raises(ValueError, match="pi_b"):
        from_obp({**bf, "pi_b": bf["pi_b"][:, :-1]})
    with pytest.raises(ValueError, match="action holds"):
        from_obp({**bf, "action": bf["action"] + N_ARMS})


def test_obp_estimators_agree_with_ours(feedback):
    """Only where obp is installed (it is not a dependency: its pins clash with ours)."""
    obp_ope = pytest.importorskip("obp.ope")
    bf = to_obp(feedback)
    target = softmax_logging(-feedback.context)  # prefers the arms the logger avoids
    estimators = [
        obp_ope.InverseProbabilityWeighting(),
        obp_ope.SelfNormalizedInverseProbabilityWeighting(),
    ]
    theirs = obp_ope.OffPolicyEvaluation(bandit_feedback=bf, ope_estimators=estimators)
    values = theirs.estimate_policy_values(action_dist=target[:, :, None])
    assert values["ipw"] == pytest.approx(ope.ips(feedback, target).estimate, rel=1e-9)
    assert values["snipw"] == pytest.approx(ope.snips(feedback, target).estimate, rel=1e-9)

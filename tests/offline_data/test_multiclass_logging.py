"""MulticlassBandit-v0 logs and evaluates like the synthetic bandits."""

from __future__ import annotations

import numpy as np
import pytest

import rlsuite.envs  # noqa: F401
from rlsuite.offline_data import (
    from_obp,
    load_bandit_feedback,
    log_bandit,
    ope,
    qlearning_dataset,
    to_obp,
)

ENV_ID = "rlsuite/MulticlassBandit-v0"


@pytest.fixture(autouse=True)
def datasets_path(tmp_path, monkeypatch):
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "datasets"))


def uniform(obs: np.ndarray) -> np.ndarray:
    return np.full((len(obs), 3), 1.0 / 3)


def test_log_round_trip_and_ope_against_the_truth():
    fb = log_bandit(
        ENV_ID, uniform, 3000, "rlsuite/iris/uniform-v0", seed=0, num_envs=500,
        env_kwargs={"dataset": "iris"},
    )  # fmt: skip
    back = load_bandit_feedback("rlsuite/iris/uniform-v0")
    for key in ("context", "action", "reward", "pscore", "action_dist", "expected_reward"):
        np.testing.assert_array_equal(getattr(back, key), getattr(fb, key))
    assert fb.context.shape == (3000, 3, 15)
    np.testing.assert_array_equal(fb.reward, fb.expected_reward[np.arange(3000), fb.action])
    # target: right class with probability 0.8 + 0.2 / 3; its true value is 0.8 + 0.2 / 3
    target = 0.8 * fb.expected_reward + 0.2 / 3
    truth = fb.policy_value(target)
    assert truth == pytest.approx(0.8 + 0.2 / 3)
    for name in ("IPS", "SNIPS", "DR"):
        result = ope.ESTIMATORS[name](fb, target)
        # a 4-standard-error band: fails with probability < 1e-4 for a valid estimator
        assert abs(result.estimate - truth) < 4 * result.std_error, (name, result, truth)
    data = qlearning_dataset("rlsuite/iris/uniform-v0")
    np.testing.assert_array_equal(data["rewards"], fb.reward)
    again = from_obp(to_obp(fb), context_shape=(3, 15))
    np.testing.assert_array_equal(again.context, fb.context)

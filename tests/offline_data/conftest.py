"""Fixtures shared by the logged-bandit tests: a logging policy and a target policy."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

Policy = Callable[[np.ndarray], np.ndarray]


def _softmax_logging(obs: np.ndarray) -> np.ndarray:
    """Prefers arms with large feature sums; every arm keeps probability > 0."""
    scores = 3.0 * obs.sum(axis=-1)
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def _near_greedy_target(obs: np.ndarray) -> np.ndarray:
    """Greedy on the first feature with 10% uniform exploration (differs from the logger)."""
    p = np.full((len(obs), obs.shape[1]), 0.1 / obs.shape[1])
    p[np.arange(len(obs)), obs[:, :, 0].argmax(axis=1)] += 0.9
    return p


@pytest.fixture
def softmax_logging() -> Policy:
    """``obs (n, n_arms, dim) -> (n, n_arms)`` logging probabilities."""
    return _softmax_logging


@pytest.fixture
def near_greedy_target() -> Policy:
    """``obs (n, n_arms, dim) -> (n, n_arms)`` target probabilities."""
    return _near_greedy_target

"""Epsilon-greedy with sample-mean estimates."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.base import BanditAgent
from rlsuite.envs.validation import check_real

__all__ = ["EpsilonGreedy"]


class EpsilonGreedy(BanditAgent):
    """Explore uniformly with probability ``epsilon``, otherwise pull the best mean.

    Arms never pulled count as best, so every arm is tried once before the
    sample means are trusted (ties go to the lowest index).

    Parameters
    ----------
    n_arms : int
        Number of arms.
    epsilon : float
        Exploration probability in ``[0, 1]``.
    seed : int or None
        Seed of the agent's generator.
    n_runs : int
        Number of independent copies.
    """

    def __init__(
        self, n_arms: int, epsilon: float = 0.1, *, seed: int | None = None, n_runs: int = 1
    ) -> None:
        self.epsilon = check_real("epsilon", epsilon, 0.0, 1.0)
        super().__init__(n_arms, seed=seed, n_runs=n_runs)

    def _reset_state(self) -> None:
        self.counts = np.zeros((self.n_runs, self.n_arms))
        self.sums = np.zeros((self.n_runs, self.n_arms))
        self._rows = np.arange(self.n_runs)

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """Arm with the highest sample mean (untried arms first)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            means = np.where(self.counts > 0, self.sums / self.counts, np.inf)
        return means.argmax(axis=1)

    def select_actions(self, obs: np.ndarray) -> np.ndarray:
        """Greedy arm, replaced by a uniform one with probability ``epsilon``."""
        explore = self.rng.random(self.n_runs) < self.epsilon
        random_arms = self.rng.integers(self.n_arms, size=self.n_runs)
        return np.where(explore, random_arms, self.greedy_actions(obs))

    def update_batch(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        infos: dict[str, Any] | None = None,
    ) -> None:
        """Add each run's reward to the pulled arm's statistics."""
        self.counts[self._rows, actions] += 1.0
        self.sums[self._rows, actions] += rewards
        self.t += 1

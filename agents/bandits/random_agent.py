"""Uniformly random arm choice: the floor every learner must beat."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.base import BanditAgent

__all__ = ["RandomAgent"]


class RandomAgent(BanditAgent):
    """Pick every arm with probability ``1 / n_arms``; never learns.

    Parameters
    ----------
    n_arms : int
        Number of arms.
    seed : int or None
        Seed of the agent's generator.
    n_runs : int
        Number of independent copies.
    """

    @property
    def observation_shape(self) -> None:
        """Random play ignores the observation, so any shape is accepted (any env)."""
        return None

    def _reset_state(self) -> None:
        pass

    def select_actions(self, obs: np.ndarray) -> np.ndarray:
        """Draw one uniform arm per run."""
        return self.rng.integers(self.n_arms, size=len(obs))

    def _update_batch(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        infos: dict[str, Any] | None = None,
    ) -> None:
        """Random play learns nothing; only the round counter advances."""
        self.t += 1

    def action_probabilities(self, obs: np.ndarray) -> np.ndarray:
        """The uniform distribution, one row per run (used as a logging policy)."""
        return np.full((len(obs), self.n_arms), 1.0 / self.n_arms)

    def _fold_log(self, obs, actions, rewards, infos) -> None:
        """Nothing to learn: only the round counter advances."""
        self.t += len(actions)

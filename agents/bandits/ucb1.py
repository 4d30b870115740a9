"""UCB1 (Auer, Cesa-Bianchi & Fischer, 2002)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.base import ArmCounts, BanditAgent
from rlsuite.envs.torch_backend import TorchBackendMixin, maybe_compile, scatter_add_pulls
from rlsuite.envs.validation import check_real

__all__ = ["UCB1"]


class UCB1(TorchBackendMixin, ArmCounts, BanditAgent):
    """Pull the arm maximising ``mean + c * sqrt(log t / n)``.

    Every arm is pulled once first. The bound assumes rewards in a range of
    width about 1 (``c = sqrt(2)`` for ``[0, 1]``); scale ``c`` with the noise
    for other ranges. With heavy tails the sample mean is not sub-Gaussian and
    UCB1 loses its guarantee: see :class:`RobustUCB`.

    Parameters
    ----------
    n_arms : int
        Number of arms.
    c : float
        Exploration coefficient, ``> 0``.
    seed : int or None
        Seed of the agent's generator (unused: UCB1 is deterministic).
    n_runs : int
        Number of independent copies.
    backend, device, dtype, compile
        ``backend="torch"`` keeps the statistics in tensors on ``device``
        (:mod:`rlsuite.envs.torch_backend`).
    """

    def __init__(
        self,
        n_arms: int,
        c: float = 2.0**0.5,
        *,
        seed: int | None = None,
        n_runs: int = 1,
        backend: str = "numpy",
        device: Any = None,
        dtype: str | None = None,
        compile: bool = False,
    ) -> None:
        self.c = check_real("c", c, 0.0, low_open=True)
        self._init_backend(backend, device, dtype, compile)
        super().__init__(n_arms, seed=seed, n_runs=n_runs)

    def _reset_torch(self) -> None:
        torch = self.torch
        self._new_torch_generator()  # unused by UCB1 itself: kept for the common protocol

        def choose(counts: Any, sums: Any, c: float) -> Any:
            total = counts.sum(dim=1, keepdim=True).clamp(min=1.0)
            pulled = counts > 0
            safe = counts.clamp(min=1.0)
            index = sums / safe + c * torch.sqrt(torch.log(total) / safe)
            return torch.where(pulled, index, torch.inf).argmax(dim=1)

        self._choose = maybe_compile(choose, self.compile)
        self._learn = maybe_compile(scatter_add_pulls, self.compile)

    def _update_torch(self, actions: Any, rewards: Any) -> None:
        self._learn(self.counts, self.sums, actions, rewards)

    def _reset_state(self) -> None:
        self._zero_counts()
        if self.backend == "torch":
            self._reset_torch()

    def upper_confidence_bounds(self) -> np.ndarray:
        """UCB index of every arm, ``inf`` for arms never pulled; shape ``(R, K)``."""
        total = np.maximum(self.counts.sum(axis=1, keepdims=True), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            index = self.sums / self.counts + self.c * np.sqrt(np.log(total) / self.counts)
        return np.where(self.counts > 0, index, np.inf)

    def select_actions(self, obs: np.ndarray) -> np.ndarray:
        """Arm with the highest upper confidence bound."""
        if self.backend == "torch":
            return self._choose(self.counts, self.sums, self.c)
        return self.upper_confidence_bounds().argmax(axis=1)

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """Most pulled arm: UCB1's recommendation once exploration is over."""
        if self.backend == "torch":
            return self.counts.argmax(dim=1)
        return self.counts.argmax(axis=1)

    def _update_batch(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        infos: dict[str, Any] | None = None,
    ) -> None:
        """Add each run's reward to the pulled arm's statistics."""
        self._add_pulls(actions, rewards)
        self.t += 1

    def _fold_log(self, obs, actions, rewards, infos) -> None:
        """A whole log in one ``bincount`` per statistic."""
        self._fold_counts(actions, rewards)

"""Epsilon-greedy with sample-mean estimates."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.bandits._compiled_mab import add_pulled_rewards, row_argmax
from rlsuite.agents.base import ArmCounts, BanditAgent
from rlsuite.envs.torch_backend import TorchBackendMixin, maybe_compile
from rlsuite.envs.validation import check_real

__all__ = ["EpsilonGreedy"]


class EpsilonGreedy(TorchBackendMixin, ArmCounts, BanditAgent):
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
    backend, device, dtype, compile
        ``backend="torch"`` keeps the statistics in tensors on ``device`` and
        draws from a seeded ``torch.Generator`` (:mod:`rlsuite.envs.torch_backend`).
    """

    #: an ``np.ndarray`` (numpy backend) or a ``torch.Tensor`` (torch backend)
    values: Any

    def __init__(
        self,
        n_arms: int,
        epsilon: float = 0.1,
        *,
        seed: int | None = None,
        n_runs: int = 1,
        backend: str = "numpy",
        device: Any = None,
        dtype: str | None = None,
        compile: bool = False,
    ) -> None:
        self.epsilon = check_real("epsilon", epsilon, 0.0, 1.0)
        self._init_backend(backend, device, dtype, compile)
        super().__init__(n_arms, seed=seed, n_runs=n_runs)

    def _reset_state(self) -> None:
        self._zero_counts()
        if self.backend == "torch":
            self._reset_torch()
            return
        # Sample means, +inf until pulled; kept incrementally so a step touches R entries.
        self.values = np.full((self.n_runs, self.n_arms), np.inf)

    def _reset_torch(self) -> None:
        torch = self.torch
        shape, options = (self.n_runs, self.n_arms), {"dtype": self.dtype, "device": self.device}
        self.values = torch.full(shape, torch.inf, **options)
        self._new_torch_generator()

        def choose(values: Any, uniforms: Any, arms: Any, epsilon: float) -> Any:
            return torch.where(uniforms < epsilon, arms, values.argmax(dim=1))

        def learn(counts: Any, sums: Any, values: Any, actions: Any, rewards: Any) -> None:
            index = actions[:, None]
            pulled_counts = counts.gather(1, index) + 1.0
            pulled_sums = sums.gather(1, index) + rewards[:, None]
            counts.scatter_(1, index, pulled_counts)
            sums.scatter_(1, index, pulled_sums)
            values.scatter_(1, index, pulled_sums / pulled_counts)

        self._choose, self._learn = (
            maybe_compile(choose, self.compile),
            maybe_compile(learn, self.compile),
        )

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """Arm with the highest sample mean (untried arms first)."""
        if self.backend == "torch":
            return self.values.argmax(dim=1)
        return self.values.argmax(axis=1)

    def select_actions(self, obs: np.ndarray) -> np.ndarray:
        """Greedy arm, replaced by a uniform one with probability ``epsilon``."""
        if self.backend == "torch":
            # Every run draws its uniform and a candidate arm (a fixed shape for the kernels).
            torch, gen = self.torch, self.generator
            uniforms = torch.rand(self.n_runs, generator=gen, device=self.device)
            arms = torch.randint(self.n_arms, (self.n_runs,), generator=gen, device=self.device)
            return self._choose(self.values, uniforms, arms, self.epsilon)
        if self.n_runs == 1:
            actions = self.values.argmax(axis=1)  # greedy_actions, without its backend test
            # Same draws as the batched form (one uniform, then one integer when exploring)
            # without its array bookkeeping, which dominates a single run's step.
            if self.rng.random() < self.epsilon:
                actions[0] = self.rng.integers(self.n_arms)
            return actions
        # values.argmax(axis=1), compiled: numpy's argmax over ten arms is mostly row bookkeeping.
        actions = row_argmax(self.values)
        explore = self.rng.random(self.n_runs) < self.epsilon
        # Draw random arms only for the exploring runs: a tenth of the draws at epsilon=0.1.
        # ``size`` as a Python int (a numpy integer costs ``integers`` a microsecond more, for
        # the same draws) and ``np.place`` (half the cost of a boolean-mask assignment).
        arms = self.rng.integers(self.n_arms, size=int(np.count_nonzero(explore)))
        np.place(actions, explore, arms)
        return actions

    def _update_batch(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        infos: dict[str, Any] | None = None,
    ) -> None:
        """Add each run's reward to the pulled arm's statistics."""
        if self.n_runs == 1:
            # Python floats through ``item``: fancy indexing costs microseconds per op on one
            # run, and the same IEEE sums and quotient come out of scalar arithmetic.
            arm = actions.item(0)
            count = self.counts.item(0, arm) + 1.0
            total = self.sums.item(0, arm) + rewards.item(0)
            self.counts[0, arm] = count
            self.sums[0, arm] = total
            self.values[0, arm] = total / count
            self.t += 1
            return
        # counts[rows, actions] += 1; sums[rows, actions] += rewards; values = sums / counts
        # at the pulled arms, in one compiled pass (the same IEEE sums and quotients).
        add_pulled_rewards(self.counts, self.sums, self.values, actions, rewards)
        self.t += 1

    def _update_torch(self, actions: Any, rewards: Any) -> None:
        self._learn(self.counts, self.sums, self.values, actions, rewards)

    def _fold_log(self, obs, actions, rewards, infos) -> None:
        """A whole log in one ``bincount`` per statistic."""
        self._fold_counts(actions, rewards)
        pulled = self.counts > 0
        self.values = np.where(pulled, self.sums / np.where(pulled, self.counts, 1.0), np.inf)

"""Non-private behaviour cloning on all experts' data (the study's upper reference)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from rlsuite.agents.private._common import PrivateLearner, as_expert_data, make_policy_net, train_bc
from rlsuite.envs.validation import check_int, check_real

__all__ = ["BehaviorCloning"]


class BehaviorCloning(PrivateLearner):
    """Cross-entropy BC of the pooled expert actions; ``epsilon_spent = inf`` (not private).

    Parameters
    ----------
    steps : int
        Adam steps on minibatches of ``batch_size`` transitions.
    batch_size : int
        Minibatch size.
    learning_rate : float
        Adam learning rate.
    hidden_sizes : sequence of int
        Widths of the hidden layers (``hidden=h`` is the deprecated ``(h, h)``).
    seed : int or None
        Seed of initialisation and minibatches.
    """

    def __init__(
        self,
        *,
        steps: int = 500,
        batch_size: int = 256,
        learning_rate: float = 3e-3,
        hidden_sizes: Sequence[int] = (64, 64),
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(hidden_sizes=hidden_sizes, seed=seed)
        self.steps = check_int("steps", steps)
        self.batch_size = check_int("batch_size", batch_size)
        self.learning_rate = check_real("learning_rate", learning_rate, 0.0, low_open=True)
        self.target_epsilon, self.target_delta = math.inf, 0.0

    def _train(self, dataset: Any, callbacks: Any) -> torch.nn.Module:
        """Train on every transition of the dataset."""
        data = as_expert_data(dataset)
        rng, generator = self._generators()
        # Scoped by PrivateLearner.fit (isolated_torch_rng): the caller's RNG is untouched.
        torch.manual_seed(int(rng.integers(2**31)))
        net = make_policy_net(data.obs_dim, data.n_actions, self.hidden_sizes)
        train_bc(
            net, data.observations, data.actions,
            steps=self.steps, batch_size=self.batch_size, lr=self.learning_rate,
            generator=generator,
        )  # fmt: skip
        return net

    def _spent(self) -> tuple[float, float]:
        return math.inf, 0.0

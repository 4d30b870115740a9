"""Non-private behaviour cloning on all experts' data (the study's upper reference)."""

from __future__ import annotations

import math
from typing import Any

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
    lr : float
        Adam learning rate.
    hidden : int
        Width of the two hidden layers.
    seed : int or None
        Seed of initialisation and minibatches.
    """

    def __init__(
        self,
        *,
        steps: int = 500,
        batch_size: int = 256,
        lr: float = 3e-3,
        hidden: int = 64,
        seed: int | None = None,
    ) -> None:
        super().__init__(hidden=hidden, seed=seed)
        self.steps = check_int("steps", steps)
        self.batch_size = check_int("batch_size", batch_size)
        self.lr = check_real("lr", lr, 0.0, low_open=True)
        self.target_epsilon, self.target_delta = math.inf, 0.0

    def _fit(self, dataset: Any, callbacks: Any) -> torch.nn.Module:
        """Train on every transition of the dataset."""
        data = as_expert_data(dataset)
        rng, generator = self._generators()
        torch.manual_seed(int(rng.integers(2**31)))
        net = make_policy_net(data.obs_dim, data.n_actions, self.hidden)
        train_bc(
            net, data.observations, data.actions,
            steps=self.steps, batch_size=self.batch_size, lr=self.lr, generator=generator,
        )  # fmt: skip
        return net

    def _spent(self) -> tuple[float, float]:
        return math.inf, 0.0

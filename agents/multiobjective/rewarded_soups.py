"""Rewarded soups: one expert per objective, steered by parameter interpolation.

Rame et al., "Rewarded soups" (NeurIPS 2023), the main baseline of Wang et al.
(2024). Every expert starts from the same pretrained network (the MLP
distilled onto ``pi_ref``; the shared start is what makes interpolation
meaningful), and expert ``i`` is fine-tuned on the KL-regularised objective
with the fixed weight ``e_i``, by the same gradient estimator as CLP
(sampled REINFORCE by default). At inference the policy for ``w`` uses the
parameters ``theta(w) = sum_i w_i theta_i`` of *all* layers. The network has
no ``w`` input and a single logit layer.

Budget: equal training compute. ``learn(env, total_timesteps)`` spends
``total_timesteps`` env interactions and the same number of gradient steps
as CLP, split across the experts: the steps go round-robin (expert
``t mod m`` takes step ``t``), so after any number of steps every expert
has had its share, and a learning curve at ``n`` interactions compares the
soup with CLP at the same ``n``.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import torch
from torch.func import functional_call

from rlsuite.agents.multiobjective.common import SteerableMLP, SteerablePolicy

__all__ = ["RewardedSoups"]


class RewardedSoups(SteerablePolicy):
    """Parameter interpolation of per-objective experts.

    Parameters
    ----------
    env : gymnasium.Env
        A :class:`~rlsuite.envs.multi_objective_bandit.MultiObjectiveBanditEnv`.
    **kwargs
        ``kl_coef``, ``hidden_sizes``, ``learning_rate``, ``batch_size``,
        ``pretrain_steps``, ``gradient``, ``samples_per_context``, ``seed``: see
        :class:`~rlsuite.agents.multiobjective.common.SteerablePolicy`.
    """

    input_conditioning = False
    logit_mixing = False

    def __init__(self, env: Any, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        self.experts: list[SteerableMLP] = []
        self._optimisers: list[torch.optim.Optimizer] = []
        self.expert_steps: list[int] = []

    def _after_pretrain(self) -> None:
        """Every expert starts as a copy of the pretrained network."""
        self.experts = [self._copy(self.network) for _ in range(self.n_objectives)]
        self._optimisers = [self._optimiser(expert) for expert in self.experts]
        self.expert_steps = [0] * self.n_objectives

    @property
    def expert_params(self) -> list[dict[str, torch.Tensor]]:
        """Each expert's parameters (detached views of the live networks)."""
        return [{k: v.detach() for k, v in e.named_parameters()} for e in self.experts]

    def _learn(self, n_updates: int) -> None:
        """``n_updates`` gradient steps in all, round-robin over the experts."""
        eye = np.eye(self.n_objectives)
        for _ in range(n_updates):
            i = self.n_gradient_steps % self.n_objectives
            fixed = lambda n, w=eye[i]: torch.as_tensor(  # noqa: E731
                np.tile(w, (n, 1)), dtype=torch.float32
            )
            self.expert_steps[i] += 1
            if not self._update(self.experts[i], self._optimisers[i], fixed):
                break

    def interpolated_parameters(self, weights: np.ndarray) -> dict[str, torch.Tensor]:
        """``theta(w) = sum_i w_i theta_i`` over every parameter."""
        if not self.experts:
            raise RuntimeError("call learn() or pretrain() before acting: there are no experts")
        params = self.expert_params
        return {
            name: cast(torch.Tensor, sum(float(w) * p[name] for w, p in zip(weights, params)))
            for name in params[0]
        }

    def _logits(self, obs: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        # One parameter vector per call: every row of a batch shares the same w.
        w = weights[0].double().numpy()
        if not torch.allclose(weights, weights[:1].expand_as(weights)):
            raise ValueError("rewarded soups acts at one weight per call; got several")
        return functional_call(self.network, self.interpolated_parameters(w), (obs, weights))

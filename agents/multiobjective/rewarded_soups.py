"""Rewarded soups: one expert per objective, steered by parameter interpolation.

Rame et al., "Rewarded soups" (NeurIPS 2023), the main baseline of Wang et al.
(2024). Every expert starts from the same pretrained network (the MLP
distilled onto ``pi_ref``; the shared start is what makes interpolation
meaningful), and expert ``i`` is fine-tuned on the KL-regularised objective
with the fixed weight ``e_i``. At inference the policy for ``w`` uses the
parameters ``theta(w) = sum_i w_i theta_i`` of *all* layers. The network has
no ``w`` input and a single logit layer.

Budget: each expert is trained for the full ``total_timesteps`` contexts, so
rewarded soups gets ``m`` times the updates of CLP; this favours the baseline.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.func import functional_call

from rlsuite.agents.multiobjective.common import SteerablePolicy

__all__ = ["RewardedSoups"]


class RewardedSoups(SteerablePolicy):
    """Parameter interpolation of per-objective experts.

    Parameters
    ----------
    env : gymnasium.Env
        A :class:`~rlsuite.envs.multi_objective_bandit.MultiObjectiveBanditEnv`.
    **kwargs
        ``kl_coef``, ``hidden_sizes``, ``learning_rate``, ``batch_size``,
        ``pretrain_steps``, ``seed``: see
        :class:`~rlsuite.agents.multiobjective.common.SteerablePolicy`.
    """

    input_conditioning = False
    logit_mixing = False

    def __init__(self, env: Any, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        self.expert_params: list[dict[str, torch.Tensor]] = []
        self.history: list[list[float]] = []

    def _learn(self, n_updates: int) -> None:
        """Pretrain once, then fine-tune one expert per objective from that start."""
        self._pretrain(self.network)
        self.expert_params, self.history = [], []
        for objective in range(self.n_objectives):
            expert = self._copy(self.network)
            one_hot = np.eye(self.n_objectives)[objective]
            fixed = lambda n, w=one_hot: torch.as_tensor(  # noqa: E731
                np.tile(w, (n, 1)), dtype=torch.float32
            )
            self.history.append(self._finetune(expert, n_updates, fixed))
            self.expert_params.append({k: v.detach().clone() for k, v in expert.named_parameters()})

    def interpolated_parameters(self, weights: np.ndarray) -> dict[str, torch.Tensor]:
        """``theta(w) = sum_i w_i theta_i`` over every parameter."""
        if not self.expert_params:
            raise RuntimeError("call learn() before acting: the experts are not trained")
        return {
            name: sum(float(w) * params[name] for w, params in zip(weights, self.expert_params))
            for name in self.expert_params[0]
        }

    def _logits(self, obs: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        # One parameter vector per call: every row of a batch shares the same w.
        w = weights[0].double().numpy()
        if not torch.allclose(weights, weights[:1].expand_as(weights)):
            raise ValueError("rewarded soups acts at one weight per call; got several")
        return functional_call(self.network, self.interpolated_parameters(w), (obs, weights))

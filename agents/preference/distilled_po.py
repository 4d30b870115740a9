"""Reward-model distillation (Fisch et al., TMLR 2025, Section 4)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rlsuite.agents.preference.common import PreferencePolicyLearner
from rlsuite.agents.preference.reward_model import RewardModel
from rlsuite.offline_data.preferences import PreferenceDataset

__all__ = ["DistilledPO"]


class DistilledPO(PreferencePolicyLearner):
    """Fit the implicit reward ``beta log(pi/pi_ref)`` to a reward model's reward differences.

    The distillation loss of Fisch et al. (their Eq. for ``L_distill``) over
    the pairs ``(x, y, y')`` of the dataset is

    ``E [ (r_hat(x, y) - r_hat(x, y') - beta * (log pi/pi_ref(y) - log pi/pi_ref(y')))**2 ]``,

    whose minimiser over all policies is the KL-regularised optimum
    ``pi ~ pi_ref exp(r_hat / beta)`` on the responses the pairs connect. The
    targets are finite, so the implicit reward margin and ``||theta||`` stay
    bounded however long one trains, unlike DPO on deterministic or sparse
    preferences. The pairs are the labelled ones (the label order is
    irrelevant to a squared loss); Fisch et al. note any pair distribution
    ``rho`` works, unlabelled ones included.

    With an ensemble reward model this class distils from the members' mean
    (equivalently, minimises the members' average loss); the pessimistic
    worst-member version is :class:`EnsembleDistilledPO`.

    Parameters
    ----------
    beta : float
        ``> 0``.
    reward_model : RewardModel or array
        A :class:`RewardModel` (fit on the dataset by :meth:`fit` if it has
        not been fit) or reward tables of shape ``(n_models, X, A)`` / ``(X, A)``.
    reference_probs, policy, n_steps, learning_rate, seed
        See :class:`~rlsuite.agents.preference.common.PreferencePolicyLearner`.
    """

    def __init__(
        self,
        beta: float = 0.1,
        reward_model: RewardModel | np.ndarray | None = None,
        reference_probs: Any = None,
        policy: str | np.ndarray = "tabular",
        n_steps: int = 1000,
        learning_rate: float = 0.05,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(beta, reference_probs, policy, n_steps, learning_rate, seed)
        if reward_model is None:
            reward_model = RewardModel(seed=seed)
        if not isinstance(reward_model, RewardModel):
            tables = np.asarray(reward_model, dtype=np.float64)
            tables = tables[None] if tables.ndim == 2 else tables
            if tables.ndim != 3 or not np.all(np.isfinite(tables)):
                raise ValueError("reward_model must be a RewardModel or finite (E, X, A) tables")
            reward_model = tables
        self.reward_model = reward_model

    def _reward_tables(self, dataset: PreferenceDataset) -> np.ndarray:
        if isinstance(self.reward_model, RewardModel):
            if self.reward_model._rewards is None:
                self.reward_model.fit(dataset)
            return self.reward_model.rewards()
        return self.reward_model

    def member_losses(self) -> torch.Tensor:
        """Distillation loss against every reward-model member, shape ``(n_models,)``."""
        delta = self._log_ratio(self._ref_logp)
        residual = self._reward_gaps - self.beta * delta[None, :]
        return (self._weights[None, :] * residual**2).sum(dim=1)

    def aggregate(self, losses: torch.Tensor) -> torch.Tensor:
        """Combine the members' losses: their mean (distil the ensemble mean)."""
        return losses.mean()

    def _fit(self, dataset: PreferenceDataset, callback: Any = None) -> None:
        """Train from scratch (starting at ``pi_ref``) on ``dataset``'s pairs."""
        tables = self._reward_tables(dataset)
        shape = (dataset.n_contexts, dataset.n_responses)
        if tables.shape[1:] != shape:
            raise ValueError(f"reward tables have shape {tables.shape[1:]}, data {shape}")
        self._setup(dataset)
        r = torch.as_tensor(tables, dtype=torch.float64)
        self._reward_gaps = r[:, self._x, self._w] - r[:, self._x, self._l]
        self._train(lambda: self.aggregate(self.member_losses()), callback)

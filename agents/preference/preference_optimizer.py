"""GPO-family offline preference optimisation: DPO, IPO, SLiC and any convex ``f``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from rlsuite.agents.preference.common import PreferencePolicyLearner, _log
from rlsuite.agents.preference.losses import resolve_loss
from rlsuite.envs.validation import check_choice
from rlsuite.offline_data.preferences import PreferenceDataset

__all__ = ["BASE_POLICIES", "PreferenceOptimizer"]

#: Policies that can normalise the log-likelihoods inside ``Delta``.
BASE_POLICIES = ("reference", "sampling", "uniform")


class PreferenceOptimizer(PreferencePolicyLearner):
    """Minimise ``E_(x, y_w, y_l) f(beta * Delta)`` over the offline pairs.

    ``Delta = log pi(y_w)/pi_base(y_w) - log pi(y_l)/pi_base(y_l)`` (summed
    log-probabilities) and the base policy ``pi_base`` is the design choice
    studied by Agarwal, Dann & Marinov (ICML 2025):

    * ``"reference"``: ``pi_ref``, as in DPO / IPO;
    * ``"sampling"``: the policy ``mu`` that drew the pairs (read from the
      dataset), which removes ``mu``'s own log-likelihood from the fit;
    * ``"uniform"``: no normalisation (``pi_base`` cancels in ``Delta``).

    The policy starts at ``pi_ref`` whatever the base. With a tabular policy,
    ``Delta`` depends only on logit differences of responses that occur
    together in the data, so the loss says nothing about responses ``mu``
    never samples: their logits keep their initial value and their mass moves
    only through the normaliser (``experiments/preference_design`` measures it).

    Parameters
    ----------
    loss : str or callable
        ``"dpo"``, ``"ipo"``, ``"slic"``, ``"exponential"``,
        ``"truncated_quadratic"`` or a convex ``f`` with ``f'(0) < 0``
        (see :mod:`rlsuite.agents.preference.losses`).
    beta : float
        ``> 0``; larger keeps ``pi`` closer to the base policy.
    base_policy : str
        One of :data:`BASE_POLICIES`.
    reference_probs, policy, n_steps, learning_rate, seed, gradient_tolerance
        See :class:`~rlsuite.agents.preference.common.PreferencePolicyLearner`.
    """

    def __init__(
        self,
        loss: str | Callable[[torch.Tensor], torch.Tensor] = "dpo",
        beta: float = 0.1,
        base_policy: str = "reference",
        reference_probs: Any = None,
        policy: str | np.ndarray = "tabular",
        n_steps: int = 1000,
        learning_rate: float = 0.05,
        seed: int | np.random.Generator | None = None,
        *,
        gradient_tolerance: float | None = None,
    ) -> None:
        self.loss_name, self.loss_fn = resolve_loss(loss)
        self.base_policy = check_choice("base_policy", base_policy, BASE_POLICIES)
        super().__init__(
            beta,
            reference_probs,
            policy,
            n_steps,
            learning_rate,
            seed,
            gradient_tolerance=gradient_tolerance,
        )

    def _base_log_probs(self, dataset: PreferenceDataset) -> torch.Tensor:
        if self.base_policy == "reference":
            return self._ref_logp
        if self.base_policy == "sampling":
            # log mu = -inf only where mu never samples, and such responses are in no pair.
            logp = _log(dataset.sampling_probs)
            return torch.where(torch.isfinite(logp), logp, torch.zeros_like(logp))
        return torch.zeros_like(self._ref_logp)

    def objective(self, delta: torch.Tensor) -> torch.Tensor:
        """Count-weighted mean loss of the distinct triples given their ``Delta``."""
        return (self._weights * self.loss_fn(delta, self.beta)).sum()

    def _fit(self, dataset: PreferenceDataset, callback: Any = None) -> None:
        """Train from scratch (starting at ``pi_ref``) on ``dataset``."""
        self._setup(dataset)
        base_logp = self._base_log_probs(dataset)
        self._train(lambda: self.objective(self._log_ratio(base_logp)), callback)

"""Pessimistic distillation against the worst member of a reward-model ensemble (e-DPO)."""

from __future__ import annotations

import torch

from rlsuite.agents.preference.distilled_po import DistilledPO

__all__ = ["EnsembleDistilledPO"]


class EnsembleDistilledPO(DistilledPO):
    """e-DPO: minimise ``max_k L_distill(r_k, pi)`` over an ensemble ``{r_1, ..., r_K}``.

    Fisch et al. (TMLR 2025, Section 5) make distillation robust to an
    unreliable reward model by optimising against a *family* ``S`` of reward
    models, ``min_pi max_{r in S} L_distill(r, pi)``; with ``S`` a finite
    ensemble this is their e-DPO. They also derive a second member of the
    pessimistic family, DPO plus a forward ``KL(pi_ref || pi)`` regulariser
    (p-DPO). The exact max-min objective over an ensemble is
    :class:`~rlsuite.agents.preference.pessimistic_distilled_po.PessimisticDistilledPO`;
    this class is the worst-member loss, kept because

    * its pessimism is set by measured reward uncertainty (disagreement of
      bootstrap members from :class:`RewardModel`) rather than by an extra
      coefficient that must be tuned next to ``beta``;
    * it keeps distillation's bounded squared targets, so it inherits the
      boundedness that ``experiments/rm_distillation`` checks, while p-DPO
      keeps DPO's unbounded logistic term and only counters it;
    * it makes the study's point directly: when the policy class cannot
      represent every member exactly (a log-linear policy against tabular
      reward models), the worst-member objective differs from distilling the
      mean, and it is the only objective of the three whose value certifies a
      fit to *every* plausible reward.

    The max is taken over whole-dataset losses (full batch), as in the
    paper's objective; its gradient is that of the currently worst member
    (a subgradient), which Adam handles without smoothing at these sizes.

    Parameters
    ----------
    beta, reward_model, reference_probs, policy, n_steps, learning_rate, seed
        As :class:`DistilledPO`; ``reward_model`` should be an ensemble
        (``RewardModel(n_models=K)`` with ``K >= 2``), otherwise this equals
        :class:`DistilledPO`.
    """

    def aggregate(self, losses: torch.Tensor) -> torch.Tensor:
        """The worst member's loss."""
        return losses.max()

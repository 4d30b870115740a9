"""Offline preference learners: the GPO family (DPO / IPO / SLiC), reward models, distillation.

See :mod:`rlsuite.agents.preference.losses` for the losses and their
conventions. :class:`~rlsuite.agents.preference.reward_model.RewardModel` is
registered too: it is fit like the others and acts greedily on its ``r_hat``.
"""

from rlsuite.agents._lazy import package_exports

#: name -> "module:Class" (see :func:`rlsuite.agents.make_agent`)
AGENTS: dict[str, str] = {
    "RewardModel": "rlsuite.agents.preference.reward_model:RewardModel",
    "PreferenceOptimizer": "rlsuite.agents.preference.preference_optimizer:PreferenceOptimizer",
    "DistilledPO": "rlsuite.agents.preference.distilled_po:DistilledPO",
    "EnsembleDistilledPO": "rlsuite.agents.preference.ensemble_distilled_po:EnsembleDistilledPO",
    "PessimisticDistilledPO": (
        "rlsuite.agents.preference.pessimistic_distilled_po:PessimisticDistilledPO"
    ),
}

# Public helpers that are not agents.
_EXTRAS: dict[str, str] = {
    "TrainingLogger": "rlsuite.agents.preference.common:TrainingLogger",
    "LOSSES": "rlsuite.agents.preference.losses:LOSSES",
    "dpo_loss": "rlsuite.agents.preference.losses:dpo_loss",
    "ipo_loss": "rlsuite.agents.preference.losses:ipo_loss",
    "slic_loss": "rlsuite.agents.preference.losses:slic_loss",
    "gpo_loss": "rlsuite.agents.preference.losses:gpo_loss",
}

#: every public name -> "module:attribute", imported on first use (PEP 562)
EXPORTS, __all__, __getattr__, __dir__ = package_exports(__name__, globals(), AGENTS, _EXTRAS)

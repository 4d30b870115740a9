"""Offline preference learners: the GPO family (DPO / IPO / SLiC), reward models, distillation.

See :mod:`rlsuite.agents.preference.losses` for the losses and their
conventions. :class:`~rlsuite.agents.preference.reward_model.RewardModel` is a
learner that does not act, so it is not in :data:`AGENTS`.
"""

#: name -> "module:Class" (see :func:`rlsuite.agents.make_agent`)
AGENTS: dict[str, str] = {
    "PreferenceOptimizer": "rlsuite.agents.preference.preference_optimizer:PreferenceOptimizer",
    "DistilledPO": "rlsuite.agents.preference.distilled_po:DistilledPO",
    "EnsembleDistilledPO": "rlsuite.agents.preference.ensemble_distilled_po:EnsembleDistilledPO",
    "PessimisticDistilledPO": (
        "rlsuite.agents.preference.pessimistic_distilled_po:PessimisticDistilledPO"
    ),
}

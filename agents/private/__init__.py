"""Expert-level differentially private learners (Sharma et al. 2024; PATE; Opacus DP-SGD).

Each learner is trained with ``fit(dataset)`` on a Minari dataset whose
episodes carry ``infos["expert_id"]`` (or on in-memory episodes, see
:func:`rlsuite.agents.private.as_expert_data`), acts with SB3's
``predict`` and reports ``target_epsilon`` / ``epsilon_spent`` (and the
deltas). Opacus and dp_accounting come with ``pip install rlsuite[privacy]``
and are imported lazily.
"""

from rlsuite.agents._lazy import package_exports

#: name -> "module:Class" (see :func:`rlsuite.agents.make_agent`)
AGENTS: dict[str, str] = {
    "BehaviorCloning": "rlsuite.agents.private.behavior_cloning:BehaviorCloning",
    "ExpertDPSGD": "rlsuite.agents.private.expert_dpsgd:ExpertDPSGD",
    "ConsensusDP": "rlsuite.agents.private.consensus_dp:ConsensusDP",
    "PATEConsensus": "rlsuite.agents.private.pate_consensus:PATEConsensus",
}

# Public helpers that are not agents.
_EXTRAS: dict[str, str] = {
    "EpsilonLogger": "rlsuite.agents.private.budget:EpsilonLogger",
    "PrivacyBudget": "rlsuite.agents.private.budget:PrivacyBudget",
    "PrivacyBudgetExceeded": "rlsuite.agents.private.budget:PrivacyBudgetExceeded",
    "ExpertData": "rlsuite.agents.private._common:ExpertData",
    "as_expert_data": "rlsuite.agents.private._common:as_expert_data",
}

#: every public name -> "module:attribute", imported on first use (PEP 562)
EXPORTS, __all__, __getattr__, __dir__ = package_exports(__name__, globals(), AGENTS, _EXTRAS)

"""Expert-level differentially private learners (Sharma et al. 2024; PATE; Opacus DP-SGD).

Each learner is trained with ``fit(dataset)`` on a Minari dataset whose
episodes carry ``infos["expert_id"]`` (or on in-memory episodes, see
:func:`rlsuite.agents.private._common.as_expert_data`), acts with SB3's
``predict`` and reports ``epsilon`` / ``delta``. Opacus and dp_accounting
come with ``pip install rlsuite[privacy]`` and are imported lazily.
"""

from rlsuite.agents.private.budget import EpsilonLogger, PrivacyBudget, PrivacyBudgetExceeded

__all__ = [
    "AGENTS",
    "EpsilonLogger",
    "PrivacyBudget",
    "PrivacyBudgetExceeded",
    "BehaviorCloning",
    "ConsensusDP",
    "ExpertDPSGD",
    "PATEConsensus",
]

#: name -> "module:Class" (see :func:`rlsuite.agents.make_agent`)
AGENTS: dict[str, str] = {
    "BehaviorCloning": "rlsuite.agents.private.behavior_cloning:BehaviorCloning",
    "ExpertDPSGD": "rlsuite.agents.private.expert_dpsgd:ExpertDPSGD",
    "ConsensusDP": "rlsuite.agents.private.consensus_dp:ConsensusDP",
    "PATEConsensus": "rlsuite.agents.private.pate_consensus:PATEConsensus",
}

_LAZY = {name: path for name, path in AGENTS.items()}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, _, cls = _LAZY[name].partition(":")
        return getattr(importlib.import_module(module), cls)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

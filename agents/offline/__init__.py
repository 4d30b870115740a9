"""Offline imitation learners: BC, BC-Max and iterative BC-Max (arXiv 2403.19462)."""

from rlsuite.agents._lazy import package_exports

#: name -> "module:Class" (see :func:`rlsuite.agents.make_agent`)
AGENTS: dict[str, str] = {
    "BC": "rlsuite.agents.offline.bc:BC",
    "BCMax": "rlsuite.agents.offline.bcmax:BCMax",
    "IterativeBCMax": "rlsuite.agents.offline.iterative_bcmax:IterativeBCMax",
}

# Public helpers that are not agents.
_EXTRAS: dict[str, str] = {
    "MLPPolicy": "rlsuite.agents.offline.common:MLPPolicy",
    "Trajectory": "rlsuite.agents.offline.common:Trajectory",
    "CostThreshold": "rlsuite.agents.offline.inlining_heuristics:CostThreshold",
    "SingleCaller": "rlsuite.agents.offline.inlining_heuristics:SingleCaller",
    "SizeGreedy": "rlsuite.agents.offline.inlining_heuristics:SizeGreedy",
}

#: every public name -> "module:attribute", imported on first use (PEP 562)
EXPORTS, __all__, __getattr__, __dir__ = package_exports(__name__, globals(), AGENTS, _EXTRAS)

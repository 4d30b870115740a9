"""Steerable multi-objective learners (CLP and its baselines) and front metrics."""

from rlsuite.agents._lazy import package_exports

#: name -> "module:Class" (see :func:`rlsuite.agents.make_agent`)
AGENTS: dict[str, str] = {
    "CLP": "rlsuite.agents.multiobjective.clp:CLP",
    "PromptConditioned": "rlsuite.agents.multiobjective.prompt_conditioned:PromptConditioned",
    "RewardedSoups": "rlsuite.agents.multiobjective.rewarded_soups:RewardedSoups",
}

# Public helpers that are not agents.
_EXTRAS: dict[str, str] = {
    "SteeredPolicy": "rlsuite.agents.multiobjective.common:SteeredPolicy",
    "expected_utility": "rlsuite.agents.multiobjective.metrics:expected_utility",
    "hypervolume": "rlsuite.agents.multiobjective.metrics:hypervolume",
    "pareto_front": "rlsuite.agents.multiobjective.metrics:pareto_front",
}

#: every public name -> "module:attribute", imported on first use (PEP 562)
EXPORTS, __all__, __getattr__, __dir__ = package_exports(__name__, globals(), AGENTS, _EXTRAS)

"""Steerable multi-objective learners (CLP and its baselines) and front metrics."""

#: name -> "module:Class" (see :func:`rlsuite.agents.make_agent`)
AGENTS: dict[str, str] = {
    "CLP": "rlsuite.agents.multiobjective.clp:CLP",
    "PromptConditioned": "rlsuite.agents.multiobjective.prompt_conditioned:PromptConditioned",
    "RewardedSoups": "rlsuite.agents.multiobjective.rewarded_soups:RewardedSoups",
}

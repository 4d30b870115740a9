"""Bandit learners implementing :class:`rlsuite.agents.base.BanditAgent`.

Multi-armed (observation ``(1,)``): Random, EpsilonGreedy, UCB1,
ThompsonSampling, RobustUCB, GradientBandit. Linear contextual (observation
``(n_arms, dim)`` arm features): LinUCB (alias OFUL), CatoniOFUL, VACatoni,
HeavyOFUL.
"""

from rlsuite.agents._lazy import package_exports

#: name -> "module:Class" (see :func:`rlsuite.agents.make_agent`)
AGENTS: dict[str, str] = {
    "Random": "rlsuite.agents.bandits.random_agent:RandomAgent",
    "EpsilonGreedy": "rlsuite.agents.bandits.epsilon_greedy:EpsilonGreedy",
    "UCB1": "rlsuite.agents.bandits.ucb1:UCB1",
    "ThompsonSampling": "rlsuite.agents.bandits.thompson_sampling:ThompsonSampling",
    "RobustUCB": "rlsuite.agents.bandits.robust_ucb:RobustUCB",
    "GradientBandit": "rlsuite.agents.bandits.gradient_bandit:GradientBandit",
    "LinUCB": "rlsuite.agents.bandits.lin_ucb:LinUCB",
    "OFUL": "rlsuite.agents.bandits.lin_ucb:LinUCB",
    "CatoniOFUL": "rlsuite.agents.bandits.catoni_oful:CatoniOFUL",
    "VACatoni": "rlsuite.agents.bandits.va_catoni:VACatoni",
    "HeavyOFUL": "rlsuite.agents.bandits.heavy_oful:HeavyOFUL",
}

#: every public name -> "module:attribute", imported on first use (PEP 562)
EXPORTS, __all__, __getattr__, __dir__ = package_exports(__name__, globals(), AGENTS)

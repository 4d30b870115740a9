"""Bandit learners implementing :class:`rlsuite.agents.base.BanditAgent`."""

#: name -> "module:Class" (see :func:`rlsuite.agents.make_agent`)
AGENTS: dict[str, str] = {
    "Random": "rlsuite.agents.bandits.random_agent:RandomAgent",
    "EpsilonGreedy": "rlsuite.agents.bandits.epsilon_greedy:EpsilonGreedy",
    "UCB1": "rlsuite.agents.bandits.ucb1:UCB1",
}

"""Offline imitation learners: BC, BC-Max and iterative BC-Max (arXiv 2403.19462)."""

#: name -> "module:Class" (see :func:`rlsuite.agents.make_agent`)
AGENTS: dict[str, str] = {
    "BC": "rlsuite.agents.offline.bc:BC",
    "BCMax": "rlsuite.agents.offline.bcmax:BCMax",
    "IterativeBCMax": "rlsuite.agents.offline.iterative_bcmax:IterativeBCMax",
}

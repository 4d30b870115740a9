"""Settings of the expert-level DP study: two envs x five privacy levels.

The paper uses 3000 experts per environment; the default here is 300
(``settings(n_experts=3000)`` or ``python -m rlsuite.experiments.expert_dp
--sweep paper`` for the paper's size). Non-private BC ignores ``epsilon``.
"""

from __future__ import annotations

ENV_IDS = ("CartPole-v1", "Acrobot-v1")
EPSILONS = (0.5, 1.0, 2.0, 5.0, 10.0)
DELTA = 1e-5


def settings(n_experts: int = 300, episodes_per_expert: int = 2) -> tuple[dict, ...]:
    """The sweep for ``n_experts`` experts per environment."""
    return tuple(
        {
            "env_id": env_id,
            "epsilon": epsilon,
            "delta": DELTA,
            "n_experts": n_experts,
            "episodes_per_expert": episodes_per_expert,
        }
        for env_id in ENV_IDS
        for epsilon in EPSILONS
    )


SETTINGS = settings()
AGENTS = ("BehaviorCloning", "ExpertDPSGD", "ConsensusDP", "PATEConsensus")
NUM_SEEDS = 5
#: Not part of the quick suite (no "quick" sweep): one private fit takes tens of seconds.


#: Non-private BC ignores epsilon: it runs once per env (its own block, at the first epsilon).
def _blocks(sweep: tuple[dict, ...], seeds: int) -> list[dict]:
    """BC (which ignores epsilon) once per env at the first epsilon; the private agents at all."""
    return [
        {"settings": [s for s in sweep if s["epsilon"] == EPSILONS[0]], "agents": AGENTS[:1],
         "seeds": seeds},
        {"settings": sweep, "agents": AGENTS[1:], "seeds": seeds},
    ]  # fmt: skip


SWEEPS: dict = {
    "main": _blocks(SETTINGS, NUM_SEEDS),
    #: The paper's size: 3000 experts per environment.
    "paper": _blocks(settings(n_experts=3000), NUM_SEEDS),
    "smoke": {
        "settings": tuple(
            s
            for s in settings(n_experts=20, episodes_per_expert=1)
            if s["env_id"] == "CartPole-v1" and s["epsilon"] == 5.0
        ),
        "agents": ("BehaviorCloning", "PATEConsensus"),
        "seeds": 1,
    },
}

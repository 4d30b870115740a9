"""Settings of the expert-level DP study: two envs x five privacy levels.

The paper uses 3000 experts per environment; the default here is 300
(``settings(n_experts=3000)`` or ``python -m rlsuite.experiments.expert_dp
--experts 3000`` for the paper's size). Non-private BC ignores ``epsilon``.
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
#: Not part of the quick suite: one private fit takes tens of seconds.
QUICK_SETTINGS: tuple[dict, ...] = ()

"""Settings of the expert-level DP study: two envs x five privacy levels.

The experts are derived from SB3 PPO policies (``experts="trained"``,
:func:`rlsuite.offline_data.experts.make_trained_experts`; the base policies
are trained on first use and cached, see ``expert_cache_dir``). The paper
uses 3000 experts per environment; ``main`` uses 300 (what the shared 2-core
machine allows for the full grid with 3 seeds: 66 runs in about 14 minutes
with 2 workers),
``paper`` 3000. ``scripted`` is the previous study (scripted softmax experts).
Non-private BC ignores ``epsilon``: it runs once per env and is the ceiling.
"""

from __future__ import annotations

ENV_IDS = ("CartPole-v1", "Acrobot-v1")
EPSILONS = (0.5, 1.0, 2.0, 5.0, 10.0)
DELTA = 1e-5


def settings(
    n_experts: int = 300, episodes_per_expert: int = 2, experts: str = "trained"
) -> tuple[dict, ...]:
    """The sweep for ``n_experts`` experts per environment."""
    return tuple(
        {
            "env_id": env_id,
            "epsilon": epsilon,
            "delta": DELTA,
            "n_experts": n_experts,
            "episodes_per_expert": episodes_per_expert,
            "experts": experts,
        }
        for env_id in ENV_IDS
        for epsilon in EPSILONS
    )


SETTINGS = settings()
AGENTS = ("BehaviorCloning", "ExpertDPSGD", "ConsensusDP", "PATEConsensus")
#: The comparison the issue asks for (PATE is in the ``scripted`` sweep).
MAIN_AGENTS = AGENTS[:3]
NUM_SEEDS = 3
#: Not part of the quick suite (no "quick" sweep): one private fit takes tens of seconds.


def _blocks(sweep: tuple[dict, ...], seeds: int, agents: tuple[str, ...] = AGENTS) -> list[dict]:
    """BC (which ignores epsilon) once per env at the first epsilon; the private agents at all."""
    return [
        {"settings": [s for s in sweep if s["epsilon"] == EPSILONS[0]], "agents": agents[:1],
         "seeds": seeds},
        {"settings": sweep, "agents": agents[1:], "seeds": seeds},
    ]  # fmt: skip


SWEEPS: dict = {
    "main": _blocks(SETTINGS, NUM_SEEDS, MAIN_AGENTS),
    #: The paper's size: 3000 experts per environment.
    "paper": _blocks(settings(n_experts=3000), NUM_SEEDS, MAIN_AGENTS),
    #: The issue's check at the paper's size that fits the shared machine: CartPole, 3000
    #: experts, epsilon 0.5, 1 and 2 (where DP-SGD is below the ceiling at 300 experts), 3 seeds.
    "paper_core": [
        {
            "settings": [
                s
                for s in settings(n_experts=3000)
                if s["env_id"] == "CartPole-v1" and s["epsilon"] <= 2.0
            ],
            "agents": MAIN_AGENTS[1:],
            "seeds": NUM_SEEDS,
        },
    ],  # fmt: skip
    #: The previous study: 300 scripted softmax experts, all four learners, 5 seeds.
    "scripted": _blocks(settings(experts="scripted"), 5),
    "smoke": {
        "settings": tuple(
            s
            for s in settings(n_experts=20, episodes_per_expert=1, experts="scripted")
            if s["env_id"] == "CartPole-v1" and s["epsilon"] == 5.0
        ),
        "agents": ("BehaviorCloning", "PATEConsensus"),
        "seeds": 1,
    },
}

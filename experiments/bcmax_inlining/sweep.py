"""Settings of the BC-Max inlining study.

Each run draws ``n_train`` training modules and ``n_test`` held-out modules
(disjoint reset seeds) of ``rlsuite/Inlining-v0`` with all module families.
"""

from __future__ import annotations

BASELINES = ("cost_threshold", "single_caller", "size_greedy")
LEARNERS = ("BC", "BCMax", "IterativeBCMax-1", "IterativeBCMax-2", "IterativeBCMax-3")

SETTINGS: tuple[dict, ...] = ({"n_train": 200, "n_test": 300, "epochs": 15},)
AGENTS: tuple[str, ...] = BASELINES + LEARNERS
NUM_SEEDS = 2

QUICK_SETTINGS: tuple[dict, ...] = ({"n_train": 40, "n_test": 60, "epochs": 10},)
QUICK_AGENTS: tuple[str, ...] = BASELINES + ("BC", "BCMax")
QUICK_SEEDS = 1

SWEEPS: dict = {
    "main": {"settings": SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "quick": {"settings": QUICK_SETTINGS, "agents": QUICK_AGENTS, "seeds": QUICK_SEEDS},
    "smoke": {
        "settings": ({"n_train": 10, "n_test": 12, "epochs": 2},),
        "agents": ("cost_threshold", "BC"),
        "seeds": 1,
    },
}

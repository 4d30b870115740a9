"""Settings of the ``rm_distillation`` study."""

from __future__ import annotations

import itertools

SETTINGS: tuple[dict, ...] = tuple(
    {
        "n_responses": 60,
        "n_subset": 20,
        "max_seen_length": 0.6,
        "n_pairs": n_pairs,
        "beta": beta,
        "n_models": 5,
        "rm_l2": 0.1,
        "n_steps": 2000,
        "lr": 0.05,
        "log_every": 50,
    }
    for n_pairs, beta in itertools.product((30, 300), (0.5, 2.0))
)
AGENTS: tuple[str, ...] = ("dpo", "ipo", "distill", "distill_mean", "e-dpo")
NUM_SEEDS = 5

QUICK_SETTINGS: tuple[dict, ...] = ({**SETTINGS[0], "n_steps": 400, "log_every": 100},)
QUICK_AGENTS: tuple[str, ...] = ("dpo", "distill", "e-dpo")
QUICK_SEEDS = 1

SWEEPS: dict = {
    "main": {"settings": SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "quick": {"settings": QUICK_SETTINGS, "agents": QUICK_AGENTS, "seeds": QUICK_SEEDS},
    "smoke": {
        "settings": ({**QUICK_SETTINGS[0], "n_steps": 40, "log_every": 20},),
        "agents": QUICK_AGENTS[:2],
        "seeds": 1,
    },
}

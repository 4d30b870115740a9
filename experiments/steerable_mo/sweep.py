"""Settings of the steerable multi-objective study.

Three KL strengths on the default 16-context x 32-action instance; the
instance itself is drawn from the run's seed, so seeds are both learner and
problem replicates.
"""

from __future__ import annotations

_BASE = {
    "n_contexts": 16,
    "n_actions": 32,
    "hidden_sizes": [64, 64],
    "batch_size": 64,
    "pretrain_steps": 200,
    "total_timesteps": 32_000,
    "n_weights": 11,
}

SETTINGS: tuple[dict, ...] = tuple({**_BASE, "kl_coef": kl} for kl in (0.05, 0.1, 0.2))
AGENTS: tuple[str, ...] = ("CLP", "RewardedSoups", "PromptConditioned")
NUM_SEEDS: int = 3

QUICK_SETTINGS: tuple[dict, ...] = (
    {
        "n_contexts": 8,
        "n_actions": 16,
        "hidden_sizes": [32, 32],
        "batch_size": 32,
        "pretrain_steps": 100,
        "total_timesteps": 6_400,
        "n_weights": 11,
        "kl_coef": 0.1,
    },
)
QUICK_SEEDS: int = 1

SWEEPS: dict = {
    "main": {"settings": SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "quick": {"settings": QUICK_SETTINGS, "agents": AGENTS, "seeds": QUICK_SEEDS},
    "smoke": {
        "settings": ({**QUICK_SETTINGS[0], "total_timesteps": 640, "pretrain_steps": 10},),
        "agents": AGENTS[:1],
        "seeds": 1,
    },
}

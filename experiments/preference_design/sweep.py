"""Settings of the ``preference_design`` study.

Every setting is one ``(R, n, beta, sampling)``; the agents are the nine
``loss/base`` pairs. ``sampling="skewed"`` down-weights the best responses
(only there does ``mu`` vary over the sampled responses, so only there does
base=sampling differ from base=uniform); ``sampling="censored"`` never
samples the best quarter of responses, which is where the study looks at
unsampled responses.
"""

from __future__ import annotations

import itertools

LOSSES = ("dpo", "ipo", "slic")
BASES = ("reference", "sampling", "uniform")
REWARD_RANGES = (1.0, 4.0, 16.0)
N_PAIRS = (100, 1000, 10000)
BETAS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
SAMPLINGS = ("uniform", "skewed", "censored")

SETTINGS: tuple[dict, ...] = tuple(
    {
        "reward_range": r,
        "n_pairs": n,
        "beta": beta,
        "sampling": sampling,
        "n_contexts": 20,
        "n_responses": 16,
        "n_steps": 500,
        "lr": 0.1,
    }
    for sampling, r, n, beta in itertools.product(SAMPLINGS, REWARD_RANGES, N_PAIRS, BETAS)
)
AGENTS: tuple[str, ...] = tuple(f"{loss}/{base}" for loss in LOSSES for base in BASES)
NUM_SEEDS = 3

QUICK_SETTINGS: tuple[dict, ...] = tuple(
    {**s, "n_steps": 200}
    for s in SETTINGS
    if s["n_pairs"] == 1000 and s["beta"] == 1.0 and s["reward_range"] in (1.0, 16.0)
)
QUICK_AGENTS: tuple[str, ...] = ("dpo/reference", "ipo/reference", "dpo/sampling")
QUICK_SEEDS = 1

SWEEPS: dict = {
    "main": {"settings": SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "quick": {"settings": QUICK_SETTINGS, "agents": QUICK_AGENTS, "seeds": QUICK_SEEDS},
    "smoke": {
        "settings": tuple({**s, "n_steps": 20} for s in QUICK_SETTINGS[:1]),
        "agents": QUICK_AGENTS[:2],
        "seeds": 1,
    },
}

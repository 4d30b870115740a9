"""Settings of the data-mixture study.

One task of ``rlsuite/DataMixture-v1`` per seed (k = 4 bigram domains over 40
tokens, end task mixed from domains 0 and 1, 16,384-token training runs).
A setting fixes the number of observed training mixtures ``n_train``; every
regressor (agent) is scored on the same 90 held-out mixtures of a seed.
"""

from __future__ import annotations

#: Env kwargs of every setting (the env's defaults, spelled out for the table).
ENV_KWARGS: dict = {
    "n_domains": 4,
    "vocab_size": 40,
    "token_budget": 16384,
    "smoothing": 0.01,
    "relatedness": 0.5,
}

_STUDY = {"n_heldout": 90, "n_candidates": 4096, "n_eval_runs": 8}

#: Full study: the paper's small-sample regime, n in {6, 10, 25}.
SETTINGS: tuple[dict, ...] = tuple({**ENV_KWARGS, **_STUDY, "n_train": n} for n in (6, 10, 25))

#: Regressors (see :mod:`rlsuite.agents.mixture.regressors`).
AGENTS: tuple[str, ...] = ("linear", "linear_mde", "mde", "gbm")

NUM_SEEDS = 10

#: ``--suite quick``: 10 observed mixtures, 2 seeds.
QUICK_SETTINGS: tuple[dict, ...] = ({**ENV_KWARGS, **_STUDY, "n_train": 10},)
QUICK_SEEDS = 2

SWEEPS: dict = {
    "main": {"settings": SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "quick": {"settings": QUICK_SETTINGS, "agents": AGENTS, "seeds": QUICK_SEEDS},
    "smoke": {
        "settings": (
            {**ENV_KWARGS, "n_heldout": 20, "n_candidates": 64, "n_eval_runs": 1, "n_train": 6},
        ),
        "agents": ("linear", "linear_mde"),
        "seeds": 1,
    },
}

"""Settings of the data-mixture study (issue 15: MDE where the ensemble is not the answer).

One task of :class:`~rlsuite.envs.data_mixture.FactoredDataMixtureEnv` per
seed (``problem_seed = seed``; k = 4 domains over 40 tokens with shared
structure, 4,096-token training runs of a rank-limited LM). The main sweep
crosses the model-size knob ``model_rank`` in {1, 2, 4, 8, 16} (a domain
needs rank 4, all four domains at once rank 10) with the two objectives of
the paper's abstract, the validation loss and an end-task loss on a domain
that is not a training domain, at the paper's small-sample regime of
``n_train = 10`` observed mixtures; two more settings vary ``n_train`` (6,
25) at rank 4. Every regressor (agent) of a seed is scored on the same 90
held-out mixtures.
"""

from __future__ import annotations

#: Env kwargs of every setting (the env's defaults, spelled out for the table).
ENV_KWARGS: dict = {
    "n_domains": 4,
    "vocab_size": 40,
    "token_budget": 4096,
    "shared_weight": 0.8,
    "weight_decay": 1e-3,
}

_STUDY = {"n_heldout": 90, "n_candidates": 4096, "n_eval_runs": 8}

#: The model-size knob (rank of the trained LM) and the objectives.
MODEL_RANKS = (1, 2, 4, 8, 16)
OBJECTIVES = ("validation", "end_task")


def _setting(rank: int, objective: str, n_train: int = 10, **study) -> dict:
    return {
        **ENV_KWARGS,
        **_STUDY,
        **study,
        "model_rank": rank,
        "objective": objective,
        "n_train": n_train,
    }


#: Main study: rank x objective at n = 10, plus n = 6 and 25 at rank 4 (validation).
SETTINGS: tuple[dict, ...] = tuple(
    _setting(rank, objective) for objective in OBJECTIVES for rank in MODEL_RANKS
) + tuple(_setting(4, "validation", n) for n in (6, 25))

#: Regressors (see :mod:`rlsuite.agents.mixture.regressors`).
AGENTS: tuple[str, ...] = ("linear", "linear_mde", "mde", "gbm")

NUM_SEEDS = 5

#: ``--sweep quick``: the smallest and a large model, validation objective, 3 seeds.
QUICK_SETTINGS: tuple[dict, ...] = tuple(_setting(rank, "validation") for rank in (1, 8))
QUICK_SEEDS = 3

SWEEPS: dict = {
    "main": {"settings": SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "quick": {"settings": QUICK_SETTINGS, "agents": AGENTS, "seeds": QUICK_SEEDS},
    "smoke": {
        "settings": (_setting(1, "validation", 6, n_heldout=20, n_candidates=64, n_eval_runs=1),),
        "agents": ("linear", "linear_mde"),
        "seeds": 1,
    },
}

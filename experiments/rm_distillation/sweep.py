"""Settings of the ``rm_distillation`` study: the bias level of the pair selection, swept.

Where the numbers come from
---------------------------
* ``bias`` (fraction of kept pairs the longer response won): the paper's
  simulated length bias sweeps the share of preferred responses that are
  longer; 0.5 is unbiased. The grid (0.5, 0.7, 0.9, 1.0) is our choice; 1.0
  is included because it makes the data separable along length, the
  deterministic-preference regime of the paper's degeneracy analysis.
* ``beta`` in (0.1, 0.5): our choice, two KL strengths an order of magnitude
  of implicit-reward scale apart (the paper tunes beta per method).
* ``n_models = 5`` bootstrap reward models: our choice (the paper's
  ensembles are of a few reward models).
* ``rm_l2 = 0.1``: our choice of the reward model's ridge; the policy has
  no regulariser but the KL term, as in DPO.
* ``n_pairs = 100`` over 200 responses with 14 features and ``oracle_scale = 2``
  (Bradley-Terry labels agree with the oracle's order about 80 % of the time):
  our choice, a small offline data set relative to the policy's capacity.
"""

from __future__ import annotations

import itertools

BASE: dict = {
    "n_pairs": 100,
    "n_responses": 200,
    "n_quality": 3,
    "n_surface": 10,
    "oracle_scale": 2.0,
    "n_models": 5,
    "rm_l2": 0.1,
    "n_steps": 2000,
    "lr": 0.05,
    "log_every": 100,
}
BIASES = (0.5, 0.7, 0.9, 1.0)
BETAS = (0.1, 0.5)
ALL_AGENTS = ("dpo", "ipo", "distill", "distill_ensemble", "e-dpo", "pessimistic")

SWEEPS: dict[str, dict] = {
    "main": {
        "settings": tuple(
            {**BASE, "bias": bias, "beta": beta} for beta, bias in itertools.product(BETAS, BIASES)
        ),
        "agents": ALL_AGENTS,
        "seeds": 5,
    },
    "quick": {
        "settings": tuple({**BASE, "bias": bias, "beta": 0.5} for bias in (0.5, 1.0)),
        "agents": ("dpo", "distill", "pessimistic"),
        "seeds": 3,  # ~2 CPU-s per run: three seeds give the report a real interval
    },
    "smoke": {
        "settings": ({**BASE, "bias": 1.0, "beta": 0.5, "n_steps": 300, "n_models": 3},),
        "agents": ("dpo", "pessimistic"),
        "seeds": 1,
    },
}

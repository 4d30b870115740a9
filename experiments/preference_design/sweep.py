"""Settings of the ``preference_design`` study (Agarwal, Dann & Marinov, ICML 2025).

Every setting is one ``(R, beta, sampling)`` with 1000 pairs over 10 contexts
x 10 responses (sized so the 756-run sweep fits a few CPU-minutes on the shared
machine); the agents are the nine ``loss/base`` pairs. Every fit runs
to convergence (L-BFGS until the gradient is ``1e-5`` of its value at
``pi_ref`` or the loss stops changing; ``n_steps`` is only a safety limit and
the run records whether it was hit), so ``beta`` alone sets how far ``pi``
moves and the analysis can compare methods at matched ``KL(pi || pi_ref)``.

Choices (the paper's summarisation setting has no tabular analogue):
``R = 1`` gives noisy Bradley-Terry labels (the best-vs-worst label is right
with probability ``sigmoid(1) = 0.73``), ``R = 16`` near-deterministic ones.
``sampling="skewed"`` down-weights the best responses, so ``mu != pi_ref``
and base=sampling differs from base=uniform. The beta path is
``0.01 * 5**k``, k = 0..6 (0.01 to 156), wide enough that every method's frontier spans a
common KL range (DPO needs beta ~ 100 to stay near ``pi_ref``).
"""

from __future__ import annotations

import itertools

LOSSES = ("dpo", "ipo", "slic")
BASES = ("reference", "sampling", "uniform")
REWARD_RANGES = (1.0, 16.0)
BETAS = tuple(round(0.01 * 5**k, 6) for k in range(7))
SAMPLINGS = ("uniform", "skewed")
CONVERGED_FIT = {"gradient_tolerance": 1e-5, "n_steps": 3000}

SETTINGS: tuple[dict, ...] = tuple(
    {
        "reward_range": r,
        "n_pairs": 1000,
        "beta": beta,
        "sampling": sampling,
        "n_contexts": 10,
        "n_responses": 10,
        **CONVERGED_FIT,
    }
    for sampling, r, beta in itertools.product(SAMPLINGS, REWARD_RANGES, BETAS)
)
AGENTS: tuple[str, ...] = tuple(f"{loss}/{base}" for loss in LOSSES for base in BASES)
NUM_SEEDS = 3

QUICK_SETTINGS: tuple[dict, ...] = tuple(
    s for s in SETTINGS if s["sampling"] == "uniform" and s["reward_range"] == 16.0
)
QUICK_AGENTS: tuple[str, ...] = ("dpo/reference", "ipo/reference")

SWEEPS: dict = {
    "main": {"settings": SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    # Seconds per run: three seeds give the report a real interval.
    "quick": {"settings": QUICK_SETTINGS, "agents": QUICK_AGENTS, "seeds": NUM_SEEDS},
    "smoke": {
        "settings": tuple({**s, "n_contexts": 4, "n_responses": 6} for s in QUICK_SETTINGS[::4]),
        "agents": QUICK_AGENTS,
        "seeds": 1,
    },
}

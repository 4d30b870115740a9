"""Settings of the SGB any-step-size study.

Means ``(0.2, 0.05, -0.1, -0.4)`` with ``N(0, 0.1^2)`` reward noise and a
uniform initial policy (``theta_1 = 0``). Where they come from: the
four-armed problem and ``eta in {1, 10, 100, 1000}`` are those of the
study's first version, said to follow Figure 1 of Mei et al. (NeurIPS 2024,
arXiv 2502.07141). The paper's experimental section could not be retrieved
with this project's search tool (only abstracts and summaries were found), so
the reward values and horizon are *not* checked against the paper; the 2024
paper's analysis assumes bounded rewards, which Gaussian noise is not (it
is kept because its noise level is small against the gaps; see the closing
note of issue 14).

One run steps ``copies`` independent copies *per learning rate* of the
native vector env (``rlsuite/MultiArmedBandit-v1``) with one batched
GradientBandit whose runs carry their own ``eta``: every ``eta`` in one
loop, to ``T = 10^6`` (``--settings long``: ``10^7``).
"""

from __future__ import annotations

MEANS: tuple[float, ...] = (0.2, 0.05, -0.1, -0.4)
NOISE_STD = 0.1
HORIZON = 1_000_000
COPIES = 200
ETAS: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0)
#: Rounds at which the fraction converged is reported (those ``<= horizon``).
CHECKPOINTS: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000, 10_000_000)
#: A copy counts as converged at ``t`` when ``r(a*) - pi_t^T r`` is below this.
CONVERGED_BELOW = 1e-2


def _setting(etas: tuple[float, ...], horizon: int, copies: int = COPIES) -> dict:
    return {
        "etas": list(etas),
        "baseline": False,
        "horizon": horizon,
        "copies": copies,
        "means": list(MEANS),
        "noise_std": NOISE_STD,
    }


SETTINGS: tuple[dict, ...] = (_setting(ETAS, HORIZON),)
AGENTS: tuple[str, ...] = ("GradientBandit",)
#: Each run already holds ``COPIES`` independent copies.
NUM_SEEDS = 1

QUICK_SETTINGS: tuple[dict, ...] = (_setting(ETAS, 20_000, 50),)
QUICK_SEEDS = 1
SMOKE_SETTINGS: tuple[dict, ...] = (_setting((1.0, 100.0), 2_000, 8),)
LONG_SETTINGS: tuple[dict, ...] = (_setting(ETAS, 10_000_000),)
#: ``--sweep short``: the same copies to ``T = 10^5`` (what a loaded shared machine affords).
SHORT_SETTINGS: tuple[dict, ...] = (_setting(ETAS, 100_000),)

SWEEPS: dict = {
    "main": {"settings": SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "quick": {"settings": QUICK_SETTINGS, "agents": AGENTS, "seeds": QUICK_SEEDS},
    "smoke": {"settings": SMOKE_SETTINGS, "agents": AGENTS, "seeds": 1},
    "long": {"settings": LONG_SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "short": {"settings": SHORT_SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
}

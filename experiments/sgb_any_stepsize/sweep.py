"""Settings of the SGB any-step-size study.

Means ``(0.2, 0.05, -0.1, -0.4)`` with ``N(0, 0.1^2)`` reward noise,
``theta_1 = 0`` (uniform initial policy) and ``T = 10^5`` are the issue's
starting point; the paper's text was not retrievable here, so they are used
as given (see the closing note).
"""

from __future__ import annotations

MEANS: tuple[float, ...] = (0.2, 0.05, -0.1, -0.4)
NOISE_STD = 0.1
HORIZON = 100_000
ETAS: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0)
#: Rounds at which suboptimality is reported (those ``<= horizon``).
CHECKPOINTS: tuple[int, ...] = (1_000, 10_000, 100_000)
#: A run counts as converged at ``t`` when ``r(a*) - pi_t^T r`` is below this.
CONVERGED_BELOW = 1e-2


def _setting(eta: float, horizon: int) -> dict:
    return {
        "eta": eta,
        "baseline": False,
        "horizon": horizon,
        "means": list(MEANS),
        "noise_std": NOISE_STD,
    }


SETTINGS: tuple[dict, ...] = tuple(_setting(eta, HORIZON) for eta in ETAS)
AGENTS: tuple[str, ...] = ("GradientBandit",)
NUM_SEEDS = 10

QUICK_SETTINGS: tuple[dict, ...] = tuple(_setting(eta, 2_000) for eta in (1.0, 100.0))
QUICK_SEEDS = 3

SWEEPS: dict = {
    "main": {"settings": SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "quick": {"settings": QUICK_SETTINGS, "agents": AGENTS, "seeds": QUICK_SEEDS},
    "smoke": {"settings": (_setting(1.0, 200),), "agents": AGENTS, "seeds": 1},
}

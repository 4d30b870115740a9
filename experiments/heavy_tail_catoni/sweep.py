"""Settings of the Catoni study, in the paper's regime: large range, small known variance.

Ye, Jin, Agarwal & Zhang (ICML 2025, arXiv 2502.02486) bound Catoni-OFUL's
regret by the cumulative variance ``sum_t sigma_t^2`` and only ``log R`` in
the reward range ``R``, where OFUL's bound scales with ``R``. The main sweep
holds the cumulative variance fixed and grows the range:

* noise: :class:`~rlsuite.envs.noise.Spike` spikes ``+-std / sqrt(p)``
  with probability ``p = (2 std / R)^2`` (mean 0, variance ``std^2``, range
  ``R``), ``R in {10, 100, 1000}``;
* homoscedastic rounds with ``std = sqrt(0.37) = 0.608`` and heteroscedastic
  rounds with ``sigma_t ~ U[0.1, 1]`` revealed before acting (unit-std
  spikes): both have ``E sigma_t^2 = 0.37``, so the same cumulative variance;
* ``d = 10``, 20 arms, ``T = 10^4``, ``gap = 0.3`` (the env default), 10
  seeds run as 10 copies of the native vector env in one run;
* every radius at its theoretical value (``beta_scale = 1``, nothing tuned).

Agents: ``OFUL-trueR`` (OFUL with the sub-Gaussian scale ``R / 2`` of the
stated range, its theory's choice), ``OFUL-sigma`` (OFUL told the noise std,
the misspecified optimistic case), ``CatoniOFUL``, ``VACatoni`` and
``HeavyOFUL`` (``epsilon = 1``: the variance exists).

Extra sweeps (``--settings NAME``): ``pareto`` (the same grid with the
two-sided truncated Pareto, ``alpha = 1.5``), ``sigma1`` (homoscedastic with
``std = 1``, the issue's first probe) and ``outside`` (the former Student-t
sweep, labelled *outside the assumptions*: ``t`` noise is unbounded and at
``df = 1.02`` has no variance), ``small_r`` (``R in {2, 4, 10}``, below
OFUL-trueR's saturation), ``r1000`` (100 more copies of homoscedastic
``R = 1000``, the boundary case of the 1/5 claim), ``long`` (the main
grid at ``T = 3 x 10^4``) and ``pareto_long`` (the ``pareto`` grid at
``T = 3 x 10^4``).

Why ``long``: from ``R = 100`` on, OFUL told the true range is at (or above)
uniform play by ``T = 10^4`` (2982-2990 against 2850), so at that horizon
the CatoniOFUL / OFUL-trueR ratio is CatoniOFUL's regret over the maximum
and says little about growth, which is what the paper's claim is about
(regret linear in ``T`` and in ``R`` for OFUL-trueR, logarithmic in ``R``
for CatoniOFUL). The long runs keep each copy's regret at ``t = 10^4`` and
``2 x 10^4`` too (:data:`~rlsuite.experiments.heavy_tail_catoni.run.CHECKPOINTS`),
and the env's draws do not depend on the horizon, so their first ``10^4``
rounds are the main sweep's runs: the ``T = 10^4`` ratio is reported from
the same runs, alongside the longer horizons.
"""

from __future__ import annotations

import math

N_ARMS = 20
DIM = 10
HORIZON = 10_000
GAP = 0.3
COPIES = 10
RANGES: tuple[float, ...] = (10.0, 100.0, 1000.0)
#: ``E sigma_t^2`` of ``sigma_t ~ U[0.1, 1]``: ``(1 - 0.1^3) / (3 * 0.9)``.
MEAN_VARIANCE = (1.0 - 0.1**3) / (3.0 * 0.9)
HOMOSCEDASTIC_STD = math.sqrt(MEAN_VARIANCE)


def _setting(family: str, reward_range: float, heteroscedastic: bool, std: float, **extra) -> dict:
    return {
        "noise": family,
        "reward_range": reward_range,
        "noise_std": 1.0 if heteroscedastic else std,
        "heteroscedastic": heteroscedastic,
        "n_arms": N_ARMS,
        "dim": DIM,
        "horizon": HORIZON,
        "gap": GAP,
        "copies": COPIES,
        "beta_scale": 1.0,
        "moment_epsilon": 1.0,
        **extra,
    }


def _grid(family: str, horizon: int = HORIZON, copies: int = COPIES, **extra) -> tuple[dict, ...]:
    return tuple(
        {
            **_setting(family, r, hetero, HOMOSCEDASTIC_STD, **extra),
            "horizon": horizon,
            "copies": copies,
        }
        for hetero in (False, True)
        for r in RANGES
    )


SETTINGS: tuple[dict, ...] = _grid("spike")
AGENTS: tuple[str, ...] = ("OFUL-trueR", "OFUL-sigma", "CatoniOFUL", "VACatoni", "HeavyOFUL")
#: One run holds all ``COPIES`` seeds as copies of the vector env.
NUM_SEEDS = 1

QUICK_SETTINGS: tuple[dict, ...] = tuple(
    p for p in _grid("spike", horizon=3_000, copies=3) if p["reward_range"] in (10.0, 1000.0)
)
QUICK_AGENTS: tuple[str, ...] = ("OFUL-trueR", "OFUL-sigma", "CatoniOFUL")
QUICK_SEEDS = 1
#: A tiny sweep for tests.
SMOKE_SETTINGS: tuple[dict, ...] = tuple(
    p for p in _grid("spike", horizon=300, copies=3) if p["reward_range"] == 100.0
)
SMOKE_AGENTS: tuple[str, ...] = ("OFUL-trueR", "CatoniOFUL")

PARETO_SETTINGS: tuple[dict, ...] = _grid("truncated_pareto", alpha=1.5)
SIGMA1_SETTINGS: tuple[dict, ...] = tuple({**_setting("spike", r, False, 1.0)} for r in RANGES)

#: ``--sweep r1000``: more copies of the boundary case (homoscedastic, R = 1000),
#: where the main sweep's CatoniOFUL / OFUL-trueR ratio is 0.2008 over 10 copies.
R1000_COPIES = 100
R1000_SETTINGS: tuple[dict, ...] = (
    {**_setting("spike", 1000.0, False, HOMOSCEDASTIC_STD), "copies": R1000_COPIES},
)
R1000_AGENTS: tuple[str, ...] = ("OFUL-trueR", "CatoniOFUL")

#: ``--sweep small_r``: ranges below the main grid, where OFUL told the true range
#: is not yet at uniform play at ``T = 10^4`` (it is from ``R = 100`` on), so its
#: growth in ``R`` can be seen. ``R = 2`` is the smallest range of unit-std spikes
#: (``p = (2 / R)^2 = 1``: Rademacher noise).
SMALL_RANGES: tuple[float, ...] = (2.0, 4.0, 10.0)
SMALL_R_SETTINGS: tuple[dict, ...] = tuple(
    _setting("spike", r, hetero, HOMOSCEDASTIC_STD)
    for hetero in (False, True)
    for r in SMALL_RANGES
)

#: Student-t noise of decreasing tail index: outside the paper's assumptions.
OUTSIDE_NOISES: tuple[tuple[str, float | None, float], ...] = (
    ("gaussian", None, 1.0),
    ("student_t", 3.0, 1.0),
    ("student_t", 2.1, 1.0),
    ("student_t", 1.02, 0.01),
)
OUTSIDE_SETTINGS: tuple[dict, ...] = tuple(
    {
        **_setting(family, math.inf, False, 1.0),
        "reward_range": None,
        "df": df,
        "moment_epsilon": epsilon,
        "label": "outside the assumptions",
    }
    for family, df, epsilon in OUTSIDE_NOISES
)

#: Ablation labels (``--sweep agent_ablation``): registry name and extra kwargs.
ABLATION_AGENTS: dict[str, tuple[str, dict]] = {
    "CatoniOFUL-refit1.1": ("CatoniOFUL", {"refit_ratio": 1.1}),
    "VACatoni-4th": ("VACatoni", {}),
}

#: ``--sweep long``: the main grid at three times the horizon (see the module docstring).
LONG_HORIZON = 30_000
LONG_SETTINGS: tuple[dict, ...] = _grid("spike", horizon=LONG_HORIZON)
PARETO_LONG_SETTINGS: tuple[dict, ...] = _grid("truncated_pareto", horizon=LONG_HORIZON, alpha=1.5)

SWEEPS: dict = {
    "main": {"settings": SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "quick": {"settings": QUICK_SETTINGS, "agents": QUICK_AGENTS, "seeds": QUICK_SEEDS},
    "smoke": {"settings": SMOKE_SETTINGS, "agents": SMOKE_AGENTS, "seeds": 1},
    "pareto": {"settings": PARETO_SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "sigma1": {"settings": SIGMA1_SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "small_r": {"settings": SMALL_R_SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "r1000": {"settings": R1000_SETTINGS, "agents": R1000_AGENTS, "seeds": NUM_SEEDS},
    "long": {"settings": LONG_SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "pareto_long": {"settings": PARETO_LONG_SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "outside": {"settings": OUTSIDE_SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "agent_ablation": {"settings": SETTINGS, "agents": tuple(ABLATION_AGENTS), "seeds": NUM_SEEDS},
}

"""Settings of the heavy-tailed bandit study.

A K-armed ``rlsuite/MultiArmedBandit-v1`` with one best arm ``gap`` above the
other ``K - 1`` (which share a mean) and Student-t reward noise. ``df`` is the
tail index: ``df = 1.5`` has a mean but no variance (the regime of robust
UCB, Bubeck, Cesa-Bianchi & Lugosi 2013), ``df = 3`` has a variance but no
third moment, and ``gaussian`` is the light-tailed control. The position of
the best arm is permuted by seed so no agent wins on tie-breaking.
"""

from __future__ import annotations

_BASE = {"n_arms": 5, "base_mean": 0.5, "scale": 1.0}

#: Full study: three tail indices plus a Gaussian control, two gaps, T = 10,000.
SETTINGS: tuple[dict, ...] = tuple(
    {**_BASE, "gap": gap, "horizon": 10_000, "noise": noise, "df": df}
    for noise, df in (
        ("student_t", 1.5),
        ("student_t", 2.0),
        ("student_t", 3.0),
        ("gaussian", None),
    )
    for gap in (0.25, 0.5)
)

#: Agents of :func:`rlsuite.agents.make_agent` (run on the native vector env) ...
BANDIT_AGENTS: tuple[str, ...] = (
    "Random",
    "EpsilonGreedy",
    "UCB1",
    "ThompsonSampling",
    "RobustUCB-catoni",
    "RobustUCB-truncated",
)
#: ... and SB3 PPO on the one-step-episode env.
AGENTS: tuple[str, ...] = (*BANDIT_AGENTS, "PPO")

NUM_SEEDS = 20

#: ``--suite quick``: the two tail indices at a fixed gap and T = 2,000.
QUICK_SETTINGS: tuple[dict, ...] = tuple(
    {**_BASE, "gap": 0.5, "horizon": 2_000, "noise": "student_t", "df": df} for df in (1.5, 3.0)
)
QUICK_SEEDS = 8

SWEEPS: dict = {
    "main": {"settings": SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "quick": {"settings": QUICK_SETTINGS, "agents": AGENTS, "seeds": QUICK_SEEDS},
    "smoke": {
        "settings": tuple({**s, "horizon": 200} for s in QUICK_SETTINGS[:1]),
        "agents": ("Random", "UCB1"),
        "seeds": 1,
    },
}

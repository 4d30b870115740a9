"""Settings of the BC-Max inlining study (Marinov, Agarwal & Trofin, arXiv 2403.19462, section 5).

Where the numbers come from
---------------------------
* The case study: an inlining-for-size policy trained with online RL, plus
  the compiler's own heuristic, are the initial baselines; iterative BC-Max
  adds each round's clone to them and re-clones (paper, section 5; the
  MLGO release ``inlining-Oz-v1.2`` notes say the same: previous RL model
  plus the compiler's greedy policy). Here the RL policy is SB3 PPO trained
  online on the training corpus, and the heuristics are the three of
  :mod:`rlsuite.agents.offline.inlining_heuristics` (``cost_threshold`` is
  the LLVM-like default). The real corpora (a proprietary one, Chrome on
  Android) are replaced by the synthetic modules of ``rlsuite/Inlining-v0``.
* PPO: SB3's defaults (see :mod:`rlsuite.experiments.bcmax_inlining.ppo`);
  the budget (``ppo_timesteps``) is ours: 200k decisions in ``main`` (about
  6,000 module compilations, ~2 CPU-minutes per seed). A 300k-step probe
  (seed 0, 100 held-out modules) levelled off by 60-90k steps: 18.98 % at
  60k, 19.64 % at 150k, 19.61 % at 300k; the held-out curve
  (``ppo_checkpoints``) shows it for every seed.
* ``n_train = 200`` corpus modules, ``n_test = 300`` held-out ones,
  ``epochs = 15`` of BC per round (a 64-64 MLP): the earlier study's values.
  ``rounds = 4`` extra rounds after BC-Max (the paper ran "a few").
* Seeds: 4 in ``main``, 3 in ``quick`` (intervals need >= 3), 1 in ``smoke``;
  ``main`` is ~14 CPU-minutes in all.
"""

from __future__ import annotations

AGENTS: tuple[str, ...] = ("iterative_bcmax",)

MAIN = {
    "n_train": 200,
    "n_test": 300,
    "n_curve": 100,
    "epochs": 15,
    "rounds": 4,
    "ppo_timesteps": 200_000,
    "ppo_checkpoints": 8,
}
QUICK = {**MAIN, "n_train": 60, "n_test": 80, "n_curve": 40, "rounds": 2, "ppo_timesteps": 16_384}
SMOKE = {
    "n_train": 10,
    "n_test": 12,
    "n_curve": 6,
    "epochs": 2,
    "rounds": 1,
    "ppo_timesteps": 2_048,
    "ppo_checkpoints": 1,
}

SWEEPS: dict[str, dict] = {
    "main": {"settings": (MAIN,), "agents": AGENTS, "seeds": 4},
    "quick": {"settings": (QUICK,), "agents": AGENTS, "seeds": 3},
    "smoke": {"settings": (SMOKE,), "agents": AGENTS, "seeds": 1},
}

"""Settings of the process-rewards study (Setlur et al., ICLR 2025, didactic task of §3.3).

Where the numbers come from
---------------------------
* The task (15 tokens, target of 5, responses of 10) and the ``mu_gamma``
  provers are the paper's didactic setting (§3.3, Appendix B).
* The base policy is ``mu_{base_gamma}``: ``base_gamma = 5`` succeeds with
  probability 0.62 %, ``8`` with 2.8 % (exact), inside the 0.5-5 % the issue
  asks for; the paper's base policies are LLMs, so these values are ours.
* Provers (the agents): outcome reward only; ``gamma`` in {2, 3} (weaker than
  either base policy, the weak-prover test), 10, 30, 100; and Best-of-K of the
  base policy for ``K`` in {1, 4, 16} (the paper's ``BoK(pi)`` family, §3.4).
* ``alpha`` in {0.5, 1, 3}: our grid around the paper's ``alpha`` of order 1.
* RL: tabular softmax policy gradient, 200 iterations of 64 responses,
  learning rate 1 (our choice, the one the earlier study used), exact A^mu.
* Beam search: 3 candidates per beam (the issue), widths 1-32, verifier
  values from 4 Monte Carlo rollouts per state (``n_rollouts``; a verifier
  trained on few rollouts), 40 targets per run.
"""

from __future__ import annotations

import itertools
from typing import Any

BASE_GAMMAS = (5.0, 8.0)
ALPHAS = (0.5, 1.0, 3.0)
#: Agents are verifiers: outcome reward, gamma provers, Best-of-K of the base policy.
PROVERS: tuple[str, ...] = (
    "outcome",
    "gamma_2",
    "gamma_3",
    "gamma_10",
    "gamma_30",
    "gamma_100",
    "bok_1",
    "bok_4",
    "bok_16",
)

RL_SETTINGS = tuple(
    {
        "study": "rl",
        "base_gamma": base,
        "alpha": alpha,
        "iterations": 200,
        "batch_size": 64,
        "learning_rate": 1.0,
    }
    for base, alpha in itertools.product(BASE_GAMMAS, ALPHAS)
)

BEAM_SETTINGS = tuple(
    {
        "study": "beam",
        "base_gamma": base,
        "alpha": 1.0,
        "candidates": 3,
        "widths": [1, 2, 4, 8, 16, 32],
        "n_rollouts": 4,
        "searches": 40,
    }
    for base in BASE_GAMMAS
)

# 96k steps = 150 PG iterations of 64 responses: half the PG budget, because PPO costs
# ~3 ms of CPU per step here. Larger minibatches and fewer epochs than SB3's defaults
# (64, 10) cut PPO's update cost ~2x, and a learning rate of 1e-3 (SB3: 3e-4) lets the
# advantage variant finish within the budget; both agents get the same hyperparameters.
# ``process_reward``: "reward" trains on ProcessRewardWrapper (potential-based shaping,
# which an undiscounted critic cancels), "advantage" adds alpha * A^mu to PPO's GAE
# advantages (the paper's effective advantage, ProcessAdvantageCallback).
PPO_SETTINGS = tuple(
    {
        "study": "ppo",
        "process_reward": process_reward,
        "gamma": 10.0,
        "alpha": 1.0,
        "total_timesteps": 96_000,
        "batch_size": 256,
        "n_epochs": 4,
        "learning_rate": 1e-3,
        "eval_episodes": 1000,
    }
    for process_reward in ("reward", "advantage")
)

#: A sweep is one block or, per-setting agent lists, a list of blocks (see experiments.base).
SWEEPS: dict[str, dict[str, Any] | list[dict[str, Any]]] = {
    "main": {"settings": RL_SETTINGS + BEAM_SETTINGS, "agents": PROVERS, "seeds": 5},
    # SB3 PPO (minutes per run): its own sweep, outcome vs the gamma = 10 prover. Outcome
    # PPO ignores process_reward, so it runs under the first setting only (no duplicate runs).
    "ppo": [
        {"settings": PPO_SETTINGS[:1], "agents": ("pav", "outcome"), "seeds": 2},
        {"settings": PPO_SETTINGS[1:], "agents": ("pav",), "seeds": 2},
    ],
    "quick": {
        "settings": (
            {**RL_SETTINGS[1], "iterations": 80},
            {**BEAM_SETTINGS[0], "widths": [2, 8], "searches": 10},
        ),
        "agents": ("outcome", "gamma_100", "bok_4"),
        "seeds": 3,  # seconds per run: three seeds give the report a real interval
    },
    "smoke": {
        "settings": ({**RL_SETTINGS[1], "iterations": 20, "batch_size": 16},),
        "agents": ("outcome", "bok_4"),
        "seeds": 1,
    },
}

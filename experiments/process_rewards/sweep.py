"""Settings of the process-rewards study.

Three kinds of settings (``study``):

``rl``
    Every prover ``gamma`` in {1, 3, 10, 30, 100} times ``alpha`` in {0.5, 1}:
    :class:`~rlsuite.agents.process.PAVPolicyGradient` for ``iterations``
    iterations of ``batch_size`` responses, from the uniform policy.
``beam``
    Beam search (``C = 3`` candidates per beam) from a base policy
    ``mu_base_gamma``, widths ``widths``, scores from ``n_rollouts`` Monte Carlo
    rollouts per state (``None``: exact values), ``searches`` targets per run.
``ppo``
    SB3 PPO with ``alpha * A^mu`` added to its rewards
    (:class:`~rlsuite.agents.process.ProcessRewardWrapper`) or to its advantages
    (:class:`~rlsuite.agents.process.sb3_callback.ProcessAdvantageCallback`),
    against PPO on the outcome reward, same ``total_timesteps``.

Agents: ``pav`` uses the prover ``mu_gamma`` (effective reward / wrapper);
``outcome`` uses the outcome reward only (``mu = pi`` / bare env).
"""

from __future__ import annotations

GAMMAS = (1.0, 3.0, 10.0, 30.0, 100.0)
ALPHAS = (0.5, 1.0)

RL_SETTINGS = tuple(
    {
        "study": "rl",
        "gamma": gamma,
        "alpha": alpha,
        "iterations": 300,
        "batch_size": 64,
        "learning_rate": 1.0,
    }
    for alpha in ALPHAS
    for gamma in GAMMAS
)

BEAM_SETTINGS = tuple(
    {
        "study": "beam",
        "gamma": gamma,
        "alpha": 1.0,
        "base_gamma": 5.0,
        "candidates": 3,
        "widths": [2, 8, 32],
        "n_rollouts": n_rollouts,
        "searches": 40,
    }
    for gamma, n_rollouts in [(g, 4) for g in GAMMAS] + [(10.0, None)]
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

SETTINGS: tuple[dict, ...] = RL_SETTINGS + BEAM_SETTINGS + PPO_SETTINGS
AGENTS: tuple[str, ...] = ("pav", "outcome")
NUM_SEEDS = 5

# A few seconds in all: gamma = 10 vs outcome, 60 iterations, and one small beam.
QUICK_SETTINGS: tuple[dict, ...] = (
    {
        "study": "rl",
        "gamma": 10.0,
        "alpha": 1.0,
        "iterations": 60,
        "batch_size": 32,
        "learning_rate": 5.0,
    },
    {
        "study": "beam",
        "gamma": 10.0,
        "alpha": 1.0,
        "base_gamma": 5.0,
        "candidates": 3,
        "widths": [8],
        "n_rollouts": 4,
        "searches": 10,
    },
)
QUICK_SEEDS = 1

SWEEPS: dict = {
    "main": {"settings": SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "quick": {"settings": QUICK_SETTINGS, "agents": AGENTS, "seeds": QUICK_SEEDS},
    "smoke": {
        "settings": ({**QUICK_SETTINGS[0], "iterations": 5}, {**QUICK_SETTINGS[1], "searches": 2}),
        "agents": AGENTS,
        "seeds": 1,
    },
}

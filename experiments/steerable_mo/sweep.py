"""Settings of the steerable multi-objective study (Wang et al., CLP, EMNLP Findings 2024).

Where the numbers come from
---------------------------
* The task: :class:`~rlsuite.envs.multi_objective_bandit.MultiObjectiveBanditEnv`,
  16 prompts (contexts) x 32 responses (actions), two conflicting objectives;
  the instance is drawn from the run's seed, so seeds replicate both the
  problem and the learner. The prompts make it multi-task: one policy must
  steer every prompt, and each prompt of a batch gets its own ``w``.
* Training (ours; the paper fine-tunes T5/Gemma with sampled responses):
  sampled REINFORCE gradients with a leave-one-out baseline over 4 responses
  per prompt, 64 prompts per step (256 env interactions), Adam 3e-3, 200
  distillation steps onto ``pi_ref`` first; the reward of every interaction is
  the env's noisy vector: ``bernoulli`` (each objective a binary judge,
  per-draw std 0.2-0.5) or ``gaussian`` with std 1 (several times the spread
  of the means). These were set once, before any result, and not tuned.
* Equal training compute: every method spends ``total_timesteps = 128_000``
  env interactions in 500 gradient steps of 256; rewarded soups splits them
  round-robin across its two experts (250 steps, 64k interactions each).
* KL strengths ``beta`` in {0.05, 0.2}: both ends of the earlier
  exact-gradient study's {0.05, 0.1, 0.2}.
* Evaluation: 11 weights ``(1 - t, t)``; 5 seeds (95 % t-intervals);
  10 checkpoints of the hypervolume ratio along training.
* ``exact`` (extra sweep): the Bernoulli settings with full-information
  gradients (same prompts, steps and batch), to show what sampling costs.
"""

from __future__ import annotations

_BASE = {
    "n_contexts": 16,
    "n_actions": 32,
    "hidden_sizes": [64, 64],
    "batch_size": 64,
    "samples_per_context": 4,
    "learning_rate": 3e-3,
    "pretrain_steps": 200,
    "gradient": "reinforce",
    "total_timesteps": 128_000,
    "n_weights": 11,
    "n_checkpoints": 10,
}

NOISES = ({"noise": "bernoulli"}, {"noise": "gaussian", "noise_std": 1.0})
KL_COEFS = (0.05, 0.2)
SETTINGS: tuple[dict, ...] = tuple(
    {**_BASE, **noise, "kl_coef": kl} for noise in NOISES for kl in KL_COEFS
)
AGENTS: tuple[str, ...] = ("CLP", "RewardedSoups", "PromptConditioned")
NUM_SEEDS: int = 5

#: Full-information gradients on the Bernoulli settings (128_000 / 256 = 500 steps of 64 prompts).
EXACT_SETTINGS: tuple[dict, ...] = tuple(
    {**s, "gradient": "exact", "total_timesteps": 500 * 64}
    for s in SETTINGS
    if s["noise"] == "bernoulli"
)

QUICK_SETTINGS: tuple[dict, ...] = (
    {
        **_BASE,
        "n_contexts": 8,
        "n_actions": 16,
        "hidden_sizes": [32, 32],
        "batch_size": 32,
        "pretrain_steps": 100,
        "total_timesteps": 25_600,
        "noise": "bernoulli",
        "kl_coef": 0.1,
        "n_checkpoints": 5,
    },
)

SWEEPS: dict = {
    "main": {"settings": SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "exact": {"settings": EXACT_SETTINGS, "agents": AGENTS, "seeds": NUM_SEEDS},
    "quick": {"settings": QUICK_SETTINGS, "agents": AGENTS, "seeds": 3},
    "smoke": {
        "settings": ({**QUICK_SETTINGS[0], "total_timesteps": 1_280, "pretrain_steps": 10},),
        "agents": AGENTS,
        "seeds": 1,
    },
}

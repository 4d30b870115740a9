"""One run of ``preference_design``: draw a problem and a dataset, fit one loss/base pair."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.preference.preference_optimizer import PreferenceOptimizer
from rlsuite.envs.preference_bandit import PreferenceBanditEnv, make_preference_dataset
from rlsuite.experiments.base import RunResult

__all__ = ["regularized_optimum", "run"]


def regularized_optimum(reference: np.ndarray, rewards: np.ndarray, beta: float) -> np.ndarray:
    """``pi*(a | x) ~ pi_ref(a | x) exp(r(x, a) / beta)``, the KL-regularised optimum."""
    logits = np.log(reference) + rewards / beta
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    return probs / probs.sum(axis=1, keepdims=True)


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Fit ``agent`` (``"<loss>/<base>"``) and score it against the true reward.

    The problem (rewards and a random ``pi_ref``) is drawn from ``seed``; the
    pairs from ``seed + 10_000``. Metrics: ``true_reward`` ``J(pi)``,
    ``normalized_reward`` ``(J(pi) - J(pi_ref)) / (J* - J(pi_ref))``,
    ``kl`` ``E_x KL(pi || pi_ref)``, ``gap_to_regularized`` ``J(pi*_beta) - J(pi)``
    against the optimum of the same ``beta`` with the labeller's reward scale
    ``r / temperature``, ``unsampled_mass`` (``pi`` on responses ``mu`` never
    samples; 0 when ``mu`` has full support), its value under ``pi_ref``, and
    the fraction of contexts where the greedy response is unsampled, and how
    training ended: ``n_iterations``, ``converged`` (1 when a convergence
    criterion, not the ``n_steps`` limit, stopped it; always 0 for the Adam
    path without ``gradient_tolerance``) and the final relative ``gradient_norm``.
    """
    loss, _, base = agent.partition("/")
    env = PreferenceBanditEnv(
        n_contexts=params["n_contexts"],
        n_responses=params["n_responses"],
        reward_range=params["reward_range"],
        temperature=1.0,
        reference_policy="random",
        problem_seed=seed,  # the problem v0 drew on reset(seed=seed)
    )
    env.reset(seed=seed)
    rewards, reference = env.rewards, env.reference_probs
    if rewards is None or reference is None:  # drawn by the reset above
        raise RuntimeError("the preference bandit has no problem after reset()")
    data = make_preference_dataset(env, params["sampling"], params["n_pairs"], seed=seed + 10_000)
    learner = PreferenceOptimizer(
        loss=loss,
        beta=params["beta"],
        base_policy=base,
        reference_probs=reference,
        n_steps=params["n_steps"],
        learning_rate=params.get("lr", 0.05),
        seed=seed,
        gradient_tolerance=params.get("gradient_tolerance"),
    ).fit(data)
    probs = learner.probs()
    n_iterations, converged = learner.n_iterations_, learner.converged_
    if n_iterations is None or converged is None:  # every fit records how it ended
        raise RuntimeError("the fit did not record n_iterations_ and converged_")
    j_ref, j_star = env.expected_return(reference), float(rewards.max(axis=1).mean())
    j = env.expected_return(probs)
    optimum = regularized_optimum(reference, rewards / env.temperature, params["beta"])
    unsampled = data.sampling_probs == 0
    greedy = probs.argmax(axis=1)
    metrics = {
        "true_reward": j,
        "normalized_reward": (j - j_ref) / (j_star - j_ref),
        "kl": env.kl_to_reference(probs),
        "gap_to_regularized": env.expected_return(optimum) - j,
        "regularized_normalized_reward": (env.expected_return(optimum) - j_ref) / (j_star - j_ref),
        "regularized_kl": env.kl_to_reference(optimum),
        "unsampled_mass": float((probs * unsampled).sum(axis=1).mean()),
        "unsampled_mass_ref": float((reference * unsampled).sum(axis=1).mean()),
        "greedy_unsampled": float(unsampled[np.arange(len(greedy)), greedy].mean()),
        "greedy_regret": float(
            (rewards.max(axis=1) - rewards[np.arange(len(greedy)), greedy]).mean()
        ),
        "coverage": float(data.seen_mask().mean()),
        "n_iterations": float(n_iterations),
        "converged": float(converged),
        "gradient_norm": float(
            np.nan if learner.gradient_norm_ is None else learner.gradient_norm_
        ),
    }
    return RunResult(metrics=metrics)

"""One run of ``rm_distillation``: a length-biased preference problem and one learner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rlsuite.agents.preference.common import PreferencePolicyLearner, TrainingLogger
from rlsuite.agents.preference.distilled_po import DistilledPO
from rlsuite.agents.preference.ensemble_distilled_po import EnsembleDistilledPO
from rlsuite.agents.preference.preference_optimizer import PreferenceOptimizer
from rlsuite.agents.preference.reward_model import RewardModel
from rlsuite.envs.preference_bandit import PreferenceDataset
from rlsuite.experiments.base import RunResult

__all__ = ["LengthBiasedProblem", "make_length_biased_problem", "make_learner", "run"]

#: Step at which the "early" metrics are read, to compare with the final ones.
EARLY_STEP = 200


@dataclass(frozen=True)
class LengthBiasedProblem:
    """Responses with ``(length, quality)`` features and length-biased preference data."""

    features: np.ndarray  # (1, n_responses, 2)
    true_reward: np.ndarray  # (1, n_responses)
    subset: np.ndarray  # responses that occur in the data
    dataset: PreferenceDataset


def make_length_biased_problem(
    seed: int,
    n_responses: int = 60,
    n_subset: int = 20,
    n_pairs: int = 100,
    max_seen_length: float = 0.6,
) -> LengthBiasedProblem:
    """The setting of Fisch et al.'s degeneracy argument in one context.

    Length and quality are i.i.d. ``U[0, 1]``; the true reward is the quality
    (length-neutral). Pairs are drawn uniformly among ``n_subset`` responses
    no longer than ``max_seen_length`` and the *longer* response always wins:
    deterministic labels correlated with length, never with quality. The
    longest responses therefore never occur in the data.
    """
    rng = np.random.default_rng(seed)
    length, quality = rng.uniform(0.0, 1.0, (2, n_responses))
    eligible = np.flatnonzero(length <= max_seen_length)
    if len(eligible) < n_subset:
        raise ValueError(f"only {len(eligible)} responses are short enough for n_subset={n_subset}")
    subset = np.sort(rng.choice(eligible, n_subset, replace=False))
    first = rng.choice(subset, n_pairs)
    offset = rng.integers(1, n_subset, n_pairs)  # a different second response
    second = subset[(np.searchsorted(subset, first) + offset) % n_subset]
    first_longer = length[first] > length[second]
    dataset = PreferenceDataset(
        contexts=np.zeros(n_pairs, dtype=np.int64),
        chosen=np.where(first_longer, first, second),
        rejected=np.where(first_longer, second, first),
        sampling_probs=np.isin(np.arange(n_responses), subset)[None] / n_subset,
        n_responses=n_responses,
    )
    features = np.stack([length, quality], axis=-1)[None]
    return LengthBiasedProblem(features, quality[None], subset, dataset)


def make_learner(params: dict[str, Any], agent: str, seed: int, features: np.ndarray):
    """The learner called ``agent`` with a log-linear policy on ``features``."""
    common = {"policy": features, "n_steps": params["n_steps"], "lr": params["lr"], "seed": seed}
    beta = params["beta"]
    if agent in ("dpo", "ipo"):
        return PreferenceOptimizer(agent, beta, "reference", **common)
    if agent == "distill":
        return DistilledPO(beta, RewardModel(1, l2=params["rm_l2"], seed=seed), **common)
    ensemble = RewardModel(params["n_models"], l2=params["rm_l2"], seed=seed)
    if agent == "distill_mean":
        return DistilledPO(beta, ensemble, **common)
    if agent == "e-dpo":
        return EnsembleDistilledPO(beta, ensemble, **common)
    raise ValueError(f"agent={agent!r} must be one of dpo, ipo, distill, distill_mean, e-dpo")


def _distill_losses(probs: np.ndarray, rewards: np.ndarray, data: PreferenceDataset, beta: float):
    """Distillation loss of a policy (uniform reference) against each ensemble member."""
    logp = np.log(probs[0])
    delta = logp[data.chosen] - logp[data.rejected]
    gaps = rewards[:, 0, data.chosen] - rewards[:, 0, data.rejected]
    return ((gaps - beta * delta[None]) ** 2).mean(axis=1)


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Fit ``agent`` and report its degeneracy metrics early and at the end of training."""
    problem = make_length_biased_problem(
        seed,
        params["n_responses"],
        params["n_subset"],
        params["n_pairs"],
        params["max_seen_length"],
    )
    data = problem.dataset
    learner: PreferencePolicyLearner = make_learner(params, agent, seed, problem.features)
    logger = TrainingLogger(data, every=params["log_every"])
    learner.fit(data, callback=logger)
    hist = logger.history
    steps = np.asarray(hist["step"])
    probs = np.stack(hist["probs"])[:, 0]  # (n_logs, n_responses)
    seen = np.zeros(params["n_responses"], dtype=bool)
    seen[problem.subset] = True
    winners = np.zeros_like(seen)
    winners[data.chosen] = True
    curves = {
        "parameter_norm": np.asarray(hist["parameter_norm"]),
        "margin": np.asarray(hist["margin"]),
        "preferred_prob": probs[:, winners].sum(axis=1),
        "unseen_mass": probs[:, ~seen].sum(axis=1),
        "true_reward": probs @ problem.true_reward[0],
    }
    early = int(np.searchsorted(steps, EARLY_STEP))
    final_probs = probs[-1][None]
    # The same bootstrap ensemble judges every agent, so the worst-member loss is comparable.
    ensemble = RewardModel(params["n_models"], l2=params["rm_l2"], seed=seed).fit(data)
    losses = _distill_losses(final_probs, ensemble.rewards(), data, params["beta"])
    uniform = 1.0 / params["n_responses"]
    metrics = {
        **{f"{k}_final": float(v[-1]) for k, v in curves.items()},
        **{f"{k}_early": float(v[early]) for k, v in curves.items()},
        "kl": float(np.sum(final_probs * np.log(final_probs / uniform))),
        "best_true_reward": float(problem.true_reward.max()),
        "uniform_true_reward": float(problem.true_reward.mean()),
        "top_response_length": float(problem.features[0, final_probs[0].argmax(), 0]),
        "top_response_seen": float(seen[final_probs[0].argmax()]),
        "worst_member_loss": float(losses.max()),
        "mean_member_loss": float(losses.mean()),
    }
    step_axes = {name: steps for name in curves}
    return RunResult(metrics=metrics, curves=curves, curve_steps=step_axes)

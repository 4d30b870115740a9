"""One run of ``rm_distillation``: length-biased pair selection, Bradley-Terry labels, one learner.

The problem (Fisch et al., TMLR 2025, Section 6.1, simulated length bias, in miniature)
--------------------------------------------------------------------------------------
* One prompt, ``n_responses`` responses. Each has a standardised length
  ``l ~ N(0, 1)``, ``n_quality`` quality features ``q ~ N(0, I)`` and
  ``n_surface`` surface features ``z ~ N(0, I)`` (idiosyncrasies a large
  policy can latch onto). *Our choice*: the paper's responses are TL;DR
  summaries; the feature model is ours.
* The oracle reward is ``r*(y) = oracle_scale * w* . q`` with ``|w*| = 1``:
  it does not depend on length (the paper's oracle is a large reward model;
  its length-neutrality here is our choice, so that any length preference a
  learner acquires is spurious).
* Candidate pairs are drawn from ``pi_ref`` (uniform) and every label comes
  from the oracle through Bradley-Terry, ``P(y > y') = sigmoid(r*(y) - r*(y'))``.
  The *selection* of pairs is biased, as in the paper: a fraction ``bias``
  of the ``n_pairs`` kept pairs are ones the longer response won, the rest
  ones the shorter response won. ``bias = 0.5`` is the unbiased data; the
  oracle and the labelling rule never change with ``bias``.
* Every learner's policy is log-linear in ``phi = (l, q, z)`` around the
  uniform reference, ``pi_theta ~ exp(theta . phi)``; the reward models are
  Bradley-Terry on the same features with ridge ``rm_l2`` (one model, or a
  bootstrap ensemble of ``n_models``). *Our choice*: ``phi`` shared by policy
  and reward model plays the role of the shared LM backbone.

What is measured
----------------
``oracle_reward`` is ``E_pi r*`` of the final policy, normalised to
``(E_pi r* - min r*) / (max r* - min r*)`` (``oracle_reward_raw`` is
unnormalised, ``reference_oracle_reward`` is ``pi_ref``'s). Margin stability
(``margin_early`` at step :data:`EARLY_STEP` vs ``margin_final``), ``||theta||``
and the policy's length weight ``beta * theta_l`` (the implicit reward's
slope in length) are the secondary metrics. Training runs ``n_steps``
full-batch Adam steps, long enough that DPO's parameter norm is still growing
when the separable direction exists (the study reports it), so no step cap
acts as early stopping for the bounded objectives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rlsuite.agents.preference.common import (
    LogLinearPolicy,
    PreferencePolicyLearner,
    TrainingLogger,
)
from rlsuite.agents.preference.distilled_po import DistilledPO
from rlsuite.agents.preference.ensemble_distilled_po import EnsembleDistilledPO
from rlsuite.agents.preference.pessimistic_distilled_po import PessimisticDistilledPO
from rlsuite.agents.preference.preference_optimizer import PreferenceOptimizer
from rlsuite.agents.preference.reward_model import RewardModel
from rlsuite.envs.preference_bandit import PreferenceDataset
from rlsuite.envs.validation import check_real
from rlsuite.experiments.base import RunResult

__all__ = ["AGENT_NAMES", "BiasedPreferenceProblem", "make_biased_problem", "make_learner", "run"]

#: Step at which the "early" metrics are read, to compare with the final ones.
EARLY_STEP = 200

AGENT_NAMES = ("dpo", "ipo", "distill", "distill_ensemble", "e-dpo", "pessimistic")


@dataclass(frozen=True)
class BiasedPreferenceProblem:
    """Responses, their oracle reward and the length-biased preference data."""

    features: np.ndarray  # (1, n_responses, 1 + n_quality + n_surface); column 0 is length
    oracle_reward: np.ndarray  # (1, n_responses)
    dataset: PreferenceDataset
    longer_won: float  # fraction of kept pairs whose winner is the longer response


def make_biased_problem(
    seed: int,
    bias: float,
    n_pairs: int = 100,
    n_responses: int = 200,
    n_quality: int = 3,
    n_surface: int = 10,
    oracle_scale: float = 2.0,
) -> BiasedPreferenceProblem:
    """Draw responses and an oracle from ``seed``, then ``n_pairs`` pairs selected with ``bias``.

    The responses and the oracle depend on ``seed`` only, so every bias level
    of one seed poses the same problem; only the pairs that are kept differ.
    """
    check_real("bias", bias, 0.0, 1.0)
    problem_rng = np.random.default_rng([seed, 0])
    length = problem_rng.standard_normal(n_responses)
    quality = problem_rng.standard_normal((n_responses, n_quality))
    surface = problem_rng.standard_normal((n_responses, n_surface))
    w_star = problem_rng.standard_normal(n_quality)
    oracle = oracle_scale * quality @ (w_star / np.linalg.norm(w_star))

    pair_rng = np.random.default_rng([seed, 1, int(round(bias * 1000))])
    # A pool large enough that both label groups always hold n_pairs pairs.
    pool = 8 * n_pairs
    first = pair_rng.integers(0, n_responses, pool)
    second = (first + pair_rng.integers(1, n_responses, pool)) % n_responses
    first_wins = pair_rng.random(pool) < 1.0 / (1.0 + np.exp(oracle[second] - oracle[first]))
    chosen = np.where(first_wins, first, second)
    rejected = np.where(first_wins, second, first)
    longer_won = length[chosen] > length[rejected]
    n_longer = int(round(bias * n_pairs))
    keep = np.concatenate(
        [np.flatnonzero(longer_won)[:n_longer], np.flatnonzero(~longer_won)[: n_pairs - n_longer]]
    )
    if len(keep) != n_pairs:
        raise RuntimeError(f"pair pool too small for n_pairs={n_pairs}, bias={bias}")
    dataset = PreferenceDataset(
        contexts=np.zeros(n_pairs, dtype=np.int64),
        chosen=chosen[keep],
        rejected=rejected[keep],
        sampling_probs=np.full((1, n_responses), 1.0 / n_responses),
        n_responses=n_responses,
    )
    features = np.concatenate([length[:, None], quality, surface], axis=1)[None]
    return BiasedPreferenceProblem(features, oracle[None], dataset, n_longer / n_pairs)


def make_learner(
    params: dict[str, Any], agent: str, seed: int, features: np.ndarray
) -> PreferencePolicyLearner:
    """The learner called ``agent`` with a log-linear policy on ``features``."""
    common = {"policy": features, "n_steps": params["n_steps"], "lr": params["lr"], "seed": seed}
    beta = params["beta"]
    if agent in ("dpo", "ipo"):
        return PreferenceOptimizer(agent, beta, "reference", **common)
    if agent == "distill":
        model = RewardModel(1, features=features, l2=params["rm_l2"], seed=seed)
        return DistilledPO(beta, model, **common)
    ensemble = RewardModel(params["n_models"], features=features, l2=params["rm_l2"], seed=seed)
    if agent == "distill_ensemble":
        return DistilledPO(beta, ensemble, **common)
    if agent == "e-dpo":
        return EnsembleDistilledPO(beta, ensemble, **common)
    if agent == "pessimistic":
        return PessimisticDistilledPO(beta, ensemble, **common)
    raise ValueError(f"agent={agent!r} must be one of {AGENT_NAMES}")


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Fit ``agent`` on the biased data of ``seed`` and score its policy on the oracle."""
    problem = make_biased_problem(
        seed,
        params["bias"],
        params["n_pairs"],
        params["n_responses"],
        params["n_quality"],
        params["n_surface"],
        params["oracle_scale"],
    )
    data, oracle = problem.dataset, problem.oracle_reward[0]
    learner = make_learner(params, agent, seed, problem.features)
    logger = TrainingLogger(data, every=params["log_every"])
    learner.fit(data, callback=logger)
    hist = logger.history
    steps = np.asarray(hist["step"])
    probs = np.stack(hist["probs"])[:, 0]  # (n_logs, n_responses)
    low, high = oracle.min(), oracle.max()
    raw = probs @ oracle
    curves = {
        "oracle_reward": (raw - low) / (high - low),
        "parameter_norm": np.asarray(hist["parameter_norm"]),
        "margin": np.asarray(hist["margin"]),
    }
    early = int(np.searchsorted(steps, EARLY_STEP))
    final = probs[-1]
    uniform = 1.0 / len(final)
    policy = learner.policy
    if not isinstance(policy, LogLinearPolicy):  # make_learner passes features
        raise TypeError(f"policy={policy!r}: the study's learners are log-linear")
    theta = policy.theta.detach().numpy()
    metrics = {
        "oracle_reward": float(curves["oracle_reward"][-1]),
        "oracle_reward_early": float(curves["oracle_reward"][early]),
        "oracle_reward_raw": float(raw[-1]),
        "reference_oracle_reward": float((oracle.mean() - low) / (high - low)),
        "best_oracle_reward": 1.0,
        "margin_early": float(curves["margin"][early]),
        "margin_final": float(curves["margin"][-1]),
        "parameter_norm_final": float(curves["parameter_norm"][-1]),
        "length_weight": float(params["beta"] * theta[0]),
        "mean_length": float(final @ problem.features[0, :, 0]),
        "kl": float(np.sum(final * np.log(np.maximum(final, 1e-300) / uniform))),
        "longer_won": problem.longer_won,
    }
    return RunResult(metrics=metrics, curves=curves, curve_steps=dict.fromkeys(curves, steps))

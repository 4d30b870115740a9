"""One run of the data-mixture study: fit one regressor, score it, use it.

For a seed the env (:class:`~rlsuite.envs.data_mixture.FactoredDataMixtureEnv`,
``problem_seed=seed``) poses one task: four domains with shared structure, a
rank-limited LM of size ``model_rank``, and ``objective`` (the validation set
or the end-task domain) as the loss. The run then

1. trains once on each of ``n_heldout`` held-out ``Dirichlet(1)`` mixtures
   (their true losses are the ground truth of the Spearman score) and
   ``n_eval_runs`` times on the uniform mixture;
2. runs :class:`~rlsuite.agents.mixture.RegressionMixtureSearch` with the
   agent's regressor: ``n_train`` observed mixtures (+ 4 expert runs for the
   MDE regressors), fit, and the candidate with the lowest prediction;
3. trains ``n_eval_runs`` times on the chosen mixture;
4. for the MDE regressors, records how far the true loss is from the MDE
   (ensemble) loss on the held-out mixtures (``mde_gap_mean``, ``mde_gap_std``,
   and ``mde_gap_systematic``, the spread left after removing the training
   noise measured on the uniform runs, ``noise_std``).

Steps 1 and the observed runs of 2 use the same env random stream for every
agent, so all regressors of a seed see identical data (a paired comparison).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import spearmanr

from rlsuite.agents.mixture.regression_search import RegressionMixtureSearch
from rlsuite.agents.mixture.regressors import REGRESSORS
from rlsuite.envs.data_mixture import FactoredDataMixtureEnv
from rlsuite.experiments.base import RunResult

__all__ = ["ENV_PARAMS", "heldout_mixtures", "mean_loss", "run", "run_losses"]

#: Params keys that are env constructor kwargs (the rest configure the study).
ENV_PARAMS = (
    "n_domains",
    "vocab_size",
    "token_budget",
    "sequence_length",
    "model_rank",
    "weight_decay",
    "shared_rank",
    "domain_rank",
    "shared_weight",
    "logit_scale",
    "end_task_novelty",
    "objective",
    "validation_weight",
)


def heldout_mixtures(seed: int, n: int, n_domains: int) -> np.ndarray:
    """The seed's held-out mixtures, drawn from a stream separate from the agent's."""
    return np.random.default_rng([seed, 90]).dirichlet(np.ones(n_domains), size=n)


def run_losses(env: Any, mixture: np.ndarray, n_runs: int) -> np.ndarray:
    """Objective losses (minus the rewards) of ``n_runs`` training runs on ``mixture``."""
    losses = []
    for _ in range(n_runs):
        env.reset()
        losses.append(-float(env.step(mixture.astype(np.float32))[1]))
    return np.array(losses)


def mean_loss(env: Any, mixture: np.ndarray, n_runs: int) -> float:
    """Mean objective loss of ``n_runs`` training runs on ``mixture``."""
    return float(run_losses(env, mixture, n_runs).mean())


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Score regressor ``agent`` on ``params["n_train"]`` observed mixtures of task ``seed``."""
    if agent not in REGRESSORS:
        raise ValueError(f"agent={agent!r} is not known; must be one of {REGRESSORS}")
    env = FactoredDataMixtureEnv(
        **{key: params[key] for key in ENV_PARAMS if key in params}, problem_seed=seed
    )
    env.reset(seed=seed)
    k = env.n_domains
    heldout = heldout_mixtures(seed, int(params["n_heldout"]), k)
    true_losses = np.array([mean_loss(env, mixture, 1) for mixture in heldout])
    n_eval = int(params["n_eval_runs"])
    uniform_runs = run_losses(env, np.full(k, 1.0 / k), n_eval)
    uniform_loss = float(uniform_runs.mean())
    # Run-to-run training noise (corpus + initialisation) at the uniform mixture.
    noise_std = float(uniform_runs.std(ddof=1)) if n_eval > 1 else float("nan")

    search = RegressionMixtureSearch(
        k,
        regressor=agent,
        n_mixtures=int(params["n_train"]),
        n_candidates=int(params["n_candidates"]),
        seed=seed,
    )
    search.learn(env)
    assert search.regressor is not None
    predicted = search.regressor.predict(heldout)
    rho = spearmanr(predicted, true_losses).statistic
    chosen_loss = mean_loss(env, search.best_mixture, n_eval)
    metrics = {
        "spearman": float(rho) if np.isfinite(rho) else 0.0,
        "chosen_loss": chosen_loss,
        "uniform_loss": uniform_loss,
        "improvement_over_uniform": uniform_loss - chosen_loss,
        "best_heldout_loss": float(true_losses.min()),
        "regret_to_best_heldout": chosen_loss - float(true_losses.min()),
        "best_observed_loss": float(search.observed_losses.min()),
        "training_runs": float(search.training_runs),
        "noise_std": noise_std,
        # Correlation ceiling set by the noise: sqrt(signal var / total var) of the
        # held-out losses (each is one noisy run), assuming the uniform's noise.
        "noise_ceiling": float(np.sqrt(max(0.0, 1.0 - noise_std**2 / true_losses.var(ddof=1)))),
    }
    if search.mde is not None:
        gap = true_losses - search.mde.loss(heldout)
        # The gap's spread includes the held-out runs' noise; the systematic part
        # (how far the trained model is from the ensemble beyond a shift) is
        # sqrt(max(0, std^2 - noise^2)).
        systematic = np.sqrt(max(0.0, gap.var(ddof=1) - noise_std**2))
        metrics.update(
            mde_gap_mean=float(gap.mean()),
            mde_gap_std=float(gap.std(ddof=1)),
            mde_gap_systematic=float(systematic),
        )
    metrics.update({f"chosen_lambda_{i}": float(w) for i, w in enumerate(search.best_mixture)})
    order = np.argsort(true_losses)
    return RunResult(
        metrics=metrics,
        curves={"heldout_true_loss": true_losses[order], "heldout_predicted": predicted[order]},
    )

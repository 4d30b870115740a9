"""One run of the steerable multi-objective study: train one method, score its front.

The method is trained with sampled (REINFORCE) gradients from the env's noisy
reward vectors (or, with ``gradient="exact"``, full-information gradients),
on ``total_timesteps`` env interactions whatever the method. Its front is
then evaluated *exactly*: for each weight ``w`` of the grid, the per-objective
KL-regularised values ``J_i(pi_w) = E_x[E_{pi_w} mu_i - beta KL(pi_w || pi_ref)]``
from the env's mean table (:meth:`MultiObjectiveBanditEnv.objective_values`).
"""

from __future__ import annotations

import importlib
from typing import Any

import gymnasium as gym
import numpy as np
import torch

import rlsuite.envs  # noqa: F401  (registers the env IDs)
from rlsuite.agents.callbacks import Callback
from rlsuite.agents.multiobjective import AGENTS
from rlsuite.agents.multiobjective.metrics import expected_utility, hypervolume
from rlsuite.envs.multi_objective_bandit import MultiObjectiveBanditEnv
from rlsuite.envs.noise import Gaussian
from rlsuite.envs.validation import check_choice, check_int
from rlsuite.experiments.base import RunResult

__all__ = ["front", "make_env", "run", "weight_grid"]


def weight_grid(n_weights: int) -> np.ndarray:
    """``n_weights`` evenly spaced two-objective weights ``(1 - t, t)``, ``t`` from 0 to 1."""
    n_weights = check_int("n_weights", n_weights, low=2)
    t = np.linspace(0.0, 1.0, n_weights)
    return np.stack([1.0 - t, t], axis=1)


def _agent_class(name: str) -> type:
    if name not in AGENTS:
        raise ValueError(f"agent={name!r} is not one of {sorted(AGENTS)}")
    module, _, cls = AGENTS[name].partition(":")
    return getattr(importlib.import_module(module), cls)


#: The settings' noise families: Bernoulli objectives, or Gaussian of std ``noise_std``.
NOISES = ("bernoulli", "gaussian")


def make_env(params: dict[str, Any], seed: int) -> gym.Env:
    """The run's env: instance ``problem_seed = seed``, the setting's noise family and scale."""
    noise = check_choice("noise", params.get("noise", "bernoulli"), NOISES)
    if noise == "gaussian":
        noise = Gaussian(std=params["noise_std"])
    return gym.make(
        "rlsuite/MultiObjectiveBandit-v0",
        n_contexts=params["n_contexts"],
        n_actions=params["n_actions"],
        kl_coef=params["kl_coef"],
        noise=noise,
        problem_seed=seed,
    )


def _problem(env: gym.Env) -> MultiObjectiveBanditEnv:
    """The multi-objective bandit under ``env``'s wrappers (its exact tables)."""
    problem = env.unwrapped
    if not isinstance(problem, MultiObjectiveBanditEnv):
        raise TypeError(f"env={env!r} does not wrap a MultiObjectiveBanditEnv")
    return problem


def front(learner: Any, problem: Any, grid: np.ndarray) -> np.ndarray:
    """Exact ``J(pi_w)`` of the learner's steered policy for each grid weight, ``(k, m)``."""
    contexts = problem.context_observations()
    return np.stack([problem.objective_values(learner.action_probs(contexts, w)) for w in grid])


class _FrontLogger(Callback):
    """Every ``every`` gradient steps, the hypervolume ratio of the current front."""

    def __init__(self, problem: Any, grid: np.ndarray, ref: np.ndarray, hv_opt: float, every: int):
        super().__init__()
        self.problem, self.grid, self.ref, self.hv_opt, self.every = (
            problem,
            grid,
            ref,
            hv_opt,
            every,
        )
        self.steps: list[int] = []
        self.ratios: list[float] = []

    def record(self, learner: Any) -> None:
        points = front(learner, self.problem, self.grid)
        self.steps.append(int(learner.num_timesteps))
        self.ratios.append(hypervolume(points, self.ref) / self.hv_opt)

    def _on_step(self) -> bool:
        if self.locals["n_gradient_steps"] % self.every == 0:
            self.record(self.model)
        return True


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Train ``agent`` on the instance ``seed`` and score its front on the weight grid.

    Metrics: ``hypervolume`` (of the learned points, the env's fixed reference
    point ``nadir - 0.1 * range`` of the exact front), ``hypervolume_optimal``
    (the exact optimal policies at the same grid weights),
    ``hypervolume_ratio`` (their ratio; it can exceed 1 only by the staircase
    effect of points landing off the grid weights' positions),
    ``hypervolume_ratio_initial`` (the same for the pretrained policy, before
    fine-tuning), ``hypervolume_optimal_dense`` (201 weights, close to the
    continuous front's supremum), ``expected_utility`` and
    ``expected_utility_optimal`` over the grid, ``utility_regret`` (their
    difference), ``mean_kl``, ``num_timesteps`` (env interactions spent) and
    ``n_gradient_steps``; ``front_<i>_w<kk>`` is ``J_i`` at grid weight ``kk``.
    Curves: ``front_objective_<i>`` and
    ``optimal_front_objective_<i>`` indexed by ``w_2``, and
    ``hypervolume_ratio`` against env interactions (step 0 = pretrained).
    """
    torch.set_num_threads(1)
    env = make_env(params, seed)
    problem = _problem(env)
    grid = weight_grid(params["n_weights"])
    optimal = np.stack([problem.objective_values(problem.optimal_policy(w)) for w in grid])
    ref = problem.hypervolume_reference()
    hv_opt = hypervolume(optimal, ref)
    learner = _agent_class(agent)(
        env,
        hidden_sizes=tuple(params["hidden_sizes"]),
        batch_size=params["batch_size"],
        pretrain_steps=params["pretrain_steps"],
        learning_rate=params.get("learning_rate", 3e-3),
        gradient=params.get("gradient", "reinforce"),
        samples_per_context=params.get("samples_per_context", 4),
        seed=seed,
    ).pretrain()
    per_update = learner.steps_per_update
    n_updates = max(1, params["total_timesteps"] // per_update)
    logger = _FrontLogger(problem, grid, ref, hv_opt, max(1, n_updates // params["n_checkpoints"]))
    logger.record(learner)
    initial_ratio = logger.ratios[0]
    learner.learn(env, params["total_timesteps"], callback=logger)
    if logger.steps[-1] != learner.num_timesteps:
        logger.record(learner)
    points = front(learner, problem, grid)
    dense = np.stack(
        [problem.objective_values(problem.optimal_policy(w)) for w in weight_grid(201)]
    )
    hv = hypervolume(points, ref)
    eu, eu_opt = expected_utility(points, grid), expected_utility(optimal, grid)
    contexts = problem.context_observations()
    kl = [_mean_kl(learner.action_probs(contexts, w), problem.reference_log_probs) for w in grid]
    curves: dict[str, np.ndarray] = {}
    steps: dict[str, np.ndarray] = {}
    for i in range(points.shape[1]):
        for prefix, values in (("front", points), ("optimal_front", optimal)):
            curves[f"{prefix}_objective_{i + 1}"] = values[:, i]
            steps[f"{prefix}_objective_{i + 1}"] = grid[:, 1]
    curves["hypervolume_ratio"] = np.asarray(logger.ratios)
    steps["hypervolume_ratio"] = np.asarray(logger.steps, dtype=float)
    metrics = {
        "hypervolume": hv,
        "hypervolume_optimal": hv_opt,
        "hypervolume_ratio": hv / hv_opt,
        "hypervolume_ratio_initial": initial_ratio,
        "hypervolume_optimal_dense": hypervolume(dense, ref),
        "expected_utility": eu,
        "expected_utility_optimal": eu_opt,
        "utility_regret": eu_opt - eu,
        "mean_kl": float(np.mean(kl)),
        "num_timesteps": float(learner.num_timesteps),
        "n_gradient_steps": float(learner.n_gradient_steps),
    }
    # The front itself, so analyses can compare methods' points from the runs table.
    for k in range(points.shape[0]):
        for i in range(points.shape[1]):
            metrics[f"front_{i + 1}_w{k:02d}"] = float(points[k, i])
    return RunResult(metrics=metrics, curves=curves, curve_steps=steps)


def _mean_kl(probs: np.ndarray, reference_log_probs: np.ndarray) -> float:
    log_ratio = np.log(np.where(probs > 0, probs, 1.0)) - reference_log_probs
    return float(np.sum(probs * log_ratio, axis=1).mean())

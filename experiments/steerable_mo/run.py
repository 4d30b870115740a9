"""One run of the steerable multi-objective study: train one method, score its front."""

from __future__ import annotations

import importlib
from typing import Any

import gymnasium as gym
import numpy as np
import torch

import rlsuite.envs  # noqa: F401  (registers the env IDs)
from rlsuite.agents.multiobjective import AGENTS
from rlsuite.agents.multiobjective.metrics import expected_utility, hypervolume
from rlsuite.envs.validation import check_int
from rlsuite.experiments.base import RunResult

__all__ = ["run", "weight_grid"]


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


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Train ``agent`` on the instance ``seed`` and score its front on the weight grid.

    Metrics: ``hypervolume`` (of the learned points, the env's fixed reference
    point), ``hypervolume_optimal`` (the exact optimal policies at the same
    grid weights), ``hypervolume_ratio`` (their ratio; it can exceed 1 only by
    the staircase effect of points landing off the grid weights'
    positions), ``hypervolume_optimal_dense`` (201 weights, close to the
    continuous front's supremum), ``expected_utility``
    and ``expected_utility_optimal`` over the grid, ``utility_regret`` (their
    difference) and ``mean_kl``. Curves: ``front_objective_<i>`` and
    ``optimal_front_objective_<i>`` indexed by ``w_2``.
    """
    torch.set_num_threads(1)
    env = gym.make(
        "rlsuite/MultiObjectiveBandit-v0",
        n_contexts=params["n_contexts"],
        n_actions=params["n_actions"],
        kl_coef=params["kl_coef"],
        problem_seed=seed,
    )
    problem = env.unwrapped
    learner = _agent_class(agent)(
        env,
        hidden_sizes=tuple(params["hidden_sizes"]),
        batch_size=params["batch_size"],
        pretrain_steps=params["pretrain_steps"],
        seed=seed,
    ).learn(env, params["total_timesteps"])
    grid = weight_grid(params["n_weights"])
    contexts = problem.context_observations()
    policies = [learner.action_probs(contexts, w) for w in grid]
    points = np.stack([problem.objective_values(p) for p in policies])
    optimal = np.stack([problem.objective_values(problem.optimal_policy(w)) for w in grid])
    dense = np.stack(
        [problem.objective_values(problem.optimal_policy(w)) for w in weight_grid(201)]
    )
    ref = problem.hypervolume_reference()
    hv, hv_opt = hypervolume(points, ref), hypervolume(optimal, ref)
    eu, eu_opt = expected_utility(points, grid), expected_utility(optimal, grid)
    kl = [_mean_kl(p, problem.reference_log_probs) for p in policies]
    curves, steps = {}, {}
    for i in range(points.shape[1]):
        for prefix, values in (("front", points), ("optimal_front", optimal)):
            curves[f"{prefix}_objective_{i + 1}"] = values[:, i]
            steps[f"{prefix}_objective_{i + 1}"] = grid[:, 1]
    metrics = {
        "hypervolume": hv,
        "hypervolume_optimal": hv_opt,
        "hypervolume_ratio": hv / hv_opt,
        "hypervolume_optimal_dense": hypervolume(dense, ref),
        "expected_utility": eu,
        "expected_utility_optimal": eu_opt,
        "utility_regret": eu_opt - eu,
        "mean_kl": float(np.mean(kl)),
    }
    return RunResult(metrics=metrics, curves=curves, curve_steps=steps)


def _mean_kl(probs: np.ndarray, reference_log_probs: np.ndarray) -> float:
    log_ratio = np.log(np.where(probs > 0, probs, 1.0)) - reference_log_probs
    return float(np.sum(probs * log_ratio, axis=1).mean())

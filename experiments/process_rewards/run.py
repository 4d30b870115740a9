"""One run of the process-rewards study: RL, beam search or PPO on PlantedSequence-v1.

Agents are verifiers: ``"outcome"`` (outcome reward only, ``mu = pi``), a
``gamma_<g>`` prover ``mu_g`` (Setlur et al., §3.3) or ``bok_<k>``, the
Best-of-K of the *base* policy (§3.4; ``bok_1`` is the base policy itself).
Every run starts from the base policy ``mu_{base_gamma}``, whose success
probability is small but not zero (``base_gamma = 5``: 0.62 %,
``base_gamma = 8``: 2.8 %, exact), so outcome-reward RL has a signal.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.process.beam_search import beam_search
from rlsuite.agents.process.pav_policy_gradient import PAVPolicyGradient
from rlsuite.agents.process.values import BestOfKProver, GammaProver, success_probability
from rlsuite.envs.planted_sequence import PlantedSequenceEnv
from rlsuite.experiments.base import RunResult

__all__ = ["make_prover", "run"]

#: How the ``ppo`` study's ``pav`` agent gets ``alpha * A^mu``: added to the reward
#: (:class:`~rlsuite.agents.process.ProcessRewardWrapper`) or to PPO's advantages
#: (:class:`~rlsuite.agents.process.sb3_callback.ProcessAdvantageCallback`).
PPO_PROCESS_REWARDS = ("reward", "advantage")
#: Success levels at which iterations-to-reach are recorded.
SUCCESS_LEVELS = (0.2, 0.5, 0.8)


def make_prover(agent: str, base_gamma: float) -> GammaProver | BestOfKProver | None:
    """The prover an agent label names: ``outcome``, ``gamma_<g>`` or ``bok_<k>``."""
    kind, _, value = agent.partition("_")
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if agent == "outcome":
        return None
    if kind == "gamma" and number >= 1:
        return GammaProver(number)
    if kind == "bok" and number >= 1 and number.is_integer():
        return BestOfKProver(GammaProver(base_gamma), int(number))
    raise ValueError(f"agent={agent!r} must be 'outcome', 'gamma_<g >= 1>' or 'bok_<int k >= 1>'")


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Run one verifier ``agent`` on one setting; ``y*`` is drawn from ``seed``.

    ``rl`` runs report the exact success probability after every iteration
    and the iterations to reach each of :data:`SUCCESS_LEVELS`; ``beam`` runs
    the accuracy of the top beam and the Monte Carlo rollouts spent at each
    width; ``ppo`` runs the success rate of ``eval_episodes`` sampled
    responses after SB3 PPO training.
    """
    study = params.get("study")
    if study == "rl":
        return _run_rl(params, agent, seed)
    if study == "beam":
        return _run_beam(params, agent, seed)
    if study == "ppo":
        return _run_ppo(params, agent, seed)
    raise ValueError(f"study={study!r} must be one of ('rl', 'beam', 'ppo')")


def _run_rl(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    env = PlantedSequenceEnv(problem_seed=seed)  # the y* v0 drew on reset(seed=seed)
    prover = make_prover(agent, params["base_gamma"])
    learner = PAVPolicyGradient(
        prover=prover,
        alpha=params["alpha"],
        learning_rate=params["learning_rate"],
        batch_size=params["batch_size"],
        init_gamma=params["base_gamma"],
        seed=seed,
    )
    budget = params["iterations"] * params["batch_size"] * env.length
    curve = np.asarray(learner.learn(env, budget).success_curve)
    metrics = {
        "base_success": float(curve[0]),
        "final_success": float(curve[-1]),
        "mean_success": float(curve.mean()),
        "score": float(curve[-1]),
    }
    if prover is not None:
        target = learner.target
        if target is None:  # learn() read y* from the env's first reset
            raise RuntimeError("the learner has no target after learn()")
        probs = prover.action_probs(target, env.vocab_size)
        metrics["prover_success"] = (
            float(1 - (1 - curve[0]) ** prover.k)
            if isinstance(prover, BestOfKProver)
            else success_probability(target, env.vocab_size, env.length, probs)
        )
    for level in SUCCESS_LEVELS:
        reached = np.flatnonzero(curve >= level)
        # Not reached within the budget: recorded as nan, counted as censored.
        metrics[f"iterations_to_{level:g}"] = float(reached[0]) if reached.size else float("nan")
    return RunResult(
        metrics=metrics,
        curves={"success": curve},
        curve_steps={"success": np.arange(len(curve))},
    )


def _run_beam(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    rng = np.random.default_rng(seed)
    env = PlantedSequenceEnv()
    widths = [int(w) for w in params["widths"]]
    prover = make_prover(agent, params["base_gamma"])
    base = GammaProver(params["base_gamma"])
    top = np.zeros((params["searches"], len(widths)))
    rollouts = np.zeros((params["searches"], len(widths)))
    for i in range(params["searches"]):
        target = rng.integers(0, env.vocab_size, env.target_length)
        for j, width in enumerate(widths):
            result = beam_search(
                target,
                env.vocab_size,
                env.length,
                width=width,
                candidates=params["candidates"],
                base_policy=base.action_probs(target, env.vocab_size),
                prover=prover,
                alpha=params["alpha"],
                n_rollouts=params["n_rollouts"],
                seed=int(rng.integers(2**31)),
            )
            top[i, j] = result.success[0]
            rollouts[i, j] = result.rollouts
    accuracy, compute = top.mean(axis=0), rollouts.mean(axis=0)
    metrics = {f"accuracy_at_{w}": float(a) for w, a in zip(widths, accuracy)}
    metrics.update({f"rollouts_at_{w}": float(c) for w, c in zip(widths, compute)})
    metrics["score"] = float(accuracy[-1])
    return RunResult(
        metrics=metrics,
        curves={"accuracy_at_width": accuracy, "rollouts_at_width": compute},
        curve_steps={
            "accuracy_at_width": np.asarray(widths),
            "rollouts_at_width": np.asarray(widths),
        },
    )


def _run_ppo(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    try:
        import torch
        from stable_baselines3 import PPO
        from stable_baselines3.common.callbacks import BaseCallback
    except ImportError as err:  # pragma: no cover - optional extra
        raise ImportError("the ppo study needs `pip install rlsuite[sb3]`") from err
    from rlsuite.agents.process.sb3_callback import ProcessAdvantageCallback
    from rlsuite.agents.process.wrapper import ProcessRewardWrapper

    class _Successes(BaseCallback):
        """Collects the outcome of every finished training episode."""

        def __init__(self) -> None:
            super().__init__()
            self.outcomes: list[float] = []

        def _on_step(self) -> bool:
            for info in self.locals["infos"]:
                if "is_success" in info:
                    self.outcomes.append(float(info["is_success"]))
            return True

    mode = params.get("process_reward", "reward")
    if mode not in PPO_PROCESS_REWARDS:
        raise ValueError(f"process_reward={mode!r} must be one of {PPO_PROCESS_REWARDS}")
    torch.set_num_threads(1)
    env = PlantedSequenceEnv(problem_seed=seed)  # the y* v0 drew on reset(seed=seed)
    _, info = env.reset(seed=seed)
    target = info["target"]
    successes = _Successes()
    callbacks: list[Any] = [successes]
    train_env: Any = env
    # "pav" is the prover mu_{params["gamma"]}; gamma_<g> labels name it directly.
    prover_gamma = params["gamma"] if agent == "pav" else None
    if agent != "pav":
        prover = make_prover(agent, params.get("base_gamma", 1.0))
        if prover is not None and not isinstance(prover, GammaProver):
            raise ValueError(f"agent={agent!r}: the ppo study takes outcome, pav or gamma_<g>")
        prover_gamma = None if prover is None else prover.gamma
    if prover_gamma is not None and mode == "reward":
        train_env = ProcessRewardWrapper(env, prover_gamma, params["alpha"])
    elif prover_gamma is not None:
        callbacks.append(ProcessAdvantageCallback(prover_gamma, params["alpha"]))
    ppo_kwargs: dict[str, Any] = {
        k: int(params[k]) for k in ("batch_size", "n_epochs", "n_steps") if k in params
    }
    if "learning_rate" in params:
        ppo_kwargs["learning_rate"] = float(params["learning_rate"])
    model = PPO("MlpPolicy", train_env, seed=seed, device="cpu", verbose=0, **ppo_kwargs)
    model.learn(int(params["total_timesteps"]), callback=callbacks)
    final = _ppo_success(model, target, episodes=int(params.get("eval_episodes", 1000)), seed=seed)
    outcomes = np.asarray(successes.outcomes)
    per_rollout = model.n_steps // env.length
    n_bins = max(1, len(outcomes) // per_rollout)
    curve = outcomes[: n_bins * per_rollout].reshape(n_bins, -1).mean(axis=1)
    return RunResult(
        metrics={"final_success": final, "train_success": float(outcomes.mean()), "score": final},
        curves={"train_success": curve},
        curve_steps={"train_success": (np.arange(1, n_bins + 1) * model.n_steps)},
    )


def _ppo_success(model: Any, target: np.ndarray, episodes: int, seed: int) -> float:
    """Success rate of the stochastic PPO policy on ``episodes`` responses, written in parallel."""
    env = PlantedSequenceEnv(target=target)
    assert env.automaton is not None
    model.set_random_seed(seed + 1)
    tokens = np.full((episodes, env.length), env.pad_token, dtype=np.int64)
    states = np.zeros(episodes, dtype=np.int64)
    for h in range(env.length):
        actions, _ = model.predict(tokens, deterministic=False)
        tokens[:, h] = actions
        states = env.automaton[states, actions]
    return float(np.mean(states == env.target_length))

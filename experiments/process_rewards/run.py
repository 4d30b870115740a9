"""One run of the process-rewards study: RL, beam search or PPO on PlantedSequence-v1."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.process.beam_search import beam_search
from rlsuite.agents.process.pav_policy_gradient import PAVPolicyGradient
from rlsuite.agents.process.values import GammaProver
from rlsuite.envs.planted_sequence import PlantedSequenceEnv
from rlsuite.experiments.base import RunResult

__all__ = ["run"]

AGENT_LABELS = ("pav", "outcome")
#: How the ``ppo`` study's ``pav`` agent gets ``alpha * A^mu``: added to the reward
#: (:class:`~rlsuite.agents.process.ProcessRewardWrapper`) or to PPO's advantages
#: (:class:`~rlsuite.agents.process.sb3_callback.ProcessAdvantageCallback`).
PPO_PROCESS_REWARDS = ("reward", "advantage")


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """Run ``agent`` (``"pav"`` or ``"outcome"``) on one setting; ``y*`` is drawn from ``seed``.

    ``rl`` runs report the exact success probability after every iteration;
    ``beam`` runs the pass rate at each width over ``searches`` targets;
    ``ppo`` runs the success rate of ``eval_episodes`` (default 1000) sampled
    responses after training, and the training episodes' success per rollout;
    their ``process_reward`` (``"reward"`` by default, or ``"advantage"``) says
    where the ``pav`` agent adds ``alpha * A^mu``.
    """
    if agent not in AGENT_LABELS:
        raise ValueError(f"agent={agent!r} must be one of {AGENT_LABELS}")
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
    learner = PAVPolicyGradient(
        prover=GammaProver(params["gamma"]) if agent == "pav" else None,
        alpha=params["alpha"],
        learning_rate=params["learning_rate"],
        batch_size=params["batch_size"],
        seed=seed,
    )
    budget = params["iterations"] * params["batch_size"] * env.length
    curve = np.asarray(learner.learn(env, budget).success_curve)
    reached = np.flatnonzero(curve >= 0.5)
    return RunResult(
        metrics={
            "final_success": float(curve[-1]),
            "mean_success": float(curve.mean()),
            "iterations_to_half": float(reached[0]) if reached.size else float("nan"),
            "score": float(curve[-1]),
        },
        curves={"success": curve},
        curve_steps={"success": np.arange(len(curve))},
    )


def _run_beam(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    rng = np.random.default_rng(seed)
    env = PlantedSequenceEnv()
    widths = [int(w) for w in params["widths"]]
    base = GammaProver(params["base_gamma"])
    prover = GammaProver(params["gamma"]) if agent == "pav" else None
    hits = np.zeros((params["searches"], len(widths)))
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
            hits[i, j] = result.any_success
    pass_at = hits.mean(axis=0)
    metrics = {f"pass_at_{w}": float(p) for w, p in zip(widths, pass_at)}
    metrics["score"] = float(pass_at[-1])
    return RunResult(
        metrics=metrics,
        curves={"pass_at_width": pass_at},
        curve_steps={"pass_at_width": np.asarray(widths)},
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
    if agent == "pav" and mode == "reward":
        train_env = ProcessRewardWrapper(env, params["gamma"], params["alpha"])
    elif agent == "pav":
        callbacks.append(ProcessAdvantageCallback(params["gamma"], params["alpha"]))
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

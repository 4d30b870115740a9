"""One run of the heavy-tailed bandit study: an agent for ``horizon`` rounds.

Bandit agents (``rlsuite.agents``) learn on the native vector env with one
copy; SB3 PPO learns on the one-step-episode env (8 copies in a ``DummyVecEnv``),
where every episode is one round, so its training rounds are its bandit
rounds and its cumulative pseudo-regret is comparable. Both are then
evaluated by the pseudo-regret of their greedy recommendation
(``simple_regret``).
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
from scipy import special

import rlsuite.envs  # noqa: F401 - registers rlsuite/MultiArmedBandit-v1
from rlsuite.agents import make_agent
from rlsuite.agents.callbacks import RegretLogger
from rlsuite.envs.noise import Gaussian, NoiseModel, StudentT
from rlsuite.experiments.base import RunResult
from rlsuite.experiments.heavy_tail_mab.sweep import BANDIT_AGENTS

__all__ = ["BANDIT_AGENTS", "agent_spec", "arm_means", "make_noise_model", "run"]

ENV_ID = "rlsuite/MultiArmedBandit-v1"
#: Points kept of each cumulative-regret curve (log-spaced would hide the slope).
CURVE_POINTS = 100


#: PPO for one-step episodes: 8 envs x 16 steps = 128 rounds per rollout so it
#: updates often within a 2,000-round budget (8 envs also cut the per-round
#: policy calls 8-fold); gamma is irrelevant with one-step episodes.
PPO_ENVS = 8
PPO_KWARGS: dict[str, Any] = {
    "n_steps": 16,
    "batch_size": 64,
    "n_epochs": 4,
    "learning_rate": 3e-3,
    "ent_coef": 0.0,
    "policy_kwargs": {"net_arch": [16]},
}


def student_t_abs_moment(df: float, p: float) -> float:
    """``E|T|^p`` of a standard Student-t with ``df`` degrees of freedom (``p < df``)."""
    log_moment = (
        0.5 * p * math.log(df)
        + special.gammaln((p + 1.0) / 2.0)
        + special.gammaln((df - p) / 2.0)
        - 0.5 * math.log(math.pi)
        - special.gammaln(df / 2.0)
    )
    return math.exp(log_moment)


def agent_spec(agent: str, params: dict[str, Any], means: np.ndarray) -> tuple[str, dict]:
    """Registered name and constructor kwargs of a label, tuned to the setting's noise.

    The robust agents get the moment bounds their theory assumes known:
    ``RobustUCB-truncated`` uses ``1 + epsilon`` with ``epsilon = min(1, (df - 1) / 2)``
    (a moment that exists) and ``u >= E|X|^{1+epsilon}`` from
    ``|a + b|^q <= 2^(q-1) (|a|^q + |b|^q)``. ``RobustUCB-catoni`` needs a
    variance bound: the noise variance where it exists; at ``df <= 2`` it
    does not, and the agent runs misspecified with ``u = 3 scale^2`` (the
    variance at ``df = 3``). ``ThompsonSampling`` assumes Gaussian rewards
    with the noise std (``scale`` where the std is infinite: misspecified).
    """
    noise = make_noise_model(params)
    scale = float(params["scale"])
    if agent == "EpsilonGreedy":
        return "EpsilonGreedy", {"epsilon": 0.1}
    if agent == "ThompsonSampling":
        std = noise.std if math.isfinite(noise.std) else scale
        return "ThompsonSampling", {"posterior": "gaussian", "noise_std": std}
    if agent == "RobustUCB-catoni":
        variance = noise.variance if math.isfinite(noise.variance) else 3.0 * scale**2
        return "RobustUCB", {"estimator": "catoni", "epsilon": 1.0, "u": variance}
    if agent == "RobustUCB-truncated":
        df = math.inf if params["noise"] == "gaussian" else float(params["df"])
        epsilon = min(1.0, (df - 1.0) / 2.0)
        q = 1.0 + epsilon
        if math.isinf(df):
            noise_moment = scale**q * 2.0 ** (q / 2.0) * math.gamma((q + 1.0) / 2.0)
            noise_moment /= math.sqrt(math.pi)
        else:
            noise_moment = scale**q * student_t_abs_moment(df, q)
        u = 2.0**epsilon * (float(np.abs(means).max()) ** q + noise_moment)
        return "RobustUCB", {"estimator": "truncated_mean", "epsilon": epsilon, "u": u}
    if agent in BANDIT_AGENTS:
        return agent, {}
    raise ValueError(f"agent={agent!r} is not one of {[*BANDIT_AGENTS, 'PPO']}")


def make_noise_model(params: dict[str, Any]) -> NoiseModel:
    """The reward noise of a setting."""
    if params["noise"] == "student_t":
        return StudentT(df=float(params["df"]), scale=float(params["scale"]))
    if params["noise"] == "gaussian":
        return Gaussian(std=float(params["scale"]))
    raise ValueError(f"noise={params['noise']!r} must be 'student_t' or 'gaussian'")


def arm_means(params: dict[str, Any], seed: int) -> np.ndarray:
    """``K - 1`` arms at ``base_mean`` and one ``gap`` above, at a seed-dependent index."""
    means = np.full(int(params["n_arms"]), float(params["base_mean"]))
    best = np.random.default_rng(seed).integers(means.size)
    means[best] += float(params["gap"])
    return means


def _curve(per_round_regret: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cumulative = np.cumsum(per_round_regret)
    steps = np.unique(np.linspace(1, cumulative.size, CURVE_POINTS).round().astype(np.int64))
    return steps, cumulative[steps - 1]


def _result(per_round_regret: np.ndarray, greedy_arm: int, means: np.ndarray) -> RunResult:
    steps, cumulative = _curve(per_round_regret)
    gaps = means.max() - means
    return RunResult(
        metrics={
            "regret": float(cumulative[-1]),
            "simple_regret": float(gaps[greedy_arm]),
            "optimal_fraction": float(np.mean(per_round_regret == 0.0)),
        },
        curves={"cumulative_regret": cumulative},
        curve_steps={"cumulative_regret": steps},
    )


def _run_bandit_agent(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    means = arm_means(params, seed)
    name, kwargs = agent_spec(agent, params, means)
    env = gym.make_vec(
        ENV_ID,
        num_envs=1,
        vectorization_mode="vector_entry_point",
        n_arms=means.size,
        means=means,
        noise=make_noise_model(params),
    )
    learner = make_agent(name, n_arms=means.size, seed=seed, **kwargs)
    logger = RegretLogger()
    learner.learn(env, int(params["horizon"]), callback=logger)
    greedy = int(learner.greedy_actions(np.zeros((1, 1), dtype=np.float32))[0])
    return _result(logger.regret[:, 0], greedy, means)


def _run_ppo(params: dict[str, Any], seed: int) -> RunResult:
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.vec_env import DummyVecEnv

    torch.set_num_threads(1)
    means = arm_means(params, seed)
    noise = make_noise_model(params)
    env = DummyVecEnv(
        [lambda: gym.make(ENV_ID, n_arms=means.size, means=means, noise=noise)] * PPO_ENVS
    )
    regrets: list[float] = []

    class RecordRegret(BaseCallback):
        def _on_step(self) -> bool:
            regrets.extend(float(info["regret"]) for info in self.locals["infos"])
            return True

    model = PPO("MlpPolicy", env, seed=seed, device="cpu", verbose=0, **PPO_KWARGS)
    horizon = int(params["horizon"])
    model.learn(total_timesteps=horizon, callback=RecordRegret())
    greedy, _ = model.predict(np.zeros((1, 1), dtype=np.float32), deterministic=True)
    # Rounds of the 8 envs are interleaved in env order; SB3 finishes its last
    # rollout, so it may step past the horizon: keep the first T rounds.
    return _result(np.asarray(regrets[:horizon]), int(np.asarray(greedy).ravel()[0]), means)


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """One run: ``agent`` for ``params["horizon"]`` rounds with seed ``seed``.

    Metrics: ``regret`` (cumulative pseudo-regret at T), ``simple_regret``
    (gap of the greedy arm after learning) and ``optimal_fraction`` (share of
    rounds on the best arm). Curve: ``cumulative_regret``.
    """
    if agent == "PPO":
        return _run_ppo(params, seed)
    return _run_bandit_agent(params, agent, seed)

"""Batched agents equal ``n_runs`` independent single-run agents fed the same random stream."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rlsuite.agents import make_agent
from rlsuite.envs.linear_contextual_bandit import LinearContextualBanditVectorEnv
from rlsuite.envs.multi_armed_bandit import MultiArmedBanditVectorEnv
from rlsuite.envs.noise import StudentT

R = 3


class _Recorder:
    """Wraps a Generator and records every draw (each has a leading axis of R)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng, self.draws = rng, []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.rng, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            out = method(*args, **kwargs)
            self.draws.append(np.asarray(out))
            return out

        return call


class _Replayer:
    """Hands a single-run agent run ``run``'s slice of the recorded draws, in order."""

    def __init__(self, draws: list[np.ndarray], run: int) -> None:
        self.draws, self.run, self.index = draws, run, 0

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> np.ndarray:
            out = self.draws[self.index][self.run : self.run + 1]
            self.index += 1
            return out

        return call


def _check_batched_equals_single(name: str, kwargs: dict, env, steps: int) -> None:
    batched = make_agent(name, seed=0, n_runs=R, **kwargs)
    recorder = _Recorder(batched.rng)
    batched.rng = recorder
    obs, _ = env.reset(seed=5)
    trace = []
    for _ in range(steps):
        actions = batched.select_actions(obs)
        next_obs, rewards, _, _, infos = env.step(actions)
        batched.update_batch(obs, actions, rewards, infos)
        trace.append((obs, actions, rewards, infos))
        obs = next_obs
    for run in range(R):
        single = make_agent(name, seed=0, n_runs=1, **kwargs)
        single.rng = _Replayer(recorder.draws, run)
        for obs, actions, rewards, infos in trace:
            action = single.select_action(obs[run])
            assert action == actions[run]
            info = {key: np.asarray(value)[run] for key, value in infos.items()}
            single.update(obs[run], action, float(rewards[run]), info)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("GradientBandit", {"eta": 10.0}),
        ("GradientBandit", {"eta": 1.0, "baseline": True}),
        ("ThompsonSampling", {}),
        ("RobustUCB", {"estimator": "truncated_mean", "epsilon": 0.5, "u": 2.0}),
        ("RobustUCB", {"estimator": "median_of_means", "u": 2.0}),
        ("RobustUCB", {"estimator": "catoni", "u": 2.0}),
    ],
)
def test_mab_batched_and_single_forms_agree(name: str, kwargs: dict) -> None:
    env = MultiArmedBanditVectorEnv(num_envs=R, n_arms=4, noise=StudentT(df=2.5))
    _check_batched_equals_single(name, {"n_arms": 4, **kwargs}, env, steps=150)


def test_bernoulli_thompson_batched_and_single_forms_agree() -> None:
    env = MultiArmedBanditVectorEnv(num_envs=R, n_arms=4, noise="bernoulli")
    kwargs = {"n_arms": 4, "posterior": "bernoulli"}
    _check_batched_equals_single("ThompsonSampling", kwargs, env, steps=100)


@pytest.mark.parametrize("name", ["LinUCB", "CatoniOFUL", "VACatoni", "HeavyOFUL"])
def test_linear_batched_and_single_forms_agree(name: str) -> None:
    env = LinearContextualBanditVectorEnv(
        num_envs=R, n_arms=6, dim=3, noise=StudentT(df=2.5), heteroscedastic=True
    )
    _check_batched_equals_single(name, {"n_arms": 6, "dim": 3}, env, steps=60)

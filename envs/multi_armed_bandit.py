"""K-armed stochastic bandit with pluggable (heavy-tailed) reward noise."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlsuite.envs._vector import end_rounds
from rlsuite.envs.noise import NoiseModel, make_noise
from rlsuite.envs.validation import check_action, check_actions, check_int, check_optional_int

__all__ = ["MultiArmedBanditEnv", "MultiArmedBanditVectorEnv"]


def _check_means(means: Any, n_arms: int, noise: NoiseModel) -> np.ndarray | None:
    if means is None:
        return None
    arr = np.asarray(means, dtype=np.float64)
    if arr.shape != (n_arms,):
        raise ValueError(f"means has shape {arr.shape}, must be (n_arms,) = ({n_arms},)")
    noise.validate_means(arr)
    return arr.copy()


def _draw_means(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    # U[0, 1] keeps drawn means valid for every family, Bernoulli arms included.
    return rng.uniform(0.0, 1.0, shape)


class MultiArmedBanditEnv(gym.Env[np.ndarray, np.int64]):
    """A stochastic K-armed bandit.

    ## Description
    Each arm ``a`` has a mean reward ``mu_a``. Pulling an arm returns
    ``mu_a + noise`` where the noise family is chosen by ``noise``; this makes
    the env a testbed for heavy-tailed bandit algorithms (robust UCB, Catoni).
    Regret is computed from the noiseless means, as in bsuite.

    ## Action Space
    ``Discrete(n_arms)``: the arm to pull. Anything else raises ``ValueError``.

    ## Observation Space
    | Index | Observation | Min | Max |
    |-------|-------------|-----|-----|
    | 0     | constant 0  | 0   | 1   |

    A ``Box(0, 1, (1,), float32)``: the bandit has no state.

    ## Rewards
    ``mu_a + noise`` as a Python float. ``info`` carries ``expected_reward``
    (``mu_a``), ``expected_rewards`` (all ``mu``), ``optimal_action``,
    ``regret`` (``max mu - mu_a``) and ``noise_std`` where it is finite.

    ## Reward Distribution
    Set by ``noise``: ``gaussian`` (all moments), ``bernoulli`` (Bernoulli
    arms, means in [0, 1]), ``student_t`` (moments of order < df),
    ``pareto`` (centred, moments of order < alpha), ``lognormal`` (centred,
    all moments, no MGF). ``info["noise"]`` at reset states the family, its
    variance (``inf`` if it does not exist) and its moment order.

    ## Starting State
    If ``means`` is not given, they are drawn i.i.d. ``U[0, 1]`` on the first
    reset and redrawn whenever ``reset`` gets a seed (bsuite's mapping seed).

    ## Episode End
    With ``horizon=None`` every round is one episode (terminated). With
    ``horizon=T`` the episode continues for ``T`` rounds and is truncated at
    ``T``; the env owns this truncation because the horizon is part of the
    problem definition, not a training budget.

    ## Arguments
    ``gym.make("rlsuite/MultiArmedBandit-v0", n_arms=10, means=None,
    noise="gaussian", horizon=None)``; ``noise`` is a name or a
    :class:`rlsuite.envs.noise.NoiseModel`.

    ## Version History
    * v0: initial version.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        n_arms: int = 10,
        means: Any = None,
        noise: str | NoiseModel = "gaussian",
        horizon: int | None = None,
    ) -> None:
        self.n_arms = check_int("n_arms", n_arms, low=2)
        self.noise = make_noise(noise)
        self.fixed_means = _check_means(means, self.n_arms, self.noise)
        self.horizon = check_optional_int("horizon", horizon)
        self.action_space = spaces.Discrete(self.n_arms)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float32)
        self.means: np.ndarray | None = self.fixed_means
        self._t = 0

    def _obs(self) -> np.ndarray:
        return np.zeros(1, dtype=np.float32)

    def _round_info(self) -> dict[str, Any]:
        assert self.means is not None
        info: dict[str, Any] = {
            "expected_rewards": self.means.copy(),
            "optimal_action": int(np.argmax(self.means)),
        }
        return info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new episode; a seed redraws the means unless they were given."""
        super().reset(seed=seed)
        if self.fixed_means is None and (seed is not None or self.means is None):
            self.means = _draw_means(self.np_random, (self.n_arms,))
        self._t = 0
        info = self._round_info()
        info["noise"] = self.noise.describe()
        return self._obs(), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Pull ``action`` and return its noisy reward."""
        if self.means is None:
            raise RuntimeError("call reset() before step()")
        a = check_action(action, self.n_arms)
        reward = float(self.noise.sample_rewards(self.np_random, self.means[a]))
        self._t += 1
        info = self._round_info()
        info["expected_reward"] = float(self.means[a])
        info["regret"] = float(self.means.max() - self.means[a])
        std = float(self.noise.reward_std(self.means[a]))
        if np.isfinite(std):
            info["noise_std"] = std
        terminated = self.horizon is None
        truncated = self.horizon is not None and self._t >= self.horizon
        return self._obs(), reward, terminated, truncated, info


class MultiArmedBanditVectorEnv(VectorEnv):
    """``R`` independent copies of :class:`MultiArmedBanditEnv` stepped in numpy.

    Sub-env ``i`` has its own means (row ``i`` of ``means``, shape ``(R, K)``)
    and draws its rewards from the same family as the single env. Episodes
    auto-reset in the same step (``AutoresetMode.SAME_STEP``); drawn means are
    kept across episodes unless ``reset`` gets a seed, as in the single env.
    ``infos`` holds ``expected_reward``, ``regret``, ``optimal_action`` as
    ``(R,)`` arrays and ``expected_rewards`` as ``(R, K)``.
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}

    def __init__(
        self,
        num_envs: int = 1,
        n_arms: int = 10,
        means: Any = None,
        noise: str | NoiseModel = "gaussian",
        horizon: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.num_envs = check_int("num_envs", num_envs)
        self.n_arms = check_int("n_arms", n_arms, low=2)
        self.noise = make_noise(noise)
        self.fixed_means = _check_means(means, self.n_arms, self.noise)
        self.horizon = check_optional_int("horizon", horizon)
        self.single_action_space = spaces.Discrete(self.n_arms)
        self.single_observation_space = spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float32)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.means: np.ndarray | None = None
        if self.fixed_means is not None:
            self.means = np.broadcast_to(self.fixed_means, (self.num_envs, self.n_arms)).copy()
        self._row_offsets = np.arange(self.num_envs) * self.n_arms
        self._t = np.zeros(self.num_envs, dtype=np.int64)
        self._obs = np.zeros((self.num_envs, 1), dtype=np.float32)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every sub-env; a seed redraws all means unless they were given."""
        super().reset(seed=seed)
        if self.fixed_means is None and (seed is not None or self.means is None):
            self.means = _draw_means(self.np_random, (self.num_envs, self.n_arms))
        self._t[:] = 0
        assert self.means is not None
        # Means only change here, so the per-step infos reuse these.
        self._best = self.means.max(axis=1)
        self._optimal = self.means.argmax(axis=1)
        info = {"expected_rewards": self.means, "optimal_action": self._optimal}
        return self._obs.copy(), info

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Pull one arm in every sub-env."""
        if self.means is None:
            raise RuntimeError("call reset() before step()")
        actions = check_actions(actions, self.num_envs, self.n_arms)
        expected = self.means.reshape(-1)[self._row_offsets + actions]
        rewards = self.noise.sample_rewards(self.np_random, expected)
        terminated, truncated = end_rounds(self._t, self.horizon)
        infos = {
            "expected_reward": expected,
            "expected_rewards": self.means,
            "optimal_action": self._optimal,
            "regret": self._best - expected,
        }
        return self._obs.copy(), rewards, terminated, truncated, infos

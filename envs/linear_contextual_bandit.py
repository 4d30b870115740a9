"""Linear contextual bandit with K arm feature vectors per round and heavy-tailed noise."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlsuite.envs._single_backed import SingleEnvBackedVectorEnv
from rlsuite.envs._vector import end_rounds
from rlsuite.envs.noise import Bernoulli, BoundedNoise, NoiseModel, make_noise
from rlsuite.envs.validation import (
    MAX_SIZE,
    check_action,
    check_actions,
    check_bool,
    check_episode_running,
    check_int,
    check_optional_int,
    check_options,
    check_real,
    check_real_array,
    check_real_pair,
    check_reset_seed,
)

#: Largest ``sigma_range[1]``: ``sigma_t`` multiplies the noise family's scale
#: (itself at most ``rlsuite.envs.noise.MAX_NOISE_SCALE``), and their product's
#: heaviest draws must stay finite.
MAX_SIGMA = 1e6

__all__ = ["LinearContextualBanditEnv", "LinearContextualBanditVectorEnv"]


def _check_theta(theta: Any, dim: int) -> np.ndarray:
    if theta is None:
        return np.full(dim, 1.0 / np.sqrt(dim))
    return check_real_array("theta", theta, (dim,))


def _draw_contexts(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Arm features ``U[0, 1]^d`` normalised to unit norm (the heavy-tail papers' default)."""
    x = rng.uniform(0.0, 1.0, shape)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _shown(contexts: np.ndarray | None) -> np.ndarray:
    """The float32 observation of the current ``contexts`` (set by ``reset``)."""
    if contexts is None:
        raise RuntimeError("no contexts drawn yet: call reset() first")
    return contexts.astype(np.float32)


def _separate_best(contexts: np.ndarray, theta: np.ndarray, gap: float) -> np.ndarray:
    """Shrink every arm whose mean is within ``gap`` of the best to mean ``best - gap``.

    Unit-norm ``U[0, 1]^d`` features under ``theta* = 1/sqrt(d)`` have means
    packed in a band a few hundredths wide, so without a margin every policy
    is near-uniform for ``T = 10^4``. Scaling a feature vector by
    ``c in [0, 1]`` keeps it in ``[0, 1]^d`` and the model linear (its mean
    scales by ``c``); the best arm is left alone.
    """
    if gap == 0.0:
        return contexts
    means = contexts @ theta
    target = means.max(axis=-1, keepdims=True) - gap
    crowded = means > target
    with np.errstate(divide="ignore", invalid="ignore"):
        shrink = np.where(crowded, np.clip(target / means, 0.0, 1.0), 1.0)
    best = means.argmax(axis=-1)[..., None]
    np.put_along_axis(shrink, best, 1.0, axis=-1)
    return contexts * shrink[..., None]


class _LinearBanditCore:
    """Parameters and draws shared by the single and the vector env."""

    def _init_core(
        self,
        n_arms: int,
        dim: int,
        theta: Any,
        noise: str | NoiseModel,
        heteroscedastic: bool,
        sigma_range: tuple[float, float],
        horizon: int | None,
        gap: float = 0.0,
    ) -> None:
        self.gap = check_real("gap", gap, 0.0, 1.0, high_open=True)
        self.n_arms = check_int("n_arms", n_arms, low=2, high=MAX_SIZE)
        self.dim = check_int("dim", dim, high=MAX_SIZE)
        if self.n_arms * self.dim > MAX_SIZE:
            raise ValueError(
                f"n_arms * dim = {self.n_arms} * {self.dim} is out of range: the contexts of a "
                f"round must have at most {MAX_SIZE} entries"
            )
        self.theta = _check_theta(theta, self.dim)
        self.noise = make_noise(noise)
        if isinstance(self.noise, Bernoulli):
            raise ValueError(
                "noise='bernoulli' is not supported: linear means are not probabilities"
            )
        self.heteroscedastic = check_bool("heteroscedastic", heteroscedastic)
        self.sigma_range = check_real_pair(
            "sigma_range", sigma_range, 0.0, MAX_SIGMA, low_open=True
        )
        self.horizon = check_optional_int("horizon", horizon)

    def _draw_scales(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        if not self.heteroscedastic:
            return np.ones(shape)
        return rng.uniform(*self.sigma_range, shape)

    def _scale_info(self, prefix: str, scales: Any) -> dict[str, Any]:
        info = {f"{prefix}noise_scale": scales}
        if np.isfinite(self.noise.std):
            info[f"{prefix}noise_std"] = scales * self.noise.std
        if isinstance(self.noise, BoundedNoise):
            info[f"{prefix}reward_range"] = scales * self.noise.range
        return info

    def _contexts(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        return _separate_best(_draw_contexts(rng, shape), self.theta, self.gap)


class LinearContextualBanditEnv(_LinearBanditCore, gym.Env[np.ndarray, np.int64]):
    """A K-armed linear contextual bandit.

    ## Description
    Every round shows ``n_arms`` feature vectors ``x_{t,a}`` in ``R^dim``;
    pulling arm ``a`` pays ``<theta*, x_{t,a}> + sigma_t * noise``. This is
    the setting of OFUL/LinUCB and of the heavy-tailed linear bandit
    literature (Shao et al. 2018; Ye, Jin, Agarwal & Zhang 2025, Catoni
    contextual bandits). Regret uses the noiseless means.

    ## Action Space
    ``Discrete(n_arms)``: the arm to pull. Anything else raises ``ValueError``.

    ## Observation Space
    | Index      | Observation                   | Min | Max |
    |------------|-------------------------------|-----|-----|
    | ``[a, j]`` | feature ``j`` of arm ``a``    | 0   | 1   |

    A ``Box(0, 1, (n_arms, dim), float32)``; each row has unit norm.

    ## Rewards
    ``<theta*, x_{t,a}> + sigma_t * noise`` as a Python float. Step ``info``:
    ``expected_reward``, ``expected_rewards``, ``optimal_action``, ``regret``,
    ``noise_scale`` (``sigma_t`` of the round just played), ``noise_std``
    (``sigma_t`` times the family's std, where finite) and, for the bounded
    families (:class:`~rlsuite.envs.noise.BoundedNoise`), ``reward_range``
    (``sigma_t`` times the width of the noise support: given the round's
    means, each reward lies in an interval of that width).

    ## Reward Distribution
    ``noise`` is any family of :mod:`rlsuite.envs.noise` except Bernoulli;
    ``student_t`` with ``df`` in (1, 2] has infinite variance (outside the
    known-variance assumptions of Catoni-OFUL); ``spike`` and
    ``truncated_pareto`` are bounded with a known variance and a range far
    larger than their standard deviation (the regime of Ye et al. 2025).
    With ``heteroscedastic=True``, ``sigma_t`` is
    drawn ``U[sigma_range]`` per round and revealed *before* acting: reset
    ``info`` carries ``round_noise_scale`` / ``round_noise_std`` for the round
    shown, and a step that continues the episode carries
    ``next_round_noise_scale`` / ``next_round_noise_std`` for the next round
    (the known-variance setting of Catoni-OFUL). Otherwise ``sigma_t = 1``.

    ## Starting State
    Contexts are drawn i.i.d. every round from ``self.np_random``.

    ## Episode End
    With ``horizon=None`` each round is one episode (terminated); with
    ``horizon=T`` one continuing episode of ``T`` rounds, truncated at ``T``.

    ## Arguments
    ``gym.make("rlsuite/LinearContextualBandit-v0", n_arms=20, dim=10,
    theta=None, noise="gaussian", heteroscedastic=False,
    sigma_range=(0.1, 1.0), horizon=None, gap=0.3)``; ``theta=None`` means
    ``theta* = 1 / sqrt(dim)`` in every coordinate (unit norm). ``gap`` in
    ``[0, 1)`` separates the best arm: every other arm whose mean is within
    ``gap`` of the best has its feature vector scaled down (rows then have
    norm ``<= 1``) until its mean is ``best - gap``, so each suboptimal pull
    costs at least ``gap`` (exact when ``gap`` is below the best mean, as it
    always is for the default ``theta*`` and ``gap < 1/sqrt(dim)``). Without it
    (``gap=0``) the means of a round lie within a few hundredths of each
    other and OFUL is no better than uniform play at ``T = 10^4``; with the
    default ``0.3`` OFUL's regret is a fraction of uniform play's
    (``tests/envs/test_linear_bandit_gap.py``).

    ``n_arms * dim`` is at most ``10**7`` and ``sigma_range`` lies in
    ``(0, 1e6]``; ``heteroscedastic`` must be a bool. The problem
    (``theta*``) is given, not drawn, so there is no ``problem_seed``.

    ## Version History
    * v0: initial version; ``gap`` (default 0.3) and ``reward_range`` in
      ``info`` added later (the default problem changed with ``gap``). Also
      later, without a bump because valid use is unchanged: ``step()`` after
      the episode ended, non-dict ``options``, non-bool ``heteroscedastic``
      and string ``sigma_range`` raise.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        n_arms: int = 20,
        dim: int = 10,
        theta: Any = None,
        noise: str | NoiseModel = "gaussian",
        heteroscedastic: bool = False,
        sigma_range: tuple[float, float] = (0.1, 1.0),
        horizon: int | None = None,
        gap: float = 0.3,
    ) -> None:
        self._init_core(n_arms, dim, theta, noise, heteroscedastic, sigma_range, horizon, gap)
        self.action_space = spaces.Discrete(self.n_arms)
        self.observation_space = spaces.Box(0.0, 1.0, (self.n_arms, self.dim), dtype=np.float32)
        self.contexts: np.ndarray | None = None
        self._t = 0
        self._ended = False

    def _new_round(self) -> None:
        self.contexts = self._contexts(self.np_random, (self.n_arms, self.dim))
        self.expected_rewards = self.contexts @ self.theta
        self.scale = float(self._draw_scales(self.np_random, ()))

    def _round_info(self) -> dict[str, Any]:
        return {
            "expected_rewards": self.expected_rewards.copy(),
            "optimal_action": int(np.argmax(self.expected_rewards)),
        }

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new episode and show the first round's contexts."""
        super().reset(seed=check_reset_seed(seed))
        check_options(options)
        self._t = 0
        self._ended = False
        self._new_round()
        info = {**self._round_info(), **self._scale_info("round_", self.scale)}
        info["noise"] = self.noise.describe()
        return _shown(self.contexts), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Pull ``action`` on the current contexts."""
        check_episode_running(self.contexts is not None, self._ended)
        a = check_action(action, self.n_arms)
        mean = float(self.expected_rewards[a])
        reward = mean + self.scale * float(self.noise.sample(self.np_random))
        info = {**self._round_info(), **self._scale_info("", self.scale)}
        info["expected_reward"] = mean
        info["regret"] = float(self.expected_rewards.max() - mean)
        self._t += 1
        terminated = self.horizon is None
        truncated = self.horizon is not None and self._t >= self.horizon
        self._ended = terminated or truncated
        if not (terminated or truncated):
            self._new_round()
            info.update(self._scale_info("next_round_", self.scale))
        return _shown(self.contexts), float(reward), terminated, truncated, info


class LinearContextualBanditVectorEnv(SingleEnvBackedVectorEnv):
    """``R`` independent copies of :class:`LinearContextualBanditEnv` in numpy.

    Takes ``num_envs`` and the single env's arguments, which a
    :class:`LinearContextualBanditEnv` (``self.single_env``) validates; its
    ``theta*`` and noise draws are used for every copy. Each step draws all
    ``R x n_arms`` contexts at once and auto-resets in the same step, so the
    returned observation is always the next round's contexts and
    ``infos["next_round_noise_scale"]`` its ``sigma``.
    """

    single_env_class = LinearContextualBanditEnv

    def __init__(self, num_envs: int = 1, **kwargs: Any) -> None:
        super().__init__(num_envs, **kwargs)
        single = self.single_env
        self.n_arms, self.dim, self.theta, self.noise = (
            single.n_arms,
            single.dim,
            single.theta,
            single.noise,
        )
        self._check_size("n_arms * dim", self.n_arms * self.dim)
        self._rows = np.arange(self.num_envs)
        self.contexts: np.ndarray | None = None

    def _new_round(self) -> None:
        self.contexts = self.single_env._contexts(
            self.np_random, (self.num_envs, self.n_arms, self.dim)
        )
        self.expected_rewards = self.contexts @ self.theta
        self.scales = self.single_env._draw_scales(self.np_random, (self.num_envs,))

    def _scale_info(self, prefix: str, scales: Any) -> dict[str, Any]:
        return self.single_env._scale_info(prefix, scales)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every copy and show the first contexts."""
        self._start_reset(seed, options)
        self._new_round()
        info = {
            "expected_rewards": self.expected_rewards,
            "optimal_action": self.expected_rewards.argmax(axis=1),
            **self._scale_info("round_", self.scales),
        }
        return _shown(self.contexts), info

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Pull one arm in every copy, then show the next round."""
        self._check_running()
        actions = check_actions(actions, self.num_envs, self.n_arms)
        expected = self.expected_rewards[self._rows, actions]
        rewards = expected + self.scales * self.noise.sample(self.np_random, self.num_envs)
        infos = {
            "expected_reward": expected,
            "expected_rewards": self.expected_rewards,
            "optimal_action": self.expected_rewards.argmax(axis=1),
            "regret": self.expected_rewards.max(axis=1) - expected,
            **self._scale_info("", self.scales),
        }
        terminated, truncated = end_rounds(self._t, self.horizon)
        self._new_round()
        infos.update(self._scale_info("next_round_", self.scales))
        return _shown(self.contexts), rewards, terminated, truncated, infos

"""K-armed stochastic bandit with pluggable (heavy-tailed) reward noise."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlsuite.envs._single_backed import SingleEnvBackedVectorEnv
from rlsuite.envs._vector import end_rounds
from rlsuite.envs.noise import NoiseModel, make_noise
from rlsuite.envs.validation import (
    MAX_SIZE,
    check_action,
    check_actions,
    check_entries,
    check_episode_running,
    check_int,
    check_optional_int,
    check_options,
    check_problem_seed,
    check_real_array,
    check_reset_seed,
)

__all__ = ["MultiArmedBanditEnv", "MultiArmedBanditVectorEnv"]

_ADDITIVE = NoiseModel.sample_rewards


def _check_means(means: Any, n_arms: int, noise: NoiseModel) -> np.ndarray | None:
    if means is None:
        return None
    arr = check_real_array("means", means, (n_arms,))
    noise.validate_means(arr)
    return arr


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
    If ``means`` is not given, they are drawn i.i.d. ``U[0, 1]`` in
    ``__init__`` from ``problem_seed``, so every copy built with the same
    arguments poses the same problem (SB3's ``make_vec_env`` copies and an
    eval env included) and ``reset(seed=...)`` seeds only the rewards. Vary
    ``problem_seed`` to average over instances. ``problem_seed=None`` is the
    v0 behaviour: means drawn from ``self.np_random`` on the first reset and
    redrawn whenever ``reset`` gets a seed (bsuite's mapping seed).

    ## Episode End
    With ``horizon=None`` every round is one episode (terminated). With
    ``horizon=T`` the episode continues for ``T`` rounds and is truncated at
    ``T``; the env owns this truncation because the horizon is part of the
    problem definition, not a training budget.

    ## Arguments
    ``gym.make("rlsuite/MultiArmedBandit-v1", n_arms=10, means=None,
    noise="gaussian", horizon=None, problem_seed=0)``; ``noise`` is a name or
    a :class:`rlsuite.envs.noise.NoiseModel`; ``n_arms`` is at most
    ``10**7``; ``problem_seed`` is an integer ``>= 0`` (ignored when ``means``
    is given) or ``None``. ``step()`` before ``reset()`` or after the episode
    ended raises :class:`rlsuite.envs.validation.EpisodeNotRunning`.

    ## Version History
    * v1: the means are fixed by ``problem_seed`` at construction instead of
      being redrawn by every seeded ``reset``; the native vector env's copies
      share them (issue 16). ``step()`` after the episode ended raises.
    * v0: initial version; registered with ``problem_seed=None`` (deprecated).
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        n_arms: int = 10,
        means: Any = None,
        noise: str | NoiseModel = "gaussian",
        horizon: int | None = None,
        problem_seed: int | None = 0,
    ) -> None:
        self.n_arms = check_int("n_arms", n_arms, low=2, high=MAX_SIZE)
        self.noise = make_noise(noise)
        self.fixed_means = _check_means(means, self.n_arms, self.noise)
        self.horizon = check_optional_int("horizon", horizon)
        self.problem_seed = check_problem_seed(problem_seed)
        self.action_space = spaces.Discrete(self.n_arms)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float32)
        self.means: np.ndarray | None = self.fixed_means
        if self.means is None and self.problem_seed is not None:
            self.means = _draw_means(np.random.default_rng(self.problem_seed), (self.n_arms,))
        self._t = 0
        self._started = self._ended = False

    @property
    def draws_at_reset(self) -> bool:
        """v0 (``problem_seed=None``, no ``means``): the first or a seeded reset draws the means."""
        return self.fixed_means is None and self.problem_seed is None

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
        """Start a new episode; ``seed`` seeds the rewards (and, for v0, redraws the means)."""
        super().reset(seed=check_reset_seed(seed))
        check_options(options)
        if self.draws_at_reset and (seed is not None or not self._started):
            self.means = _draw_means(self.np_random, (self.n_arms,))
        self._t = 0
        self._started, self._ended = True, False
        info = self._round_info()
        info["noise"] = self.noise.describe()
        return self._obs(), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Pull ``action`` and return its noisy reward."""
        check_episode_running(self._started, self._ended)
        assert self.means is not None
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
        self._ended = terminated or truncated
        return self._obs(), reward, terminated, truncated, info


class MultiArmedBanditVectorEnv(SingleEnvBackedVectorEnv):
    """``R`` copies of :class:`MultiArmedBanditEnv` stepped in numpy.

    Takes ``num_envs`` and the single env's arguments, which a
    :class:`MultiArmedBanditEnv` (``self.single_env``) validates and uses to
    draw the problem: every copy poses that one problem (the means of
    ``problem_seed``, or the given ``means``) and draws its own rewards from
    the vector env's ``np_random``. With ``problem_seed=None`` (v0) each copy
    instead draws its own means on the first reset and on every seeded reset.
    Episodes auto-reset in the same step (``AutoresetMode.SAME_STEP``).
    ``infos`` holds ``expected_reward``, ``regret``, ``optimal_action`` as
    ``(R,)`` arrays and ``expected_rewards`` as ``(R, K)``. ``num_envs`` and
    ``n_arms`` are each at most ``10**7`` and ``num_envs * n_arms`` at most
    :data:`~rlsuite.envs.validation.MAX_ENTRIES` (``2**27``; a GPU round of
    ``2**20`` copies of 10 arms fits).

    ``backend="torch"`` (with ``device``, ``dtype`` and ``compile``; see
    :mod:`rlsuite.envs.torch_backend`) keeps the same problem (the means are
    drawn as above, then copied to ``device``) and draws the rewards with the
    same law from a ``torch.Generator`` seeded by ``reset(seed=...)``;
    observations, rewards, flags and infos are tensors on ``device``. Noise
    families without a torch sampler raise ``ValueError``.
    """

    single_env_class = MultiArmedBanditEnv

    def __init__(
        self,
        num_envs: int = 1,
        *,
        backend: str = "numpy",
        device: Any = None,
        dtype: str | None = None,
        compile: bool = False,
        **kwargs: Any,
    ) -> None:
        from rlsuite.envs.torch_backend import check_backend_options

        self.backend, self.device, self.dtype, self.compile = check_backend_options(
            backend, device, dtype, compile
        )
        super().__init__(num_envs, **kwargs)
        single = self.single_env
        self.n_arms, self.noise = single.n_arms, single.noise
        self.problem_seed = single.problem_seed
        # A product cap, not ``MAX_SIZE``: a GPU round of 2^20 copies x 10 arms must fit.
        check_entries("num_envs * n_arms", (self.num_envs, self.n_arms))
        self.means: np.ndarray | None = None
        if single.means is not None:
            self.means = np.broadcast_to(single.means, (self.num_envs, self.n_arms)).copy()
        self._row_offsets = np.arange(self.num_envs) * self.n_arms
        self._obs = np.zeros((self.num_envs, 1), dtype=np.float32)
        if self.backend == "torch":
            self._init_torch()

    def _init_torch(self) -> None:
        from rlsuite.envs import torch_backend

        self.noise = torch_backend.check_noise(self.noise)
        torch = torch_backend.torch_module()
        transform = torch_backend.reward_transform(self.noise)

        def core(means: Any, best: Any, actions: Any, draws: Any) -> tuple[Any, Any, Any]:
            expected = means.gather(1, actions[:, None])[:, 0]
            return expected, transform(expected, draws), best - expected

        self._torch_core = torch_backend.maybe_compile(core, self.compile)
        self._torch_t = torch.zeros(self.num_envs, dtype=torch.int64, device=self.device)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every copy; ``seed`` seeds the rewards (and, for v0, redraws the means)."""
        first = self._start_reset(seed, options)
        if self.single_env.draws_at_reset and (seed is not None or first):
            self.means = _draw_means(self.np_random, (self.num_envs, self.n_arms))
        assert self.means is not None
        # Means only change here, so the per-step infos reuse these.
        self._best = self.means.max(axis=1)
        self._optimal = self.means.argmax(axis=1)
        # A flat view for the per-step gather (one 1-D index beats a (row, arm) pair).
        self._flat_means = self.means.reshape(-1)
        info = {"expected_rewards": self.means, "optimal_action": self._optimal}
        if self.backend == "torch":
            return self._reset_torch(seed is not None or first, info)
        return self._obs.copy(), info

    def _reset_torch(self, reseed: bool, info: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        from rlsuite.envs import torch_backend

        torch = torch_backend.torch_module()
        if reseed:
            self.generator = torch_backend.new_generator(self.device, self.np_random)
        assert self.means is not None
        self._torch_means = torch.as_tensor(self.means, dtype=self.dtype, device=self.device)
        self._torch_best = self._torch_means.max(dim=1).values
        self._torch_optimal = torch.as_tensor(self._optimal, device=self.device)
        self._torch_t.zero_()
        info = {"expected_rewards": self._torch_means, "optimal_action": self._torch_optimal}
        return torch.zeros((self.num_envs, 1), device=self.device), info

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Pull one arm in every copy."""
        if not self._started:
            self._check_running()
        if self.backend == "torch":
            return self._step_torch(actions)
        actions = check_actions(actions, self.num_envs, self.n_arms)
        if self.num_envs == 1:
            # One copy: its row offset is 0, so the actions (signed or not) index the flat
            # means directly.
            flat = actions
        elif actions.dtype.kind == "u":
            # uint64 + the int64 offsets would promote to float64, which cannot index.
            flat = self._row_offsets + actions.astype(np.intp)
        else:
            flat = self._row_offsets + actions
        expected = self._flat_means[flat]
        noise = self.noise
        if type(noise).sample_rewards is _ADDITIVE:
            # The base (additive) law: ``expected + noise.sample`` is what it computes, from
            # the same stream, without its ``asarray`` and one call.
            rewards = expected + noise.sample(self.np_random, expected.shape)
        else:
            rewards = noise.sample_rewards(self.np_random, expected)
        terminated, truncated = end_rounds(self._t, self.horizon)
        infos = {
            "expected_reward": expected,
            "expected_rewards": self.means,
            "optimal_action": self._optimal,
            "regret": self._best - expected,
        }
        return self._obs.copy(), rewards, terminated, truncated, infos

    def _step_torch(self, actions: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        from rlsuite.envs import torch_backend

        torch = torch_backend.torch_module()
        actions = torch_backend.torch_actions(actions, self.num_envs, self.n_arms, self.device)
        draws = torch_backend.draw_noise(self.noise, (self.num_envs,), self.generator, self.dtype)
        expected, rewards, regret = self._torch_core(
            self._torch_means, self._torch_best, actions, draws
        )
        n, device = self.num_envs, self.device
        if self.horizon is None:
            terminated = torch.ones(n, dtype=torch.bool, device=device)
            truncated = torch.zeros(n, dtype=torch.bool, device=device)
        else:
            self._torch_t += 1
            truncated = self._torch_t >= self.horizon
            self._torch_t.masked_fill_(truncated, 0)
            terminated = torch.zeros(n, dtype=torch.bool, device=device)
        infos = {
            "expected_reward": expected,
            "expected_rewards": self._torch_means,
            "optimal_action": self._torch_optimal,
            "regret": regret,
        }
        obs = torch.zeros((n, 1), device=device)
        return obs, rewards, terminated, truncated, infos

"""The bandit-agent protocol shared by every learner in :mod:`rlsuite.agents.bandits`.

An agent keeps the state of ``n_runs`` independent copies of itself (one by
default). Subclasses implement the batched pair

* :meth:`BanditAgent.select_actions` ``(obs[R, ...]) -> actions[R]`` and
* :meth:`BanditAgent.update_batch` ``(obs, actions, rewards, infos)``

plus :meth:`BanditAgent._reset_state`. The single-run forms
(:meth:`~BanditAgent.select_action`, :meth:`~BanditAgent.update`), SB3's
``predict`` (so ``evaluate_policy`` works) and :meth:`~BanditAgent.learn` on a
single or vector env are derived here, once. All randomness comes from
``self.rng``, seeded at construction and by :meth:`reset`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import VectorEnv
from tqdm.auto import tqdm

from rlsuite.agents.callbacks import BanditCallback, CallbackList
from rlsuite.envs.validation import check_int

__all__ = ["BanditAgent", "batch_info"]


def batch_info(info: dict[str, Any] | None) -> dict[str, Any] | None:
    """Turn a single env's ``info`` into the batched form with a leading axis of 1."""
    if info is None:
        return None
    return {key: np.asarray(value)[None] for key, value in info.items() if key != "noise"}


class BanditAgent(ABC):
    """Base class for bandit learners.

    Parameters
    ----------
    n_arms : int
        Number of actions, at least 2.
    seed : int or None
        Seed of the agent's own generator (used for exploration and ties).
    n_runs : int
        Number of independent copies whose state is kept (``R`` in the
        batched methods).
    """

    def __init__(self, n_arms: int, *, seed: int | None = None, n_runs: int = 1) -> None:
        self.n_arms = check_int("n_arms", n_arms, low=2)
        self.seed = seed
        self.reset(n_runs=n_runs, seed=seed)

    # ------------------------------------------------------------------ state
    def reset(self, n_runs: int | None = None, seed: int | None = None) -> None:
        """Forget everything learned; optionally change ``n_runs`` and reseed."""
        self.n_runs = check_int("n_runs", self.n_runs if n_runs is None else n_runs)
        if seed is not None or not hasattr(self, "rng"):
            self.rng = np.random.default_rng(seed)
        self.t = 0
        self._reset_state()

    @abstractmethod
    def _reset_state(self) -> None:
        """Allocate per-run statistics with a leading axis of ``self.n_runs``."""

    # ---------------------------------------------------------------- batched
    @abstractmethod
    def select_actions(self, obs: np.ndarray) -> np.ndarray:
        """Choose one action per run; ``obs`` has a leading axis of ``n_runs``."""

    @abstractmethod
    def update_batch(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        infos: dict[str, Any] | None = None,
    ) -> None:
        """Learn from one round of every run."""

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """Actions of the learned policy without exploration (default: ``select_actions``)."""
        return self.select_actions(obs)

    # ------------------------------------------------------------ single run
    def select_action(self, obs: Any) -> int:
        """Choose an action for a single run."""
        self._require_single_run("select_action")
        return int(self.select_actions(np.asarray(obs)[None])[0])

    def update(self, obs: Any, action: int, reward: float, info: dict[str, Any] | None = None):
        """Learn from one round of a single run."""
        self._require_single_run("update")
        self.update_batch(
            np.asarray(obs)[None],
            np.asarray([action]),
            np.asarray([reward], dtype=np.float64),
            batch_info(info),
        )

    def _require_single_run(self, method: str) -> None:
        if self.n_runs != 1:
            raise ValueError(
                f"{method} needs n_runs=1 but this agent has n_runs={self.n_runs}; "
                "use the batched form"
            )

    # ------------------------------------------------------------------- SB3
    def predict(
        self,
        observation: np.ndarray,
        state: tuple[np.ndarray, ...] | None = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = False,
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...] | None]:
        """SB3 ``PolicyPredictor``: actions for a single or batched observation.

        A batch larger than ``n_runs`` (e.g. several envs in ``evaluate_policy``)
        is answered by run 0's state when ``n_runs == 1``.
        """
        obs = np.asarray(observation)
        single = obs.ndim == self._obs_ndim()
        batch = obs[None] if single else obs
        if self.n_runs == 1 and batch.shape[0] != 1:
            actions = np.concatenate([self._act(row[None], deterministic) for row in batch])
        elif batch.shape[0] == self.n_runs:
            actions = self._act(batch, deterministic)
        else:
            raise ValueError(
                f"observation batch of {batch.shape[0]} does not match n_runs={self.n_runs}"
            )
        return (actions[0] if single else actions), state

    def _act(self, batch: np.ndarray, deterministic: bool) -> np.ndarray:
        return self.greedy_actions(batch) if deterministic else self.select_actions(batch)

    def _obs_ndim(self) -> int:
        """Number of axes of one observation (1 for the ``(1,)`` MAB observation)."""
        return 1

    # ------------------------------------------------------------------ learn
    def learn(
        self,
        env: gym.Env | VectorEnv,
        total_timesteps: int,
        callback: BanditCallback | list[BanditCallback] | None = None,
        progress_bar: bool = False,
    ) -> BanditAgent:
        """Interact with ``env`` for ``total_timesteps`` rounds (per run) and learn.

        ``env`` is a single env (``n_runs`` must be 1) or a vector env with
        ``num_envs == n_runs``. Callbacks follow SB3's template method and can
        stop training by returning ``False`` from ``_on_step``.
        """
        total_timesteps = check_int("total_timesteps", total_timesteps)
        vector = isinstance(env, VectorEnv)
        n_envs = env.num_envs if vector else 1
        if n_envs != self.n_runs:
            raise ValueError(f"env has {n_envs} runs but the agent has n_runs={self.n_runs}")
        callbacks = CallbackList(callback)
        callbacks.init_callback(self)
        obs, info = env.reset(seed=self.seed)
        step = self._vector_step if vector else self._single_step
        for _ in tqdm(range(total_timesteps), disable=not progress_bar, desc=type(self).__name__):
            obs, info, rewards, step_infos = step(env, obs, info)
            callbacks.update_locals({"rewards": rewards, "infos": step_infos})
            if not callbacks.on_step():
                break
        return self

    def _single_step(self, env: gym.Env, obs: Any, info: dict[str, Any]):
        action = self.select_action(obs)
        next_obs, reward, terminated, truncated, step_info = env.step(action)
        self.update(obs, action, reward, {**_round_info(info), **step_info})
        if terminated or truncated:
            next_obs, info = env.reset()
        else:
            info = _next_round_info(step_info)
        return next_obs, info, np.asarray([reward]), batch_info(step_info)

    # -------------------------------------------------------------- from a log
    def partial_fit(
        self,
        actions: Any,
        rewards: Any = None,
        contexts: Any = None,
        infos: dict[str, Any] | None = None,
    ) -> BanditAgent:
        """Fold a whole log into the statistics, as ``update`` round by round would.

        ``actions``/``rewards`` are ``(n,)`` for one run or ``(n, n_runs)``;
        ``contexts`` (required by agents that read the observation) is
        ``(n, *obs)`` or ``(n, n_runs, *obs)``; ``infos`` maps step-info keys
        (``noise_std`` for the variance-weighted agents) to ``(n,)`` or
        ``(n, n_runs)`` arrays. A ``BanditFeedback`` may be passed as
        ``actions``. Counting agents fold the log with one ``bincount``,
        linear ones with one Gram product; the default, for agents whose
        update depends on the state it changes, replays the log through
        :meth:`update_batch` (the same state, exactly).
        """
        from rlsuite.agents.log_input import log_arrays

        obs, actions, rewards, infos = log_arrays(self, actions, rewards, contexts, infos)
        self._fold_log(obs, actions, rewards, infos)
        return self

    def _fold_log(
        self,
        obs: np.ndarray | None,
        actions: np.ndarray,
        rewards: np.ndarray,
        infos: dict[str, np.ndarray] | None,
    ) -> None:
        """Default :meth:`partial_fit`: one :meth:`update_batch` per logged round."""
        if obs is None:
            obs = np.zeros((len(actions), self.n_runs) + (1,) * self._obs_ndim(), np.float32)
        for i in range(len(actions)):
            round_info = None if infos is None else {k: v[i] for k, v in infos.items()}
            self.update_batch(obs[i], actions[i], rewards[i], round_info)

    def _vector_step(self, env: VectorEnv, obs: np.ndarray, info: dict[str, Any]):
        actions = self.select_actions(obs)
        next_obs, rewards, _, _, step_infos = env.step(actions)
        self.update_batch(obs, actions, rewards, {**_round_info(info), **step_infos})
        return next_obs, _next_round_info(step_infos), rewards, step_infos


def _round_info(info: dict[str, Any]) -> dict[str, Any]:
    """Keys of a reset/step info that describe the round *shown* in the observation."""
    return {k: v for k, v in info.items() if k.startswith("round_")}


def _next_round_info(step_info: dict[str, Any]) -> dict[str, Any]:
    """A step's ``next_round_*`` keys describe the next round: rename them ``round_*``."""
    return {k[len("next_") :]: v for k, v in step_info.items() if k.startswith("next_round_")}

"""Logged bandit feedback in Open Bandit Pipeline's schema, stored as long Minari episodes.

One logged round ``i`` holds (OBP's ``BanditFeedback`` keys):

``context[i]``          the observation shown (e.g. ``(n_arms, dim)`` arm features)
``action[i]``           the arm the logging policy drew
``reward[i]``           the observed reward
``pscore[i]``           the logging policy's probability of ``action[i]``
``action_dist[i]``      its full action distribution, ``(n_actions,)``
``expected_reward[i]``  the env's noiseless mean reward of every arm, ``(n_actions,)``

Minari needs seconds per ten thousand one-step episodes, so rounds are
stored as long episodes of ``rounds_per_episode`` rounds: observations are
the contexts (plus the next context, Minari stores ``T + 1``), actions and
rewards are per round, and ``infos`` holds ``pscore``, ``action_dist`` and
``expected_reward`` with one row **per round** (length ``T``, unlike
collected RL datasets whose infos have ``T + 1`` rows).

A logging policy follows :class:`LoggingPolicy`: anything with
``action_probabilities(obs_batch) -> (R, n_actions)`` (e.g.
:class:`rlsuite.agents.bandits.random_agent.RandomAgent`), or a plain callable
with that signature. Actions are drawn here, from ``seed``, so the recorded
propensities are exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import gymnasium as gym
import numpy as np
from gymnasium.vector import VectorEnv

from rlsuite.envs.validation import check_int, sample_categorical
from rlsuite.offline_data.minari_io import check_new_dataset, require_minari, write_dataset

__all__ = [
    "BanditFeedback",
    "LoggingPolicy",
    "load_bandit_feedback",
    "log_bandit",
    "policy_action_dist",
    "write_bandit_feedback",
]


@runtime_checkable
class LoggingPolicy(Protocol):
    """A stochastic policy whose action probabilities are known."""

    def action_probabilities(self, obs: np.ndarray) -> np.ndarray:
        """Return ``(R, n_actions)`` probabilities for a batch of ``R`` observations."""
        ...


@dataclass
class BanditFeedback:
    """Logged rounds in OBP's schema (arrays with a leading axis of ``n_rounds``)."""

    context: np.ndarray
    action: np.ndarray
    reward: np.ndarray
    pscore: np.ndarray
    action_dist: np.ndarray
    expected_reward: np.ndarray
    dataset_id: str | None = None

    @property
    def n_rounds(self) -> int:
        """Number of logged rounds."""
        return int(self.action.shape[0])

    @property
    def n_actions(self) -> int:
        """Number of arms."""
        return int(self.action_dist.shape[1])

    def policy_value(self, target_action_dist: np.ndarray) -> float:
        """True value of a target policy on the logged contexts, from the expected rewards."""
        return float(np.mean(np.sum(target_action_dist * self.expected_reward, axis=1)))


def policy_action_dist(policy: Any, contexts: np.ndarray) -> np.ndarray:
    """``(n, n_actions)`` probabilities of ``policy`` (protocol or callable) on ``contexts``."""
    fn = _probabilities_fn(policy)
    probs = np.asarray(fn(contexts), dtype=np.float64)
    _check_probabilities(probs, len(contexts))
    return probs


def _probabilities_fn(policy: Any) -> Callable[[np.ndarray], np.ndarray]:
    if isinstance(policy, LoggingPolicy):
        return policy.action_probabilities
    if callable(policy):
        return policy
    raise ValueError(
        f"logging_policy={policy!r} must have action_probabilities(obs) or be a callable "
        "obs_batch -> (R, n_actions) probabilities"
    )


def _check_probabilities(probs: np.ndarray, n: int) -> None:
    if probs.ndim != 2 or probs.shape[0] != n:
        raise ValueError(f"action probabilities have shape {probs.shape}, need ({n}, n_actions)")
    if np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("action probabilities must be non-negative and sum to 1 per row")


def log_bandit(
    env: gym.Env | VectorEnv | str,
    logging_policy: Any,
    n_rounds: int,
    dataset_id: str | None = None,
    seed: int = 0,
    *,
    num_envs: int = 1000,
    env_kwargs: dict[str, Any] | None = None,
    rounds_per_episode: int = 1_000_000,
    overwrite: bool = False,
) -> BanditFeedback:
    """Log ``n_rounds`` rounds of ``logging_policy`` in a bandit env (OBP schema).

    Parameters
    ----------
    env : gymnasium.Env, gymnasium.vector.VectorEnv or str
        A bandit env (info ``expected_rewards`` at every step), a vector env
        of it, or an id: an id is made as a native vector env with
        ``num_envs`` copies (``R`` rounds per step).
    logging_policy : LoggingPolicy or callable
        ``action_probabilities(obs_batch)`` or ``f(obs_batch)`` returning
        ``(R, n_actions)`` probabilities.
    n_rounds : int
        Rounds to log.
    dataset_id : str or None
        Write a Minari dataset of this id (atomically); ``None`` only returns the arrays.
    seed : int
        Seeds the env's reset and the action draws.
    num_envs : int
        Copies of the vector env made from an id.
    env_kwargs : dict or None
        Keyword arguments when ``env`` is an id.
    rounds_per_episode : int
        Rounds per stored Minari episode.
    overwrite : bool
        Replace an existing dataset.

    Returns
    -------
    BanditFeedback
        The logged rounds; ``dataset_id`` is set when a dataset was written.
    """
    n_rounds = check_int("n_rounds", n_rounds)
    rounds_per_episode = check_int("rounds_per_episode", rounds_per_episode)
    if dataset_id is not None:
        check_new_dataset(dataset_id, overwrite)
    if isinstance(env, str):
        env = gym.make_vec(
            env,
            num_envs=min(check_int("num_envs", num_envs), n_rounds),
            vectorization_mode="vector_entry_point",
            **(env_kwargs or {}),
        )
    feedback = _run_logging(env, _probabilities_fn(logging_policy), n_rounds, seed)
    if dataset_id is not None:
        write_bandit_feedback(feedback, dataset_id, env, rounds_per_episode, overwrite)
        feedback.dataset_id = dataset_id
    return feedback


def _run_logging(env: Any, probabilities: Callable, n_rounds: int, seed: int) -> BanditFeedback:
    rng = np.random.default_rng([seed, 2024])
    vector = isinstance(env, VectorEnv)
    obs, _ = env.reset(seed=seed)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in BanditFeedback.__dataclass_fields__}
    logged = 0
    while logged < n_rounds:
        batch = obs if vector else np.asarray(obs)[None]
        probs = np.asarray(probabilities(batch), dtype=np.float64)
        _check_probabilities(probs, len(batch))
        rows = np.arange(len(batch))
        actions = sample_categorical(probs, rng)
        next_obs, rewards, terminated, truncated, infos = env.step(
            actions if vector else np.int64(actions[0])
        )
        expected = np.asarray(infos["expected_rewards"], dtype=np.float64).reshape(probs.shape)
        parts["context"].append(np.array(batch))
        parts["action"].append(actions.astype(np.int64))
        parts["reward"].append(np.asarray(rewards, dtype=np.float64).reshape(-1))
        parts["pscore"].append(probs[rows, actions])
        parts["action_dist"].append(probs)
        parts["expected_reward"].append(expected)
        logged += len(batch)
        if not vector and (terminated or truncated):
            next_obs, _ = env.reset()
        obs = next_obs

    def field(name: str) -> np.ndarray:
        return np.concatenate(parts[name])[:n_rounds]

    return BanditFeedback(
        context=field("context"),
        action=field("action"),
        reward=field("reward"),
        pscore=field("pscore"),
        action_dist=field("action_dist"),
        expected_reward=field("expected_reward"),
    )


def write_bandit_feedback(
    feedback: BanditFeedback,
    dataset_id: str,
    env: Any = None,
    rounds_per_episode: int = 1_000_000,
    overwrite: bool = False,
) -> Any:
    """Store ``feedback`` as a Minari dataset of long episodes; return the dataset."""
    require_minari()
    from minari.data_collector import EpisodeBuffer

    rounds_per_episode = check_int("rounds_per_episode", rounds_per_episode)
    n, k = feedback.n_rounds, feedback.n_actions
    single_obs_space = getattr(env, "single_observation_space", None) or getattr(
        env, "observation_space", None
    )
    if single_obs_space is None:
        ctx = feedback.context
        single_obs_space = gym.spaces.Box(-np.inf, np.inf, ctx.shape[1:], ctx.dtype)
    spec = getattr(env, "spec", None)
    buffers = []
    for episode, start in enumerate(range(0, n, rounds_per_episode)):
        stop = min(start + rounds_per_episode, n)
        # Minari wants T + 1 observations; the extra one repeats the last context.
        obs = np.concatenate([feedback.context[start:stop], feedback.context[stop - 1 : stop]])
        truncations = np.zeros(stop - start, dtype=bool)
        truncations[-1] = True
        buffers.append(
            EpisodeBuffer(
                id=episode,
                observations=obs.astype(single_obs_space.dtype, copy=False),
                actions=feedback.action[start:stop],
                rewards=feedback.reward[start:stop],
                terminations=np.zeros(stop - start, dtype=bool),
                truncations=truncations,
                infos={
                    "pscore": feedback.pscore[start:stop],
                    "action_dist": feedback.action_dist[start:stop],
                    "expected_reward": feedback.expected_reward[start:stop],
                },
            )
        )
    return write_dataset(
        dataset_id,
        buffers,
        env_spec=spec,
        observation_space=single_obs_space,
        action_space=gym.spaces.Discrete(k),
        description="Logged bandit feedback (OBP schema); infos have one row per round.",
        algorithm_name="rlsuite.log_bandit",
        extra_metadata={"rlsuite_bandit_feedback": True, "rlsuite_n_rounds": n},
        overwrite=overwrite,
    )


def load_bandit_feedback(dataset: Any) -> BanditFeedback:
    """Read a dataset written by :func:`log_bandit` (a ``MinariDataset`` or its id)."""
    minari = require_minari()
    if isinstance(dataset, str):
        dataset = minari.load_dataset(dataset)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in BanditFeedback.__dataclass_fields__}
    for episode in dataset.iterate_episodes():
        parts["context"].append(episode.observations[:-1])
        parts["action"].append(episode.actions)
        parts["reward"].append(episode.rewards)
        for key in ("pscore", "action_dist", "expected_reward"):
            parts[key].append(episode.infos[key])
    # A single episode (the default up to 10^6 rounds) needs no concatenation copy.
    arrays = {k: v[0] if len(v) == 1 else np.concatenate(v) for k, v in parts.items() if v}
    return BanditFeedback(**arrays, dataset_id=dataset.spec.dataset_id)

"""Pieces shared by the offline imitation learners: trajectories, a small MLP policy, rollouts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from rlsuite.agents.base import OfflineLearner
from rlsuite.envs.validation import check_int, check_real, check_seed, seed_to_int

__all__ = [
    "MLPPolicy",
    "Trajectory",
    "play",
    "rollout_policies",
    "trajectories_from_minari",
]

#: Added to each observation feature's standard deviation before normalising:
#: a constant feature (std 0) maps to 0 instead of dividing by zero; a feature
#: of standard deviation s is scaled by 1 / (s + 1e-6), a relative change of 1e-6 / s.
STD_FLOOR = 1e-6


@dataclass
class Trajectory:
    """One episode of one policy on one context (reset seed).

    Attributes
    ----------
    seed : int
        Reset seed: equal seeds mean the same context (e.g. the same module).
    policy : str
        Name of the policy that played it.
    observations : numpy.ndarray
        ``(T, obs_dim)`` observations the policy acted on.
    actions : numpy.ndarray
        ``(T,)`` discrete actions.
    episode_return : float
        Undiscounted return.
    """

    seed: int
    policy: str
    observations: np.ndarray
    actions: np.ndarray
    episode_return: float


def play(
    env: gym.Env,
    policy: Callable[[np.ndarray, np.random.Generator], Any],
    seed: int,
    name: str,
    rng: np.random.Generator | None = None,
) -> Trajectory:
    """Roll ``policy(obs, rng)`` out on the context of reset seed ``seed``."""
    rng = np.random.default_rng(seed) if rng is None else rng
    obs, _ = env.reset(seed=int(seed))
    observations, actions, total, done = [], [], 0.0, False
    while not done:
        action = int(policy(obs, rng))
        observations.append(obs)
        actions.append(action)
        obs, reward, terminated, truncated, _ = env.step(action)
        total += float(reward)
        done = terminated or truncated
    return Trajectory(
        int(seed), name, np.asarray(observations, np.float32), np.asarray(actions, np.int64), total
    )


def rollout_policies(
    env: gym.Env, policies: dict[str, Any], seeds: Iterable[int]
) -> list[Trajectory]:
    """Every policy on every seed (``policy(obs, rng)`` callables or objects with ``predict``)."""
    from rlsuite.offline_data.collect import as_policy

    fns = {name: as_policy(policy) for name, policy in policies.items()}
    return [play(env, fn, int(seed), name) for seed in seeds for name, fn in fns.items()]


def trajectories_from_minari(dataset: Any) -> list[Trajectory]:
    """Trajectories of a dataset from :func:`rlsuite.offline_data.collect` (seeds from metadata)."""
    from rlsuite.offline_data.minari_io import policy_key, policy_names

    names, key = policy_names(dataset), policy_key(dataset)
    metadata = list(dataset.storage.get_episode_metadata(dataset.episode_indices))
    trajectories = []
    for episode, meta in zip(dataset.iterate_episodes(), metadata):
        trajectories.append(
            Trajectory(
                seed=int(meta.get("seed", episode.id)),
                policy=names[int(episode.infos[key][0])],
                observations=np.asarray(episode.observations[:-1], np.float32),
                actions=np.asarray(episode.actions, np.int64).reshape(-1),
                episode_return=float(np.sum(episode.rewards)),
            )
        )
    return trajectories


class MLPPolicy(OfflineLearner):
    """A small torch MLP classifier ``obs -> action`` with input standardisation.

    ``fit((observations, actions))`` is plain supervised learning; the
    subclasses read their trajectories and call :meth:`fit_arrays`.

    It exposes SB3's ``predict`` (so ``evaluate_policy`` works) and the
    ``policy(obs, rng)`` call of :func:`rlsuite.offline_data.collect`.

    Parameters
    ----------
    n_actions : int
        Number of discrete actions.
    hidden_sizes : sequence of int
        Hidden layer widths (``hidden`` is its deprecated name).
    epochs : int
        Passes over the data.
    batch_size : int
        Minibatch size.
    learning_rate : float
        Adam learning rate (``lr`` is its deprecated name).
    seed : None, int >= 0 or numpy.random.Generator
        Seeds the initialisation and the minibatch order.
    """

    _renamed_parameters = {"hidden": "hidden_sizes", "lr": "learning_rate"}

    def __init__(
        self,
        n_actions: int = 2,
        hidden_sizes: Sequence[int] = (64, 64),
        epochs: int = 30,
        batch_size: int = 256,
        learning_rate: float = 3e-3,
        seed: int | np.random.Generator | None = 0,
    ) -> None:
        self.n_actions = check_int("n_actions", n_actions, low=2)
        self.hidden_sizes = tuple(check_int("hidden_sizes", h) for h in hidden_sizes)
        self.epochs = check_int("epochs", epochs)
        self.batch_size = check_int("batch_size", batch_size)
        self.learning_rate = check_real("learning_rate", learning_rate, 0.0, low_open=True)
        self.seed = check_seed(seed)
        self.net: nn.Module | None = None

    def _fit(self, dataset: Any, callback: Any = None) -> None:
        if not (isinstance(dataset, tuple) and len(dataset) == 2):
            raise TypeError(
                f"{type(self).__name__}.fit needs (observations, actions), got {dataset!r}"
            )
        self.fit_arrays(*dataset)

    def fit_arrays(self, observations: np.ndarray, actions: np.ndarray) -> MLPPolicy:
        """Minimise the cross-entropy of ``actions`` given ``observations``."""
        obs = np.asarray(observations, np.float32)
        act = np.asarray(actions, np.int64).reshape(-1)
        if len(obs) != len(act) or len(obs) == 0:
            raise ValueError(f"got {len(obs)} observations and {len(act)} actions; need equal, > 0")
        seed = seed_to_int(self.seed)
        if seed is None:
            seed = int(np.random.default_rng().integers(2**63))
        # Scoped by OfflineLearner.fit (isolated_torch_rng): the caller's RNG is untouched.
        torch.manual_seed(seed)
        self.mean = obs.mean(axis=0)
        self.std = obs.std(axis=0) + STD_FLOOR
        layers: list[nn.Module] = []
        width = obs.shape[1]
        for h in self.hidden_sizes:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.net = nn.Sequential(*layers, nn.Linear(width, self.n_actions))
        optimizer = torch.optim.Adam(self.net.parameters(), lr=self.learning_rate)
        x = torch.as_tensor((obs - self.mean) / self.std)
        y = torch.as_tensor(act)
        rng = np.random.default_rng(seed)
        for _ in range(self.epochs):
            order = torch.as_tensor(rng.permutation(len(x)))
            for start in range(0, len(x), self.batch_size):
                idx = order[start : start + self.batch_size]
                loss = nn.functional.cross_entropy(self.net(x[idx]), y[idx])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        return self

    def action_logits(self, observations: np.ndarray) -> np.ndarray:
        """``(n, n_actions)`` logits of a batch of observations."""
        if self.net is None:
            raise RuntimeError("call fit() before predicting")
        x = torch.as_tensor((np.asarray(observations, np.float32) - self.mean) / self.std)
        with torch.no_grad():
            return self.net(x).numpy()

    def _predict_batch(self, observations: np.ndarray, deterministic: bool) -> np.ndarray:
        """Greedy actions (the policy is used deterministically)."""
        return self.action_logits(observations).argmax(axis=1)

    def __call__(self, obs: np.ndarray, rng: np.random.Generator) -> int:
        """``policy(obs, rng)`` form."""
        return int(self.predict(obs)[0])

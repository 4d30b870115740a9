"""D4RL's flat transition arrays for any Minari dataset.

Offline-RL code written for D4RL (CORL, d3rlpy-style libraries, most paper
code) consumes ``d4rl.qlearning_dataset(env)``: one dict of flat arrays with
one row per transition. :func:`qlearning_dataset` builds the same dict from a
Minari dataset, ours or anyone's.

Differences from D4RL, both because Minari stores more than D4RL's HDF5 files:

* D4RL's files hold no next observation, so its ``qlearning_dataset`` takes
  row ``t + 1`` of the flat arrays and drops each episode's last step unless
  ``terminate_on_end``. Minari stores ``T + 1`` observations per episode, so
  ``next_observations[t]`` is always the episode's own next observation and
  no transition is dropped.
* D4RL's ``timeouts`` are its ``TimeLimit`` flags; here they are Minari's
  ``truncations`` (a time limit, or the end of a logged bandit episode).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlsuite.offline_data.minari_io import require_minari

__all__ = ["QLEARNING_KEYS", "qlearning_dataset"]

#: the keys of ``d4rl.qlearning_dataset``, plus ``timeouts`` (as in CORL's loaders)
QLEARNING_KEYS = (
    "observations",
    "actions",
    "rewards",
    "next_observations",
    "terminals",
    "timeouts",
)

_FLAT_SPACES = (
    gym.spaces.Box,
    gym.spaces.Discrete,
    gym.spaces.MultiDiscrete,
    gym.spaces.MultiBinary,
)


def qlearning_dataset(dataset: Any) -> dict[str, np.ndarray]:
    """Flat ``(N, ...)`` transition arrays of every episode of a Minari dataset.

    Parameters
    ----------
    dataset : minari.MinariDataset or str
        A dataset or its id (loaded with ``minari.load_dataset``).

    Returns
    -------
    dict of numpy.ndarray
        With ``N`` the total number of steps:

        ``observations``       ``(N, *obs_shape)``, the stored observation dtype
        ``actions``            ``(N, *action_shape)``, the stored action dtype
        ``rewards``            ``(N,)``
        ``next_observations``  ``(N, *obs_shape)``: row ``t`` is the observation
                               after action ``t`` in the same episode
        ``terminals``          ``(N,)`` bool, Minari's ``terminations``
        ``timeouts``           ``(N,)`` bool, Minari's ``truncations``

        Dict, Tuple and other structured spaces are flattened with
        ``gymnasium.spaces.flatten`` (one-hot for discrete parts), as D4RL's
        arrays are flat.

    Raises
    ------
    TypeError
        If ``dataset`` is neither a ``MinariDataset`` nor a dataset id.
    ValueError
        If the dataset has no steps.
    """
    minari = require_minari()
    if isinstance(dataset, str):
        dataset = minari.load_dataset(dataset)
    if not isinstance(dataset, minari.MinariDataset):
        raise TypeError(f"dataset={dataset!r} must be a minari.MinariDataset or a dataset id (str)")
    obs_space, action_space = dataset.observation_space, dataset.action_space
    parts: dict[str, list[np.ndarray]] = {key: [] for key in QLEARNING_KEYS}
    for episode in dataset.iterate_episodes():
        observations = _flat(obs_space, episode.observations, len(episode.rewards) + 1)
        parts["observations"].append(observations[:-1])
        parts["next_observations"].append(observations[1:])
        parts["actions"].append(_flat(action_space, episode.actions, len(episode.rewards)))
        parts["rewards"].append(np.asarray(episode.rewards))
        parts["terminals"].append(np.asarray(episode.terminations, dtype=bool))
        parts["timeouts"].append(np.asarray(episode.truncations, dtype=bool))
    if not parts["rewards"] or sum(len(r) for r in parts["rewards"]) == 0:
        raise ValueError(f"dataset {dataset.spec.dataset_id!r} has no steps")
    return {key: np.concatenate(value) for key, value in parts.items()}


def _flat(space: gym.Space, data: Any, length: int) -> np.ndarray:
    """``(length, ...)`` array of ``data``; structured spaces flattened step by step."""
    if isinstance(space, _FLAT_SPACES):
        return np.asarray(data)
    steps = [np.asarray(gym.spaces.flatten(space, _step(data, t))) for t in range(length)]
    return np.stack(steps)


def _step(data: Any, t: int) -> Any:
    """Element ``t`` of Minari's nested (dict / tuple of arrays) episode data."""
    if isinstance(data, dict):
        return {key: _step(value, t) for key, value in data.items()}
    if isinstance(data, tuple):
        return tuple(_step(value, t) for value in data)
    return data[t]

"""Behaviour cloning on every trajectory of every baseline (the ``BC`` row of BC-Max's study)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rlsuite.agents.offline.common import MLPPolicy, Trajectory, trajectories_from_minari

__all__ = ["BC", "as_trajectories"]


def as_trajectories(data: Any) -> list[Trajectory]:
    """A list of :class:`Trajectory` from itself or from a Minari dataset."""
    if isinstance(data, Sequence) and all(isinstance(t, Trajectory) for t in data):
        if not data:
            raise ValueError("data holds no trajectories")
        return list(data)
    if hasattr(data, "iterate_episodes"):
        return trajectories_from_minari(data)
    raise ValueError(f"data={data!r} must be a Minari dataset or a list of Trajectory")


class BC(MLPPolicy):
    """Behaviour cloning: fit an MLP to every (observation, action) pair of the data.

    Parameters are those of :class:`~rlsuite.agents.offline.common.MLPPolicy`.
    With baselines that disagree, the clone averages their votes per state,
    which is why BC-on-all can be worse than the best single baseline.
    """

    def _fit(self, dataset: Any, callback: Any = None) -> None:
        """Fit on a Minari dataset, a list of trajectories, or arrays ``(obs, actions)``."""
        if isinstance(dataset, tuple) and len(dataset) == 2:
            self.fit_arrays(*dataset)
            return
        trajectories = as_trajectories(dataset)
        obs = np.concatenate([t.observations for t in trajectories])
        act = np.concatenate([t.actions for t in trajectories])
        self.fit_arrays(obs, act)

"""BC-Max (Marinov, Agarwal & Trofin, arXiv 2403.19462, Algorithm 1).

For every context (here: every reset seed, i.e. every module) keep only the
trajectory of the baseline with the highest return, then behaviour-clone on
the union of those trajectories. The paper shows the clone competes with the
best baseline *per context*, not only with the best single baseline.
Ties go to the baseline listed first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.offline.bc import as_trajectories
from rlsuite.agents.offline.common import MLPPolicy, Trajectory

__all__ = ["BCMax", "best_per_context"]


def best_per_context(trajectories: list[Trajectory]) -> list[Trajectory]:
    """The highest-return trajectory of every seed (first one on ties), in seed order."""
    best: dict[int, Trajectory] = {}
    for trajectory in trajectories:
        kept = best.get(trajectory.seed)
        if kept is None or trajectory.episode_return > kept.episode_return:
            best[trajectory.seed] = trajectory
    return [best[seed] for seed in sorted(best)]


class BCMax(MLPPolicy):
    """Behaviour cloning on the best baseline trajectory of each context.

    Parameters are those of :class:`~rlsuite.agents.offline.common.MLPPolicy`.
    After :meth:`fit`, ``selected_`` counts how many contexts each policy won.
    """

    def _fit(self, dataset: Any, callback: Any = None) -> None:
        """Fit on a Minari dataset (``collect(..., same_seeds=True)``) or trajectories."""
        if isinstance(dataset, tuple):
            raise TypeError("BCMax.fit needs trajectories with returns, not (obs, actions)")
        best = best_per_context(as_trajectories(dataset))
        self.selected_: dict[str, int] = {}
        for t in best:
            self.selected_[t.policy] = self.selected_.get(t.policy, 0) + 1
        obs = np.concatenate([t.observations for t in best])
        act = np.concatenate([t.actions for t in best])
        self.fit_arrays(obs, act)

"""Iterative BC-Max (Marinov, Agarwal & Trofin, arXiv 2403.19462, section 5).

Round 0 is :class:`~rlsuite.agents.offline.bcmax.BCMax`. Each further round
adds the current learned policy to the baselines, plays it on the same
contexts (reset seeds), keeps the best trajectory per context among all
baselines and all earlier learned policies, and behaviour-clones again.
This needs the env (to re-collect), not only the offline dataset.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from rlsuite.agents.offline.bc import as_trajectories
from rlsuite.agents.offline.bcmax import BCMax
from rlsuite.agents.offline.common import MLPPolicy, rollout_policies
from rlsuite.envs.validation import check_int

__all__ = ["IterativeBCMax"]


class IterativeBCMax(MLPPolicy):
    """BC-Max repeated ``rounds`` times with the learned policy added to the baselines.

    Parameters
    ----------
    rounds : int
        Extra rounds after plain BC-Max (``0`` is BC-Max).
    **kwargs
        Those of :class:`~rlsuite.agents.offline.common.MLPPolicy`.
    """

    def __init__(self, rounds: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rounds = check_int("rounds", rounds, low=0)

    def fit(
        self,
        data: Any,
        env: gym.Env | str = "rlsuite/Inlining-v0",  # type: ignore[override]
        env_kwargs: dict | None = None,
    ) -> IterativeBCMax:
        """Fit on baseline trajectories, re-collecting on ``env`` each round."""
        if isinstance(env, str):
            env = gym.make(env, **(env_kwargs or {}))
        trajectories = as_trajectories(data)
        seeds = sorted({t.seed for t in trajectories})
        params = dict(
            n_actions=self.n_actions,
            hidden=self.hidden,
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            seed=self.seed,
        )
        learner = BCMax(**params).fit(trajectories)
        self.history_: list[dict[str, int]] = [learner.selected_]
        for r in range(self.rounds):
            trajectories += rollout_policies(env, {f"learned-{r}": learner}, seeds)
            learner = BCMax(**params).fit(trajectories)
            self.history_.append(learner.selected_)
        self.net, self.mean, self.std = learner.net, learner.mean, learner.std
        return self

"""Iterative BC-Max (Marinov, Agarwal & Trofin, arXiv 2403.19462, section 5).

Round 0 is :class:`~rlsuite.agents.offline.bcmax.BCMax`. Each further round
adds the current learned policy to the baselines, plays it on the same
contexts (reset seeds), keeps the best trajectory per context among all
baselines and all earlier learned policies, and behaviour-clones again.
This needs the env (to re-collect), not only the offline dataset.

By construction the per-context best return in the data of round ``r + 1``
is at least that of round ``r`` (the data only grows); whether the clone of
round ``r + 1`` plays better than that of round ``r`` is the empirical
question the paper's case study asks.
"""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium as gym

from rlsuite.agents.offline.bc import as_trajectories
from rlsuite.agents.offline.bcmax import BCMax, best_per_context
from rlsuite.agents.offline.common import MLPPolicy, rollout_policies
from rlsuite.envs.validation import check_int

__all__ = ["IterativeBCMax"]


class IterativeBCMax(MLPPolicy):
    """BC-Max repeated ``rounds`` times with the learned policy added to the baselines.

    Parameters
    ----------
    rounds : int
        Extra rounds after plain BC-Max (``0`` is BC-Max).
    env : gymnasium.Env or str
        The env (or its id) the learned policies are re-played on each round.
    env_kwargs : dict or None
        Keyword arguments of ``gym.make`` when ``env`` is an id.
    **kwargs
        Those of :class:`~rlsuite.agents.offline.common.MLPPolicy`.

    Attributes
    ----------
    learners_ : list of BCMax
        The clone of every round (``rounds + 1`` of them; the last is this policy).
    history_ : list of dict
        Per round, how many contexts each policy's trajectory won.
    data_best_ : list of float
        Per round, the mean over contexts of the best return in the data that
        round was fit on (non-decreasing).
    """

    def __init__(
        self,
        rounds: int = 2,
        env: gym.Env | str = "rlsuite/Inlining-v0",
        env_kwargs: dict | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.rounds = check_int("rounds", rounds, low=0)
        if not isinstance(env, (gym.Env, str)):
            raise TypeError(f"env={env!r} must be a gymnasium.Env or an env id")
        self.env, self.env_kwargs = env, dict(env_kwargs or {})

    def fit(self, dataset: Any, callback: Any = None) -> IterativeBCMax:
        """Fit on baseline trajectories, re-collecting on ``env`` each round.

        ``fit(data, env)`` (the env as second argument) is deprecated: pass
        ``env`` to the constructor.
        """
        if isinstance(callback, (gym.Env, str)):
            warnings.warn(
                "IterativeBCMax.fit(data, env) is deprecated; pass env to the constructor",
                DeprecationWarning,
                stacklevel=2,
            )
            self.env, callback = callback, None
        return super().fit(dataset, callback)

    def _fit(self, dataset: Any, callback: Any = None) -> None:
        env = self.env
        if isinstance(env, str):
            env = gym.make(env, **self.env_kwargs)
        trajectories = as_trajectories(dataset)
        seeds = sorted({t.seed for t in trajectories})
        params: dict[str, Any] = dict(
            n_actions=self.n_actions,
            hidden_sizes=self.hidden_sizes,
            epochs=self.epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            seed=self.seed,
        )
        learner = BCMax(**params).fit(trajectories)
        self.learners_: list[BCMax] = [learner]
        self.history_: list[dict[str, int]] = [learner.selected_]
        self.data_best_: list[float] = [_mean_best(trajectories)]
        for r in range(self.rounds):
            trajectories += rollout_policies(env, {f"learned-{r}": learner}, seeds)
            learner = BCMax(**params).fit(trajectories)
            self.learners_.append(learner)
            self.history_.append(learner.selected_)
            self.data_best_.append(_mean_best(trajectories))
        self.net, self.mean, self.std = learner.net, learner.mean, learner.std


def _mean_best(trajectories: list) -> float:
    """Mean over contexts of the best trajectory return."""
    best = best_per_context(trajectories)
    return float(sum(t.episode_return for t in best) / len(best))

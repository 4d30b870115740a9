"""MultiObjectiveBandit with a fixed linear scalarisation: a scalar-reward env for SB3 and co."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.envs.multi_objective_bandit import (
    MultiObjectiveBanditEnv,
    MultiObjectiveBanditVectorEnv,
    check_weights,
)

__all__ = ["ScalarizedMultiObjectiveBanditEnv", "ScalarizedMultiObjectiveBanditVectorEnv"]


def _weights(weights: Any, n_objectives: int) -> np.ndarray:
    uniform = np.full(n_objectives, 1.0 / n_objectives)
    return check_weights(uniform if weights is None else weights, n_objectives)


def _scalarize(weights: np.ndarray, info: dict[str, Any]) -> None:
    """Replace the vector ground truth in ``info`` by its ``w``-scalarisation (in place)."""
    values = np.asarray(info["expected_rewards"]) @ weights  # (..., n_actions)
    taken = np.asarray(info["expected_reward"]) @ weights
    info["vector_expected_reward"] = info["expected_reward"]
    info["expected_reward"] = taken
    info["optimal_action"] = np.argmax(values, axis=-1)
    info["regret"] = values.max(axis=-1) - taken


class ScalarizedMultiObjectiveBanditEnv(MultiObjectiveBanditEnv):
    r"""``rlsuite/MultiObjectiveBandit`` with the scalar reward ``w · r`` for a fixed ``w``.

    ## Description
    The same contexts, responses and objectives as
    :class:`~rlsuite.envs.multi_objective_bandit.MultiObjectiveBanditEnv`
    (same arguments, same instance for the same seed), for the tools that
    need a scalar reward: SB3 (``make_vec_env``, ``check_env``), rl-zoo3,
    Gymnasium's sync / async vector envs. MO-Gymnasium's ``LinearReward``
    and our :class:`~rlsuite.envs.multi_objective_bandit.LinearScalarization`
    do the same as wrappers, but SB3's ``make_vec_env(wrapper_class=...)``
    puts its ``Monitor`` *under* the wrapper, where it sees the vector
    reward; a registered id with ``weights`` as a kwarg avoids that.

    ## Action Space
    ``Discrete(n_actions)``, as the multi-objective env.

    ## Observation Space
    A one-hot ``Box(0, 1, (n_contexts,), float32)``, as the multi-objective env.

    ## Rewards
    A Python float ``w · r`` where ``r`` is the multi-objective env's
    ``float32`` reward vector. ``info`` has the multi-objective env's keys,
    with ``expected_reward`` = ``w · mu(x, a_t)`` (the vector is kept as
    ``vector_expected_reward``), ``vector_reward``, ``optimal_action`` =
    ``argmax_a w · mu(x, a)`` and ``regret`` (``max_a w·mu(x,a) - w·mu(x,a_t)``;
    the KL term of the steerable objective is not part of the reward). The
    env has no ``reward_space``, so tools do not take it for a multi-objective env.

    ## Reward Distribution
    ``w · r`` of the multi-objective env's draws: with ``noise="bernoulli"``
    a weighted sum of independent Bernoulli objectives, in ``[0, 1]``; other
    families add ``w ·`` their centred noise.

    ## Starting State
    As the multi-objective env: the instance is fixed at construction,
    ``reset`` draws a context with ``self.np_random``.

    ## Episode End
    As the multi-objective env (one round per episode, or ``horizon`` rounds).

    ## Arguments
    ``gym.make("rlsuite/ScalarizedMultiObjectiveBandit-v0", weights=None, **kwargs)``:
    ``weights`` on the simplex, shape ``(n_objectives,)`` (``None`` = uniform);
    ``kwargs`` are the multi-objective env's.

    ## Version History
    * v0: initial version.
    """

    def __init__(self, weights: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.weights = _weights(weights, self.n_objectives)
        self.vector_reward_space = self.reward_space
        del self.reward_space, self.reward_dim  # not a multi-objective env any more

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Step the multi-objective env and return ``w · r`` as a float."""
        obs, reward, terminated, truncated, info = super().step(action)
        info["vector_reward"] = reward
        _scalarize(self.weights, info)
        info["expected_reward"] = float(info["expected_reward"])
        info["optimal_action"] = int(info["optimal_action"])
        info["regret"] = float(info["regret"])
        return obs, float(np.dot(reward, self.weights)), terminated, truncated, info


class ScalarizedMultiObjectiveBanditVectorEnv(MultiObjectiveBanditVectorEnv):
    """``R`` copies of :class:`ScalarizedMultiObjectiveBanditEnv` stepped in numpy.

    The multi-objective vector env (same-step autoreset, one shared instance)
    with ``(R,)`` float64 rewards ``r @ w``; ``infos`` gains ``vector_reward``
    ``(R, n_objectives)``, and ``expected_reward``, ``optimal_action`` and
    ``regret`` ``(R,)`` of the scalarised objective.
    """

    def __init__(self, num_envs: int = 1, weights: Any = None, **kwargs: Any) -> None:
        super().__init__(num_envs, **kwargs)
        self.weights = _weights(weights, self.n_objectives)
        self.vector_reward_space = self.reward_space
        del self.reward_space

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every copy and return ``(R,)`` scalarised rewards."""
        obs, rewards, terminated, truncated, infos = super().step(actions)
        infos["vector_reward"] = rewards
        _scalarize(self.weights, infos)
        return obs, rewards.astype(np.float64) @ self.weights, terminated, truncated, infos

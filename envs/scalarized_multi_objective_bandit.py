"""MultiObjectiveBandit with a fixed linear scalarisation: a scalar-reward env for SB3 and co."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlsuite.envs.multi_objective_bandit import (
    MultiObjectiveBanditEnv,
    MultiObjectiveBanditVectorEnv,
    check_weights,
)
from rlsuite.envs.validation import check_reset_seed

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


class ScalarizedMultiObjectiveBanditEnv(gym.Env[np.ndarray, np.int64]):
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

    The multi-objective env is held, not inherited (its ``step`` returns a
    vector, this one a float): its attributes and ground truth
    (``expected_reward_table``, ``optimal_policy``, ``n_objectives``, ...) are
    read through, and it draws from this env's ``np_random``.

    ## Version History
    * v0: initial version.
    """

    metadata = MultiObjectiveBanditEnv.metadata

    def __init__(self, weights: Any = None, **kwargs: Any) -> None:
        vector_env = MultiObjectiveBanditEnv(**kwargs)
        self.vector_reward_space = vector_env.reward_space
        # Not a multi-objective env any more: no reward_space, here or below (so the
        # inner step does not refuse Gymnasium's scalar vectorizers either).
        del vector_env.reward_space, vector_env.reward_dim
        self._vector_env = vector_env
        self.weights = _weights(weights, vector_env.n_objectives)
        self.action_space = vector_env.action_space
        self.observation_space = vector_env.observation_space

    def __getattr__(self, name: str) -> Any:
        """The multi-objective env's attributes (parameters, tables, ground truth)."""
        if name.startswith("_"):  # private names, and _vector_env before __init__ set it
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self._vector_env, name)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the multi-objective env on this env's ``np_random`` (same context stream)."""
        super().reset(seed=check_reset_seed(seed))
        self._vector_env.np_random = self.np_random
        return self._vector_env.reset(options=options)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Step the multi-objective env and return ``w · r`` as a float."""
        self._vector_env.np_random = self.np_random  # one generator, also if it was replaced
        obs, reward, terminated, truncated, info = self._vector_env.step(action)
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

"""Dense process rewards ``alpha * A^mu`` for any learner of the planted-sequence env."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlsuite.agents.process.values import Prover, as_prover, prover_advantage
from rlsuite.envs.planted_sequence import PlantedSequenceEnv
from rlsuite.envs.validation import check_real

__all__ = ["ProcessRewardWrapper"]


class ProcessRewardWrapper(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Add the prover's advantage ``alpha * A^mu(s_h, a_h)`` to each step's reward.

    This is the process reward of Setlur et al. (2025): progress, measured
    under a prover policy ``mu``, of the step just taken. ``A^mu`` is exact
    (dynamic programming over the matching state, see
    :mod:`rlsuite.agents.process.values`), i.e. a perfect process advantage
    verifier. The outcome reward is kept, so a learner sees
    ``r_h + alpha * A^mu(s_h, a_h)``; SB3's PPO trains on it unchanged.

    Because the successor of a step is deterministic,
    ``A^mu(s_h, a_h) = V^mu(s_{h+1}) - V^mu(s_h)``: summed over an episode the
    bonus telescopes to ``alpha * (R - V^mu(s_0))``. Undiscounted returns are
    therefore shifted and scaled only (potential-based shaping, Ng et al.,
    1999); the bonus changes learning through the per-step credit a learner
    assigns (discounting, GAE's ``lambda``, its critic), not the optimum.
    :class:`rlsuite.agents.process.PAVPolicyGradient` instead uses the
    per-step effective reward ``Q^pi + alpha * A^mu`` of the paper.

    Parameters
    ----------
    env : gymnasium.Env
        A (possibly wrapped) :class:`~rlsuite.envs.planted_sequence.PlantedSequenceEnv`.
    prover : Prover or float
        The prover ``mu``; a number ``gamma`` means ``GammaProver(gamma)``.
    alpha : float
        Weight of the process reward, in ``[0, inf)``.

    Notes
    -----
    ``info`` gains ``prover_advantage`` (``A^mu`` of the step) and
    ``process_reward`` (``alpha`` times it).
    """

    def __init__(self, env: gym.Env, prover: Prover | float, alpha: float = 1.0) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, prover=prover, alpha=alpha)
        gym.Wrapper.__init__(self, env)
        if not isinstance(env.unwrapped, PlantedSequenceEnv):
            raise ValueError(
                f"env={env!r} must wrap a PlantedSequenceEnv, got {type(env.unwrapped).__name__}"
            )
        self.prover = as_prover(prover)
        self.alpha = check_real("alpha", alpha, low=0.0)
        self._advantage: np.ndarray | None = None
        self._target: np.ndarray | None = None
        self._h = 0
        self._state = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the env; recompute ``A^mu`` when ``y*`` changed."""
        obs, info = self.env.reset(seed=seed, options=options)
        target = np.asarray(info["target"])
        if self._target is None or not np.array_equal(target, self._target):
            self._target = target.copy()
            base: PlantedSequenceEnv = self.env.unwrapped  # type: ignore[assignment]
            self._advantage = prover_advantage(self.prover, target, base.vocab_size, base.length)
        self._h = 0
        self._state = int(info["matching_state"])
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Step the env and add ``alpha * A^mu(s_h, a_h)`` to its reward."""
        if self._advantage is None:
            raise RuntimeError("call reset() before step()")
        obs, reward, terminated, truncated, info = self.env.step(action)
        advantage = float(self._advantage[self._h, self._state, int(action)])
        self._h += 1
        self._state = int(info["matching_state"])
        info["prover_advantage"] = advantage
        info["process_reward"] = self.alpha * advantage
        return obs, float(reward) + self.alpha * advantage, terminated, truncated, info

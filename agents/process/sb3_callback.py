"""PPO on the effective advantage ``A^pi + alpha * A^mu``: an SB3 callback.

:class:`~rlsuite.agents.process.wrapper.ProcessRewardWrapper` adds
``alpha * A^mu(s_h, a_h)`` to the *reward*. Because the successor of a step is
deterministic, that bonus is potential-based shaping
(``A^mu(s_h, a_h) = V^mu(s_{h+1}) - V^mu(s_h)``): with an undiscounted return
and a critic that has learned the shaped values, the TD advantage of every step
loses the bonus again, and PPO learns no more than from the outcome alone.

Setlur et al. (ICLR 2025, eq. 5) instead add the prover's advantage to the
policy's own *advantage*: the policy gradient weights ``grad log pi(a_h | s_h)``
by ``A^pi(s_h, a_h) + alpha * A^mu(s_h, a_h)``. :class:`ProcessAdvantageCallback`
does exactly that inside SB3's PPO: after each rollout, once GAE has filled
``rollout_buffer.advantages`` from the outcome reward, it adds
``alpha * A^mu(s_h, a_h)`` to every transition, recomputing ``(h, s_h)`` from the
stored observation (the tokens so far) and the env's target. Returns, and hence
the critic, stay those of the outcome reward.

``stable_baselines3`` is needed (``pip install rlsuite[sb3]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np

from rlsuite.agents.process.values import Prover, as_prover, prover_advantage
from rlsuite.envs.planted_sequence import matching_automaton
from rlsuite.envs.validation import check_real, require_extra

if TYPE_CHECKING:
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm
else:
    BaseCallback = require_extra(
        "stable_baselines3.common.callbacks", "sb3", "ProcessAdvantageCallback"
    ).BaseCallback

__all__ = ["ProcessAdvantageCallback", "prover_advantages"]


def prover_advantages(
    observations: np.ndarray,
    actions: np.ndarray,
    target: np.ndarray,
    prover: Prover | float,
    vocab_size: int,
) -> np.ndarray:
    """``A^mu(s_h, a_h)`` of a batch of planted-sequence transitions.

    Parameters
    ----------
    observations : numpy.ndarray
        Token arrays before each step, shape ``(n, H)``, padded with ``vocab_size``.
    actions : numpy.ndarray
        The token written at each step, shape ``(n,)``.
    target : numpy.ndarray
        The planted sequence ``y*``.
    prover : Prover or float
        The prover ``mu`` (a number ``gamma`` means ``GammaProver(gamma)``).
    vocab_size : int
        Number of tokens (the padding token is ``vocab_size``).

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``.
    """
    tokens = np.asarray(observations).astype(np.int64)
    actions = np.asarray(actions).astype(np.int64).reshape(-1)
    if tokens.ndim != 2 or tokens.shape[0] != actions.shape[0]:
        raise ValueError(
            f"observations of shape {tokens.shape} must be (n, H) with n = len(actions) "
            f"= {actions.shape[0]}"
        )
    horizon = tokens.shape[1]
    automaton = matching_automaton(target, vocab_size)
    advantage = prover_advantage(prover, target, vocab_size, horizon)
    steps = (tokens != vocab_size).sum(axis=1)
    states = np.zeros(len(tokens), dtype=np.int64)
    for position in range(horizon):
        written = position < steps
        states[written] = automaton[states[written], tokens[written, position]]
    return advantage[steps, states, actions]


class ProcessAdvantageCallback(BaseCallback):
    """Add ``alpha * A^mu`` to PPO's (or A2C's) advantages after every rollout.

    Use it on SB3 on-policy learners trained on ``rlsuite/PlantedSequence-v1``
    (no reward wrapper): ``model.learn(n, callback=ProcessAdvantageCallback(10.0))``.
    Each sub-env's own target is read from the training env, so vector envs
    with different targets per copy work.

    Parameters
    ----------
    prover : Prover or float
        The prover ``mu``; a number ``gamma`` means ``GammaProver(gamma)``.
    alpha : float
        Weight of the prover's advantage, in ``[0, inf)``.
    """

    def __init__(self, prover: Prover | float, alpha: float = 1.0, verbose: int = 0) -> None:
        super().__init__(verbose)
        self.prover = as_prover(prover)
        self.alpha = check_real("alpha", alpha, low=0.0)

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        # advantages exist only in on-policy models' buffers (PPO, A2C)
        buffer: Any = cast("OnPolicyAlgorithm", self.model).rollout_buffer
        targets = self.training_env.get_attr("target")
        vocab_size = int(self.training_env.get_attr("vocab_size")[0])
        observations = buffer.observations  # (n_steps, n_envs, H)
        actions = buffer.actions.reshape(buffer.advantages.shape)
        for env_index, target in enumerate(targets):
            bonus = prover_advantages(
                observations[:, env_index],
                actions[:, env_index],
                np.asarray(target),
                self.prover,
                vocab_size,
            )
            buffer.advantages[:, env_index] += self.alpha * bonus

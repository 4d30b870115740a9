"""Generate a token sequence that contains a planted target (Setlur et al., 2025, §3.3)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlsuite.envs.validation import check_action, check_int

__all__ = ["PlantedSequenceEnv", "matching_automaton"]


def matching_automaton(target: Any, vocab_size: int) -> np.ndarray:
    """Transition table of the KMP matching automaton of ``target``.

    State ``k < L`` means: the longest suffix of the tokens so far that is a
    prefix of ``target`` has length ``k``. State ``L = len(target)`` means the
    target has occurred and is absorbing, so ``state == L`` at the end of an
    episode is exactly the success event.

    Parameters
    ----------
    target : sequence of int
        The planted sequence ``y*``, tokens in ``[0, vocab_size)``.
    vocab_size : int
        Number of tokens.

    Returns
    -------
    numpy.ndarray
        ``next_state[k, token]`` of shape ``(L + 1, vocab_size)``, dtype int64.
    """
    pattern = [int(t) for t in target]
    length = len(pattern)
    next_state = np.full((length + 1, vocab_size), length, dtype=np.int64)
    for k in range(length):
        for token in range(vocab_size):
            text = pattern[:k] + [token]
            # Longest suffix of `text` that is a prefix of the pattern; L <= ~10 so the
            # quadratic definition is cheaper to trust than a failure-function build.
            next_state[k, token] = max(
                j for j in range(min(k + 1, length) + 1) if text[len(text) - j :] == pattern[:j]
            )
    return next_state


class PlantedSequenceEnv(gym.Env[np.ndarray, np.int64]):
    """Write ``length`` tokens; succeed if a planted target ``y*`` occurs among them.

    ## Description
    The didactic task of Setlur et al., "Rewarding Progress: Scaling Automated
    Process Verifiers for LLM Reasoning" (ICLR 2025, §3.3 and Appendix B). A
    policy writes a response of ``length`` tokens from a vocabulary of
    ``vocab_size`` tokens, one token per step. A hidden target ``y*`` of
    ``target_length`` tokens is planted; the outcome reward is 1 iff ``y*``
    occurs as a contiguous sub-sequence of the response. Random responses
    almost never succeed (about ``6 / 15**5 ~ 8e-6`` with the defaults), so
    outcome-only RL has nothing to learn from, while process rewards measured
    under a prover policy (see :mod:`rlsuite.agents.process`) make progress
    visible at every step.

    ## Action Space
    ``Discrete(vocab_size)``: the next token. Anything else raises ``ValueError``.

    ## Observation Space
    ``MultiDiscrete([vocab_size + 1] * length)``, int64: the tokens so far,
    padded with the token ``vocab_size``.

    | Index | Observation                          | Min | Max          |
    |-------|--------------------------------------|-----|--------------|
    | i     | token i of the response, or padding  | 0   | ``vocab_size`` |

    ## Rewards
    0 on every step but the last; on the last step 1.0 if ``y*`` occurs in the
    response and 0.0 otherwise (Python floats).

    ## Reward Distribution
    Deterministic given the response: the reward is a Bernoulli outcome whose
    only randomness is the policy's. ``info["is_success"]`` (last step) is the
    same event. No noise is added.

    ## Starting State
    The empty response. ``y*`` is drawn uniformly from ``[0, vocab_size)^L``
    with ``self.np_random`` on the first reset and redrawn whenever ``reset``
    gets a seed, unless ``target`` is given. ``info`` carries ``target`` (the
    ground truth, as DESIGN.md asks) and ``matching_state``, the state of the
    KMP matching automaton (:func:`matching_automaton`): the length of the
    longest suffix of the response that is a prefix of ``y*``, or ``L`` once
    ``y*`` has occurred.

    ## Episode End
    Terminated after ``length`` tokens. The episode does not end early when
    ``y*`` occurs, so every response has the same length, as in the paper.

    ## Arguments
    ``gym.make("rlsuite/PlantedSequence-v0", vocab_size=15, length=10,
    target_length=5, target=None)``; ``target`` fixes ``y*`` (a sequence of
    ``target_length`` tokens). Vector envs built with per-env seeds draw one
    ``y*`` per sub-env: pass ``target`` to share one.

    ## Version History
    * v0: initial version.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        vocab_size: int = 15,
        length: int = 10,
        target_length: int = 5,
        target: Any = None,
    ) -> None:
        self.vocab_size = check_int("vocab_size", vocab_size, low=2)
        self.length = check_int("length", length, low=1)
        self.target_length = check_int("target_length", target_length, low=1, high=self.length)
        self.fixed_target = None if target is None else self._check_target(target)
        self.pad_token = self.vocab_size
        self.action_space = spaces.Discrete(self.vocab_size)
        self.observation_space = spaces.MultiDiscrete(
            np.full(self.length, self.vocab_size + 1, dtype=np.int64)
        )
        self.target: np.ndarray | None = self.fixed_target
        self.automaton: np.ndarray | None = (
            None if target is None else matching_automaton(self.fixed_target, self.vocab_size)
        )
        self._tokens = np.full(self.length, self.pad_token, dtype=np.int64)
        self._t = 0
        self._state = 0

    def _check_target(self, target: Any) -> np.ndarray:
        arr = np.asarray(target)
        if arr.shape != (self.target_length,) or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(
                f"target={target!r} must be {self.target_length} integers "
                f"(target_length={self.target_length})"
            )
        if arr.min() < 0 or arr.max() >= self.vocab_size:
            raise ValueError(
                f"target={target!r} is out of range: tokens must be in [0, {self.vocab_size - 1}]"
            )
        return arr.astype(np.int64)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an empty response; a seed redraws ``y*`` unless it was given."""
        super().reset(seed=seed)
        if self.fixed_target is None and (seed is not None or self.target is None):
            self.target = self.np_random.integers(0, self.vocab_size, self.target_length)
            self.automaton = matching_automaton(self.target, self.vocab_size)
        self._tokens[:] = self.pad_token
        self._t = 0
        self._state = 0
        assert self.target is not None
        return self._tokens.copy(), {"target": self.target.copy(), "matching_state": 0}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Append ``action`` to the response."""
        if self.automaton is None:
            raise RuntimeError("call reset() before step()")
        if self._t >= self.length:
            raise RuntimeError("the episode has ended: call reset()")
        if type(action) is int and 0 <= action < self.vocab_size:
            token = action  # fast path for agents that step with Python ints
        else:
            token = check_action(action, self.vocab_size)
        self._tokens[self._t] = token
        self._t += 1
        self._state = int(self.automaton[self._state, token])
        info: dict[str, Any] = {"matching_state": self._state}
        terminated = self._t == self.length
        reward = 0.0
        if terminated:
            success = self._state == self.target_length
            reward = 1.0 if success else 0.0
            info["is_success"] = success
        return self._tokens.copy(), reward, terminated, False, info

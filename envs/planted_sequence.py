"""Generate a token sequence that contains a planted target (Setlur et al., 2025, §3.3)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlsuite.envs.validation import (
    ParameterTypeError,
    check_action,
    check_episode_running,
    check_int,
    check_options,
    check_problem_seed,
    check_reset_seed,
)

#: Limits checked before anything is allocated: the matching automaton is built
#: by the quadratic definition in Python, ``O(target_length**3 * vocab_size)``.
MAX_VOCAB_SIZE = 1000
MAX_TARGET_LENGTH = 32
MAX_LENGTH = 100_000

__all__ = [
    "MAX_LENGTH",
    "MAX_TARGET_LENGTH",
    "MAX_VOCAB_SIZE",
    "PlantedSequenceEnv",
    "matching_automaton",
]


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
    The empty response. Unless ``target`` is given, ``y*`` is drawn uniformly
    from ``[0, vocab_size)^L`` in ``__init__`` from ``problem_seed`` (the first
    draw of ``default_rng(problem_seed)``, so ``problem_seed=s`` plants the
    ``y*`` that v0 drew on ``reset(seed=s)``); every copy built with the same
    arguments shares it, and ``reset(seed=...)`` seeds nothing else the env
    draws. ``problem_seed=None`` is the v0 behaviour: ``y*`` drawn with
    ``self.np_random`` on the first reset and redrawn whenever ``reset`` gets
    a seed. ``info`` carries ``target`` (the
    ground truth, as DESIGN.md asks) and ``matching_state``, the state of the
    KMP matching automaton (:func:`matching_automaton`): the length of the
    longest suffix of the response that is a prefix of ``y*``, or ``L`` once
    ``y*`` has occurred.

    ## Episode End
    Terminated after ``length`` tokens. The episode does not end early when
    ``y*`` occurs, so every response has the same length, as in the paper.

    ## Arguments
    ``gym.make("rlsuite/PlantedSequence-v1", vocab_size=15, length=10,
    target_length=5, target=None, problem_seed=0)``; ``target`` fixes ``y*``
    (a sequence of ``target_length`` tokens). Limits: ``vocab_size <= 1000``,
    ``target_length <= 32``, ``length <= 100000``. ``step()`` before
    ``reset()`` or after the last token raises.

    ## Version History
    * v1: ``y*`` is fixed by ``problem_seed`` at construction instead of being
      redrawn by every seeded ``reset``, so vector envs built with per-env
      seeds share one ``y*`` (issue 16).
    * v0: initial version; registered with ``problem_seed=None`` (deprecated).
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        vocab_size: int = 15,
        length: int = 10,
        target_length: int = 5,
        target: Any = None,
        problem_seed: int | None = 0,
    ) -> None:
        self.vocab_size = check_int("vocab_size", vocab_size, low=2, high=MAX_VOCAB_SIZE)
        self.length = check_int("length", length, low=1, high=MAX_LENGTH)
        self.target_length = check_int(
            "target_length", target_length, low=1, high=min(self.length, MAX_TARGET_LENGTH)
        )
        self.problem_seed = check_problem_seed(problem_seed)
        self.fixed_target = None if target is None else self._check_target(target)
        self.pad_token = self.vocab_size
        self.action_space = spaces.Discrete(self.vocab_size)
        self.observation_space = spaces.MultiDiscrete(
            np.full(self.length, self.vocab_size + 1, dtype=np.int64)
        )
        self.target: np.ndarray | None = self.fixed_target
        self.automaton: np.ndarray | None = None
        if self.target is None and self.problem_seed is not None:
            rng = np.random.default_rng(self.problem_seed)
            self.target = rng.integers(0, self.vocab_size, self.target_length)
        if self.target is not None:
            self.automaton = matching_automaton(self.target, self.vocab_size)
        self._tokens = np.full(self.length, self.pad_token, dtype=np.int64)
        self._t = 0
        self._state = 0
        self._started = False

    def _check_target(self, target: Any) -> np.ndarray:
        expected = f"{self.target_length} integers (target_length={self.target_length})"
        try:
            arr = np.asarray(target)
        except ValueError:  # ragged nesting
            arr = np.asarray(None)
        if isinstance(target, (str, bytes)) or not np.issubdtype(arr.dtype, np.integer):
            raise ParameterTypeError(f"target={target!r} must be {expected}")
        if arr.shape != (self.target_length,):
            raise ValueError(f"target={target!r} has shape {arr.shape}: must be {expected}")
        if arr.min() < 0 or arr.max() >= self.vocab_size:
            raise ValueError(
                f"target={target!r} is out of range: tokens must be in [0, {self.vocab_size - 1}]"
            )
        return arr.astype(np.int64)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an empty response; for v0 (``problem_seed=None``) a seed redraws ``y*``."""
        super().reset(seed=check_reset_seed(seed))
        check_options(options)
        v0_draw = self.fixed_target is None and self.problem_seed is None
        if v0_draw and (seed is not None or not self._started):
            self.target = self.np_random.integers(0, self.vocab_size, self.target_length)
            self.automaton = matching_automaton(self.target, self.vocab_size)
        self._tokens[:] = self.pad_token
        self._t = 0
        self._state = 0
        self._started = True
        assert self.target is not None
        return self._tokens.copy(), {"target": self.target.copy(), "matching_state": 0}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Append ``action`` to the response."""
        check_episode_running(self._started, self._t >= self.length)
        if type(action) is int and 0 <= action < self.vocab_size:
            token = action  # fast path for agents that step with Python ints
        else:
            token = check_action(action, self.vocab_size)
        assert self.automaton is not None  # built by the first reset (checked above)
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

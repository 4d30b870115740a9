"""Prover policies and exact values on the planted-sequence task, by dynamic programming.

A response is summarised by ``(h, k)``: ``h`` tokens written so far and ``k``
the state of the KMP matching automaton of ``y*``
(:func:`rlsuite.envs.planted_sequence.matching_automaton`). The outcome reward
depends on the response only through the final ``k``, and the transitions are
deterministic, so for any policy that acts on ``k`` (a table of shape
``(L + 1, V)``, optionally one per step, ``(H, L + 1, V)``)

* ``V(H, k) = 1[k == L]``,
* ``Q(h, k, a) = V(h + 1, next_state[k, a])``,
* ``V(h, k) = sum_a pi(a | k) Q(h, k, a)``,

and ``A(h, k, a) = Q(h, k, a) - V(h, k)`` exactly (Setlur et al., 2025, eq. 2,
with the step being one token). Because a step's successor is deterministic,
``A^mu(s_h, a_h) = V^mu(s_{h+1}) - V^mu(s_h)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from rlsuite.envs.planted_sequence import matching_automaton
from rlsuite.envs.validation import check_int, check_real

__all__ = [
    "BestOfKProver",
    "GammaProver",
    "Prover",
    "ValueTables",
    "as_prover",
    "matching_states",
    "policy_values",
    "prover_advantage",
    "prover_values",
    "success_probability",
]


class Prover(Protocol):
    """Anything that gives action probabilities over the matching states of ``y*``."""

    def action_probs(self, target: np.ndarray, vocab_size: int) -> np.ndarray:
        """Return ``pi(a | k)`` of shape ``(L + 1, vocab_size)`` (or ``(H, L + 1, V)``)."""
        ...


@dataclass(frozen=True)
class GammaProver:
    """The prover ``mu_gamma`` of Setlur et al. (2025, §3.3).

    When the last ``k`` tokens match the first ``k`` tokens of ``y*`` (matching
    state ``k < L``), the next token of ``y*`` gets weight ``gamma`` and every
    other token weight 1; once ``y*`` has occurred the prover is uniform.
    ``gamma = 1`` is the uniform policy; larger ``gamma`` is a stronger prover.

    Parameters
    ----------
    gamma : float
        Weight of the next target token, in ``[1, inf)``.
    """

    gamma: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", check_real("gamma", self.gamma, low=1.0))

    def action_probs(self, target: np.ndarray, vocab_size: int) -> np.ndarray:
        """Return ``mu_gamma(a | k)`` of shape ``(L + 1, vocab_size)``."""
        target = np.asarray(target, dtype=np.int64)
        weights = np.ones((len(target) + 1, vocab_size))
        weights[np.arange(len(target)), target] = self.gamma
        return weights / weights.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class BestOfKProver:
    """``BoK(pi)``: roll out ``k`` continuations of ``base`` and keep any that succeeds.

    Setlur et al. (2025, §3.4) propose Best-of-K of the base policy as a prover
    that is complementary to it. With a 0/1 outcome the value of ``BoK(pi)``
    from a state is ``1 - (1 - V^pi)**k`` (and ``Q`` likewise), so its
    advantage is computed exactly from ``base``'s values; ``k = 1`` is
    ``base`` itself. :meth:`action_probs` is the rollout policy (``base``),
    which Monte Carlo estimators sample in groups of ``k``.

    Parameters
    ----------
    base : Prover
        The policy whose best of ``k`` rollouts proves (e.g. ``GammaProver(5)``).
    k : int
        Rollouts per attempt, ``>= 1``.
    """

    base: Any
    k: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", as_prover(self.base))
        object.__setattr__(self, "k", check_int("k", self.k))

    def action_probs(self, target: np.ndarray, vocab_size: int) -> np.ndarray:
        """The rollout policy: ``base``'s ``pi(a | k)``."""
        return self.base.action_probs(target, vocab_size)

    def value_table(self, automaton: np.ndarray, target: np.ndarray, horizon: int) -> np.ndarray:
        """``V^{BoK}(h, k) = 1 - (1 - V^base(h, k))**k``, shape ``(H + 1, L + 1)``."""
        base = prover_values(self.base, automaton, target, horizon)
        return 1.0 - (1.0 - base) ** self.k


def prover_values(prover: Any, automaton: np.ndarray, target: Any, horizon: int) -> np.ndarray:
    """``V^mu(h, k)`` of a prover, shape ``(H + 1, L + 1)``: its own table or by DP."""
    prover = as_prover(prover)
    if hasattr(prover, "value_table"):
        return prover.value_table(automaton, np.asarray(target), horizon)
    probs = prover.action_probs(np.asarray(target), automaton.shape[1])
    return policy_values(automaton, probs, horizon).v


def as_prover(prover: Any) -> Prover:
    """Accept a :class:`Prover` or a number ``gamma`` (meaning ``GammaProver(gamma)``)."""
    if hasattr(prover, "action_probs"):
        return prover
    if isinstance(prover, (int, float)) and not isinstance(prover, bool):
        return GammaProver(float(prover))
    raise ValueError(
        f"prover={prover!r} must be a GammaProver, an object with action_probs(target, "
        "vocab_size), or a number gamma >= 1"
    )


@dataclass(frozen=True)
class ValueTables:
    """Exact ``Q`` and ``V`` of one policy, indexed by step ``h`` and matching state ``k``.

    Attributes
    ----------
    q : numpy.ndarray
        ``Q(h, k, a)``, shape ``(H, L + 1, V)``.
    v : numpy.ndarray
        ``V(h, k)``, shape ``(H + 1, L + 1)``; ``v[0, 0]`` is the success probability.
    """

    q: np.ndarray
    v: np.ndarray

    @property
    def advantage(self) -> np.ndarray:
        """``A(h, k, a) = Q(h, k, a) - V(h, k)``, shape ``(H, L + 1, V)``."""
        return self.q - self.v[:-1, :, None]


def policy_values(automaton: np.ndarray, probs: np.ndarray, horizon: int) -> ValueTables:
    """Exact values of a policy on matching states, by backward induction.

    Parameters
    ----------
    automaton : numpy.ndarray
        ``next_state[k, a]`` of shape ``(L + 1, V)``; state ``L`` is success.
    probs : numpy.ndarray
        ``pi(a | k)``, shape ``(L + 1, V)``, or ``(H, L + 1, V)`` for a
        step-dependent policy.
    horizon : int
        Response length ``H``.
    """
    horizon = check_int("horizon", horizon)
    n_states, vocab_size = automaton.shape
    probs = np.broadcast_to(probs, (horizon, n_states, vocab_size))
    v = np.zeros((horizon + 1, n_states))
    v[horizon, n_states - 1] = 1.0
    q = np.empty((horizon, n_states, vocab_size))
    for h in range(horizon - 1, -1, -1):
        q[h] = v[h + 1][automaton]
        v[h] = (probs[h] * q[h]).sum(axis=1)
    return ValueTables(q=q, v=v)


def prover_advantage(prover: Any, target: Any, vocab_size: int, horizon: int) -> np.ndarray:
    """``A^mu[h, k, a]`` of the prover ``mu`` for the target ``y*``, shape ``(H, L + 1, V)``.

    Transitions are deterministic, so ``A^mu(s_h, a) = V^mu(s_{h+1}) - V^mu(s_h)``.
    """
    target = np.asarray(target)
    automaton = matching_automaton(target, vocab_size)
    v = prover_values(prover, automaton, target, horizon)
    return v[1:][:, automaton] - v[:-1, :, None]


def success_probability(target: Any, vocab_size: int, horizon: int, probs: np.ndarray) -> float:
    """Probability that a policy on matching states writes ``y*`` within ``horizon`` tokens."""
    automaton = matching_automaton(target, vocab_size)
    return float(policy_values(automaton, probs, horizon).v[0, 0])


def matching_states(automaton: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Matching state after each prefix of ``tokens``; ``out[i]`` is the state before token i.

    Returns an array of ``len(tokens) + 1`` states starting with 0.
    """
    states = np.zeros(len(tokens) + 1, dtype=np.int64)
    for i, token in enumerate(tokens):
        states[i + 1] = automaton[states[i], token]
    return states

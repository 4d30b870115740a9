"""Test-time beam search ranked by the effective reward or by the outcome value alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rlsuite.agents.process.values import (
    GammaProver,
    Prover,
    as_prover,
    policy_values,
    prover_values,
)
from rlsuite.envs.planted_sequence import matching_automaton
from rlsuite.envs.validation import (
    CategoricalTable,
    check_int,
    check_optional_int,
    check_real,
)

__all__ = ["BeamSearchResult", "beam_search"]


@dataclass(frozen=True)
class BeamSearchResult:
    """Final beams, best first.

    Attributes
    ----------
    sequences : numpy.ndarray
        Responses, shape ``(n_beams, length)``.
    scores : numpy.ndarray
        Score of each beam's last step.
    success : numpy.ndarray
        Whether ``y*`` occurs in each response.
    rollouts : int
        Monte Carlo continuations the verifier sampled (0 with exact values):
        the search's test-time compute.
    """

    sequences: np.ndarray
    scores: np.ndarray
    success: np.ndarray
    rollouts: int = 0

    @property
    def any_success(self) -> bool:
        """Pass@width: some final beam contains ``y*``."""
        return bool(self.success.any())


def beam_search(
    target: Any,
    vocab_size: int = 15,
    length: int = 10,
    *,
    width: int = 4,
    candidates: int = 3,
    base_policy: np.ndarray | None = None,
    prover: Prover | float | None = None,
    alpha: float = 1.0,
    n_rollouts: int | None = None,
    seed: int | None = None,
) -> BeamSearchResult:
    """Step-level beam search of Setlur et al. (2025, §3.3), one token per step.

    Every beam proposes ``candidates`` distinct next tokens drawn from the
    base policy ``pi`` (without replacement); all ``width * candidates``
    children are ranked and the best ``width`` kept (ties broken at random).
    The score of a child ``(s_h, a_h)`` is the effective reward
    ``Q^pi(s_h, a_h) + alpha * A^mu(s_h, a_h)`` when a ``prover`` is given,
    and the outcome value ``Q^pi(s_h, a_h)`` alone when ``prover`` is None.

    Parameters
    ----------
    target : sequence of int
        ``y*``.
    vocab_size, length : int
        The env's vocabulary and response length.
    width : int
        Beam width ``B``.
    candidates : int
        Children per beam ``C`` (3 in the issue), at most ``vocab_size``.
    base_policy : numpy.ndarray or None
        ``pi(a | k)`` on matching states, shape ``(L + 1, V)``; uniform if None.
    prover : Prover, float or None
        ``mu`` (a number means ``GammaProver(gamma)``), or None for outcome only.
    alpha : float
        Weight of ``A^mu``, in ``[0, inf)``.
    n_rollouts : int or None
        None scores with exact values (DP). An integer estimates ``Q^pi`` and
        ``V^mu`` by that many Monte Carlo rollouts per state, as a verifier
        trained on rollouts would: with a weak base policy nearly every
        ``Q^pi`` estimate is 0, so the outcome-only ranking is blind.
    seed : int or None
        Seed of the sampling and tie-breaking generator.
    """
    target = np.asarray(target, dtype=np.int64)
    vocab_size = check_int("vocab_size", vocab_size, low=2)
    length = check_int("length", length, low=len(target))
    width = check_int("width", width)
    candidates = check_int("candidates", candidates, high=vocab_size)
    alpha = check_real("alpha", alpha, low=0.0)
    n_rollouts = check_optional_int("n_rollouts", n_rollouts)
    n_states = len(target) + 1
    automaton = matching_automaton(target, vocab_size)
    pi = GammaProver(1.0).action_probs(target, vocab_size) if base_policy is None else base_policy
    pi = np.asarray(pi, dtype=np.float64)
    if pi.shape != (n_states, vocab_size):
        raise ValueError(f"base_policy has shape {pi.shape}, must be {(n_states, vocab_size)}")
    mu = None if prover is None else as_prover(prover)
    rng = np.random.default_rng(seed)
    scorer = _Scorer(automaton, target, pi, mu, alpha, length, n_rollouts, rng)

    sequences = np.empty((1, 0), dtype=np.int64)
    states = np.zeros(1, dtype=np.int64)
    scores = np.zeros(1)
    for h in range(length):
        parents, tokens = _propose(pi[states], candidates, rng)
        child_scores = scorer(h, states[parents], tokens)
        order = np.lexsort((rng.random(len(tokens)), -child_scores))[:width]
        sequences = np.column_stack([sequences[parents[order]], tokens[order]])
        states = automaton[states[parents[order]], tokens[order]]
        scores = child_scores[order]
    return BeamSearchResult(sequences, scores, states == n_states - 1, scorer.rollouts)


def _propose(
    probs: np.ndarray, candidates: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``candidates`` distinct tokens per beam, drawn without replacement from ``probs``."""
    # Gumbel top-k draws k tokens without replacement with the sequential-sampling law.
    with np.errstate(divide="ignore"):
        keys = np.log(probs) + rng.gumbel(size=probs.shape)
    tokens = np.argsort(-keys, axis=1)[:, :candidates]
    parents = np.repeat(np.arange(len(probs)), candidates)
    return parents, tokens.ravel()


class _Scorer:
    """Scores children by ``Q^pi (+ alpha A^mu)``, exactly or from rollouts."""

    def __init__(self, automaton, target, pi, mu, alpha, length, n_rollouts, rng) -> None:
        self.automaton, self.pi, self.alpha = automaton, pi, alpha
        self.length, self.n_rollouts, self.rng = length, n_rollouts, rng
        self.success_state = automaton.shape[0] - 1
        # A Best-of-K prover is estimated from groups of k rollouts of its base.
        self.mu_k = int(getattr(mu, "k", 1))
        self.mu = None if mu is None else mu.action_probs(target, automaton.shape[1])
        if n_rollouts is None:
            self.pi_values = policy_values(automaton, pi, length).v
            self.mu_values = None if mu is None else prover_values(mu, automaton, target, length)
        self.rollouts = 0  # continuations sampled so far: the search's compute

    def __call__(self, h: int, states: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        children = self.automaton[states, tokens]
        if self.n_rollouts is None:
            score = self.pi_values[h + 1, children]
            if self.mu_values is not None:
                advantage = self.mu_values[h + 1, children] - self.mu_values[h, states]
                score = score + self.alpha * advantage
            return score
        score = self._rollout_value(self.pi, children, self.length - h - 1)
        if self.mu is not None:
            after = self._rollout_value(self.mu, children, self.length - h - 1, self.mu_k)
            before = self._rollout_value(self.mu, states, self.length - h, self.mu_k)
            score = score + self.alpha * (after - before)
        return score

    def _rollout_value(
        self, probs: np.ndarray, states: np.ndarray, steps: int, k: int = 1
    ) -> np.ndarray:
        """Fraction of ``n_rollouts`` groups of ``k`` continuations of ``probs`` with a success."""
        assert self.n_rollouts is not None
        current = np.repeat(states, self.n_rollouts * k)
        self.rollouts += len(current)
        table = CategoricalTable(probs)
        for _ in range(steps):
            tokens = table.sample(self.rng, rows=current)
            current = self.automaton[current, tokens]
        hits = (current == self.success_state).reshape(len(states), self.n_rollouts, k)
        return hits.any(axis=2).mean(axis=1)

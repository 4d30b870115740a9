"""Offline preference pairs ``(x, y_w, y_l)`` drawn from a :class:`PreferenceBanditEnv`."""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from rlsuite.envs.preference_bandit import PreferenceBanditEnv, sampling_probs
from rlsuite.envs.validation import check_int, sample_categorical

__all__ = ["PreferenceDataset", "make_preference_dataset"]


@dataclass(frozen=True)
class PreferenceDataset:
    """Offline preference pairs ``(x, y_w, y_l)`` with the sampling policy that drew them.

    Attributes
    ----------
    contexts, chosen, rejected : numpy.ndarray
        Integer arrays of length ``n_pairs``: context, preferred and
        dispreferred response of each pair.
    sampling_probs : numpy.ndarray
        ``mu(a | x)``, shape ``(n_contexts, n_responses)``.
    n_responses : int
        Number of responses per context.
    """

    contexts: np.ndarray
    chosen: np.ndarray
    rejected: np.ndarray
    sampling_probs: np.ndarray
    n_responses: int

    def __len__(self) -> int:
        return len(self.contexts)

    @property
    def n_contexts(self) -> int:
        """Number of contexts (rows of ``sampling_probs``)."""
        return int(self.sampling_probs.shape[0])

    def unique_triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Distinct ``(x, y_w, y_l)`` and their counts.

        Every loss here depends on a pair only through ``(x, y_w, y_l)``, so
        learners sum over the distinct triples weighted by counts: the cost of
        a gradient step no longer grows with ``n_pairs``.
        """
        keys = np.stack([self.contexts, self.chosen, self.rejected], axis=1)
        unique, counts = np.unique(keys, axis=0, return_counts=True)
        return unique[:, 0], unique[:, 1], unique[:, 2], counts.astype(np.float64)

    def seen_mask(self) -> np.ndarray:
        """``(n_contexts, n_responses)`` boolean: the response occurs in some pair of ``x``."""
        mask = np.zeros((self.n_contexts, self.n_responses), dtype=bool)
        mask[self.contexts, self.chosen] = True
        mask[self.contexts, self.rejected] = True
        return mask


def make_preference_dataset(
    env: gym.Env,
    sampling_policy: str | np.ndarray = "uniform",
    n_pairs: int = 1000,
    seed: int | None = None,
) -> PreferenceDataset:
    """Draw ``n_pairs`` Bradley-Terry-labelled pairs from a sampling policy ``mu``.

    For each pair: ``x`` uniform, ``y, y'`` i.i.d. from ``mu(. | x)`` (as in
    Agarwal et al.; identical pairs are kept, they carry no gradient), and
    ``y`` wins with probability ``sigmoid((r*(x, y) - r*(x, y')) / temperature)``.
    The env must have been reset (its reward table is used, not redrawn), so
    datasets with different ``seed`` share one problem.

    Parameters
    ----------
    env : gymnasium.Env
        A (possibly wrapped) :class:`~rlsuite.envs.preference_bandit.PreferenceBanditEnv`.
    sampling_policy : str or numpy.ndarray
        See :func:`~rlsuite.envs.preference_bandit.sampling_probs`.
    n_pairs : int
        Number of labelled pairs, ``>= 1``.
    seed : int or None
        Seed of the draw.
    """
    base = env.unwrapped
    if not isinstance(base, PreferenceBanditEnv):
        raise ValueError(f"env must be a PreferenceBanditEnv, got {type(base).__name__}")
    if base.rewards is None:
        raise RuntimeError("reset the env before drawing a dataset")
    n_pairs = check_int("n_pairs", n_pairs)
    mu = sampling_probs(base.rewards, sampling_policy)
    rng = np.random.default_rng(seed)
    contexts = rng.integers(base.n_contexts, size=n_pairs)
    first = sample_categorical(mu[contexts], rng)
    second = sample_categorical(mu[contexts], rng)
    diff = base.rewards[contexts, first] - base.rewards[contexts, second]
    if base.temperature > 0:
        p_first = 1.0 / (1.0 + np.exp(-diff / base.temperature))
    else:
        p_first = np.where(diff > 0, 1.0, np.where(diff < 0, 0.0, 0.5))
    first_wins = rng.random(n_pairs) < p_first
    return PreferenceDataset(
        contexts=contexts,
        chosen=np.where(first_wins, first, second),
        rejected=np.where(first_wins, second, first),
        sampling_probs=mu,
        n_responses=base.n_responses,
    )

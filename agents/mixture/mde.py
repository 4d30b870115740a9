"""Mixture of Data Experts (MDE): a cheap approximation of a mixture's loss.

Belenki et al. (ACL 2025, arXiv 2502.15950) train one expert model per
domain and approximate the model trained on mixture ``lambda`` by the
ensemble whose next-token distribution is ``sum_i lambda_i p_i(. | x_<t)``.
The cross-entropy of that ensemble on the validation data is the MDE
feature; it needs only the experts' cached predictions on the validation
tokens, so scoring a candidate mixture costs one weighted sum and a log.

Here the experts are bigram tables ``Q_i(b | a)`` (trained by
``rlsuite/DataMixture-v1`` on the one-hot mixture ``e_i`` with the same
token budget as any other run, as the paper trains experts with the same
number of steps) and the validation data is the env's exact bigram
frequency table, i.e. an infinitely large validation set; the cached
predictions are the experts' probabilities of every validation bigram.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.envs.validation import check_int

__all__ = ["MixtureOfDataExperts", "check_mixtures"]

# Rows scored at once: bounds the (rows, V * V) temporary to ~13 MB at V = 40.
_CHUNK = 1024


def check_mixtures(mixtures: Any, n_domains: int, name: str = "mixtures") -> np.ndarray:
    """Return ``mixtures`` as a float64 ``(n, n_domains)`` array of points on the simplex."""
    arr = np.asarray(mixtures, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] != n_domains or arr.shape[0] == 0:
        raise ValueError(
            f"{name} has shape {np.shape(mixtures)}, must be (n, n_domains) = (n, {n_domains})"
        )
    if not np.all(np.isfinite(arr)) or arr.min() < 0.0:
        raise ValueError(f"{name} must be finite and non-negative (points on the simplex)")
    if np.any(np.abs(arr.sum(axis=1) - 1.0) > 1e-6):
        raise ValueError(f"{name} rows must sum to 1 (points on the simplex)")
    return arr


class MixtureOfDataExperts:
    """Cached expert predictions and the MDE loss of any mixture.

    Parameters
    ----------
    expert_probs : numpy.ndarray
        ``(k, V, V)`` next-token tables ``Q_i(b | a)`` of the ``k`` experts
        (rows sum to 1, entries positive).
    validation_weights : numpy.ndarray
        ``(V, V)`` (or ``(m, V, V)`` for ``m`` validation sets) frequencies of
        the validation bigrams; each table sums to 1.
    expert_losses : numpy.ndarray, optional
        The experts' own validation losses, kept for reference.
    """

    def __init__(
        self,
        expert_probs: np.ndarray,
        validation_weights: np.ndarray,
        expert_losses: np.ndarray | None = None,
    ) -> None:
        probs = np.asarray(expert_probs, dtype=np.float64)
        if probs.ndim != 3 or probs.shape[1] != probs.shape[2] or probs.shape[0] < 2:
            raise ValueError(f"expert_probs has shape {probs.shape}, must be (k >= 2, V, V)")
        if not np.all(probs > 0.0) or np.any(np.abs(probs.sum(axis=-1) - 1.0) > 1e-6):
            raise ValueError("expert_probs must be positive with rows summing to 1")
        weights = np.asarray(validation_weights, dtype=np.float64)
        single = weights.ndim == 2
        weights = weights[None] if single else weights
        if weights.ndim != 3 or weights.shape[1:] != probs.shape[1:]:
            raise ValueError(
                f"validation_weights has shape {np.shape(validation_weights)}, "
                f"must be (V, V) or (m, V, V) with V = {probs.shape[1]}"
            )
        if weights.min() < 0.0 or np.any(np.abs(weights.sum(axis=(1, 2)) - 1.0) > 1e-6):
            raise ValueError("validation_weights must be non-negative and sum to 1")
        self.n_domains = probs.shape[0]
        self.single_validation_set = single
        # The cache: each expert's probability of every validation bigram, kept
        # only where some validation set has mass.
        support = weights.sum(axis=0).ravel() > 0.0
        self.cached_predictions = probs.reshape(self.n_domains, -1)[:, support]
        self.validation_weights = weights.reshape(weights.shape[0], -1)[:, support]
        self.expert_losses = None if expert_losses is None else np.asarray(expert_losses)

    @classmethod
    def from_env(cls, env: Any) -> tuple[MixtureOfDataExperts, list[dict[str, Any]]]:
        """Train one expert per domain in a data-mixture env and cache it.

        Works for ``rlsuite/DataMixture-v1`` and :class:`FactoredDataMixtureEnv`;
        the experts' predictions are cached on the data the env's reward is
        the loss on (``objective_bigram_weights`` where the env has it).

        Uses ``k`` training runs (steps on the one-hot mixtures, each after a
        seedless ``reset`` so the env's task is kept). Returns the MDE and the
        ``info`` of every expert run.
        """
        base = env.unwrapped
        k = check_int("env.n_domains", base.n_domains, low=2)
        infos = []
        for domain in range(k):
            env.reset()
            one_hot = np.zeros(k, dtype=np.float32)
            one_hot[domain] = 1.0
            _, reward, _, _, info = env.step(one_hot)
            infos.append({**info, "objective_loss": -float(reward)})
        experts = np.stack([info["bigram_probs"] for info in infos])
        losses = np.array([info["objective_loss"] for info in infos])
        # The data the env's reward is scored on: the validation set, or the
        # end task of FactoredDataMixtureEnv(objective="end_task").
        weights = getattr(base, "objective_bigram_weights", base.validation_bigram_weights)
        return cls(experts, weights, losses), infos

    def loss(self, mixtures: Any) -> np.ndarray:
        """MDE cross-entropy of each mixture: ``(n,)``, or ``(n, m)`` for ``m`` validation sets."""
        lam = check_mixtures(mixtures, self.n_domains)
        out = np.empty((lam.shape[0], self.validation_weights.shape[0]))
        for start in range(0, lam.shape[0], _CHUNK):
            ensemble = lam[start : start + _CHUNK] @ self.cached_predictions
            out[start : start + _CHUNK] = -np.log(ensemble) @ self.validation_weights.T
        return out[:, 0] if self.single_validation_set else out

"""Bradley-Terry reward model, optionally a bootstrap ensemble."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from rlsuite.agents.base import OfflineLearner
from rlsuite.envs.validation import check_int, check_real, check_seed
from rlsuite.offline_data.preferences import PreferenceDataset

__all__ = ["RewardModel"]

#: L-BFGS limits of each member's fit. The objective is convex and smooth (an
#: L2-regularised logistic likelihood), so strong-Wolfe L-BFGS reaches the
#: unique optimum in a few dozen iterations; 500 is a safety cap, and 1e-10 on
#: the largest gradient entry is far below the scale of the studies' rewards.
FIT_MAX_ITERATIONS = 500
FIT_GRADIENT_TOLERANCE = 1e-10


class RewardModel(OfflineLearner):
    """Maximum-likelihood Bradley-Terry reward ``r_hat`` from preference pairs.

    Each member minimises ``mean -log sigmoid(r(x, y_w) - r(x, y_l)) +
    l2 / 2 * ||params||**2`` (unit temperature: the scale of ``r_hat`` is that
    of ``r* / temperature``). The L2 term is what keeps the fit finite when
    the labels are deterministic (separable data), which is the situation in
    which Fisch et al. (TMLR 2025) distil from a reward model instead of
    running DPO. ``r_hat`` is identified only up to a per-context constant and
    only on responses that occur in the data; the L2 term sets the rest to 0.

    With ``n_models > 1`` every member is fit to its own bootstrap resample of
    the pairs (the ensemble that :class:`EnsembleDistilledPO` is pessimistic
    over); with ``n_models = 1`` the single member sees all pairs.

    Parameters
    ----------
    n_models : int
        Ensemble size, ``>= 1``.
    features : array or None
        ``None`` for one reward per ``(x, a)`` (tabular), or ``phi`` of shape
        ``(n_contexts, n_responses, d)`` for ``r = w . phi``.
    l2 : float
        Ridge strength, ``>= 0`` (``> 0`` needed for separable data).
    seed : None, int >= 0 or numpy.random.Generator
        Seed of the bootstrap resamples.
    """

    def __init__(
        self,
        n_models: int = 1,
        features: Any = None,
        l2: float = 1e-3,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.n_models = check_int("n_models", n_models)
        self.features = None if features is None else np.asarray(features, dtype=np.float64)
        if self.features is not None and self.features.ndim != 3:
            raise ValueError(f"features must have shape (X, A, d), got {self.features.shape}")
        self.l2 = check_real("l2", l2, 0.0)
        self.seed = check_seed(seed)
        self._rewards: np.ndarray | None = None

    def _member_weights(
        self, dataset: PreferenceDataset, rng: np.random.Generator
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Distinct triples and each member's (bootstrap) weight on them."""
        keys = np.stack([dataset.contexts, dataset.chosen, dataset.rejected], axis=1)
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        weights = []
        for _ in range(self.n_models):
            draws: np.ndarray = (
                np.ones(len(dataset))
                if self.n_models == 1
                else rng.multinomial(len(dataset), np.full(len(dataset), 1.0 / len(dataset)))
            )
            counts = np.zeros(len(unique))
            np.add.at(counts, inverse, draws)
            weights.append((unique, counts / counts.sum()))
        return weights

    def _fit_member(self, unique: np.ndarray, weights: np.ndarray, shape: tuple) -> np.ndarray:
        x, win, lose = (torch.as_tensor(unique[:, i]) for i in range(3))
        weight = torch.as_tensor(weights, dtype=torch.float64)
        if self.features is None:
            params = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
        else:
            phi = torch.as_tensor(self.features, dtype=torch.float64)
            params = torch.zeros(phi.shape[-1], dtype=torch.float64, requires_grad=True)

        def table() -> torch.Tensor:
            return params if self.features is None else phi @ params

        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            r = table()
            nll = (weight * F.softplus(-(r[x, win] - r[x, lose]))).sum()
            loss = nll + 0.5 * self.l2 * (params**2).sum()
            loss.backward()
            return loss

        # Convex and smooth: L-BFGS reaches the unique optimum in a few dozen iterations.
        optimizer = torch.optim.LBFGS(
            [params],
            lr=1.0,  # the line search chooses the step
            max_iter=FIT_MAX_ITERATIONS,
            tolerance_grad=FIT_GRADIENT_TOLERANCE,
            line_search_fn="strong_wolfe",
        )
        optimizer.step(closure)
        with torch.no_grad():
            return table().numpy().copy()

    def _fit(self, dataset: PreferenceDataset, callback: Any = None) -> None:
        """Fit every member on ``dataset`` (bootstrap resamples if ``n_models > 1``)."""
        shape = (dataset.n_contexts, dataset.n_responses)
        if self.features is not None and self.features.shape[:2] != shape:
            raise ValueError(f"features have shape {self.features.shape}, data {shape}")
        rng = np.random.default_rng(self.seed)
        members = self._member_weights(dataset, rng)
        self._rewards = np.stack([self._fit_member(u, wt, shape) for u, wt in members])

    def rewards(self) -> np.ndarray:
        """``r_hat`` of every member, shape ``(n_models, n_contexts, n_responses)``."""
        if self._rewards is None:
            raise RuntimeError("RewardModel must be fit before use")
        return self._rewards.copy()

    def mean_rewards(self) -> np.ndarray:
        """Ensemble mean ``r_hat``, shape ``(n_contexts, n_responses)``."""
        return self.rewards().mean(axis=0)

    def _predict_batch(self, observations: np.ndarray, deterministic: bool) -> np.ndarray:
        """The response of highest mean ``r_hat`` for one-hot contexts (always greedy)."""
        return self.mean_rewards()[observations.argmax(axis=-1)].argmax(axis=1)

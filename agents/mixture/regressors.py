"""Regression models from a mixture to its validation loss (Belenki et al., 2025, §3-4).

All four map a ``(n, k)`` array of mixtures to predicted losses and are fit
on a handful of observed ``(mixture, true loss)`` pairs:

``linear``
    Least squares on the mixture weights only, ``L ~ sum_i beta_i lambda_i``
    (no separate intercept: the weights sum to 1, so ``beta`` absorbs it).
``linear_mde``
    Least squares on the mixture weights plus the MDE loss,
    ``L ~ sum_i beta_i lambda_i + gamma * MDE(lambda)``.
``mde``
    The MDE loss itself, shifted by the mean residual on the observed
    mixtures so predictions are in loss units; the ranking is the raw MDE
    ranking, which is what the paper's "MDE" row reports.
``gbm``
    scikit-learn gradient-boosted trees on the weights plus the MDE loss
    (the paper uses LightGBM on the same features).

The paper also fits a multi-task Gaussian process; it is left out here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.mixture.mde import MixtureOfDataExperts, check_mixtures
from rlsuite.envs.validation import check_int

__all__ = ["REGRESSORS", "MixtureRegressor", "make_regressor"]


class MixtureRegressor:
    """Predict a mixture's validation loss from its weights and/or its MDE loss.

    Parameters
    ----------
    kind : str
        One of ``REGRESSORS``: ``"linear"``, ``"linear_mde"``, ``"mde"``, ``"gbm"``.
    n_domains : int
        Number of domains ``k``.
    mde : MixtureOfDataExperts or None
        The cached experts; required by every kind but ``"linear"``.
    seed : int
        Seed of the tree learner (``"gbm"`` only).
    """

    def __init__(
        self,
        kind: str,
        n_domains: int,
        mde: MixtureOfDataExperts | None = None,
        seed: int = 0,
    ) -> None:
        if kind not in REGRESSORS:
            raise ValueError(f"kind={kind!r} is not known; must be one of {REGRESSORS}")
        self.kind = kind
        self.n_domains = check_int("n_domains", n_domains, low=2)
        if kind != "linear":
            if mde is None:
                raise ValueError(f"kind={kind!r} needs mde (a MixtureOfDataExperts), got None")
            if mde.n_domains != self.n_domains or not mde.single_validation_set:
                raise ValueError(
                    f"mde must have one validation set and n_domains={self.n_domains}, "
                    f"got n_domains={mde.n_domains}"
                )
        self.mde = mde
        self.seed = check_int("seed", seed, low=0)
        self._model: Any = None

    def features(self, mixtures: Any) -> np.ndarray:
        """Regression inputs of each mixture: weights, MDE loss, or both."""
        lam = check_mixtures(mixtures, self.n_domains)
        if self.kind == "linear":
            return lam
        mde_loss = self.mde.loss(lam)[:, None]  # type: ignore[union-attr]
        return mde_loss if self.kind == "mde" else np.hstack([lam, mde_loss])

    def fit(self, mixtures: Any, losses: Any) -> MixtureRegressor:
        """Fit on observed mixtures ``(n, k)`` and their true losses ``(n,)``."""
        x = self.features(mixtures)
        y = np.asarray(losses, dtype=np.float64)
        if y.shape != (x.shape[0],) or not np.all(np.isfinite(y)):
            raise ValueError(f"losses has shape {y.shape}, must be finite with shape ({len(x)},)")
        low = 2 if self.kind == "gbm" else 1
        check_int("number of observed mixtures", x.shape[0], low=low)
        if self.kind == "mde":
            self._model = float(np.mean(y - x[:, 0]))
        elif self.kind == "gbm":
            from sklearn.ensemble import GradientBoostingRegressor

            # Shallow trees and few leaves per split: a handful of points only.
            self._model = GradientBoostingRegressor(
                n_estimators=100, max_depth=2, learning_rate=0.1, min_samples_leaf=1,
                random_state=self.seed,
            ).fit(x, y)  # fmt: skip
        else:
            # Minimum-norm least squares; sum(lambda) = 1 plays the intercept.
            self._model = np.linalg.lstsq(x, y, rcond=None)[0]
        return self

    def predict(self, mixtures: Any) -> np.ndarray:
        """Predicted validation loss of each mixture, shape ``(n,)``."""
        if self._model is None:
            raise RuntimeError("call fit() before predict()")
        x = self.features(mixtures)
        if self.kind == "mde":
            return x[:, 0] + self._model
        if self.kind == "gbm":
            return self._model.predict(x)
        return x @ self._model


#: The regressor kinds, in the order the study reports them.
REGRESSORS = ("linear", "linear_mde", "mde", "gbm")


def make_regressor(
    kind: str, n_domains: int, mde: MixtureOfDataExperts | None = None, seed: int = 0
) -> MixtureRegressor:
    """Build a :class:`MixtureRegressor` (validates ``kind``)."""
    return MixtureRegressor(kind, n_domains, mde, seed)

"""Regression-based data-mixture search (Belenki et al., ACL 2025, arXiv 2502.15950).

1. Train on ``n_mixtures`` mixtures drawn from ``Dirichlet(concentration)``
   and record their true validation losses (``n_mixtures`` runs).
2. Train one expert per domain (``k`` more runs) and cache their validation
   predictions (the MDE); the ``linear`` regressor skips this. Observing
   first means every regressor sees the same observed losses for the same
   env seed, so comparisons between regressors are paired.
3. Fit the regressor on those pairs.
4. Score ``n_candidates`` fresh Dirichlet mixtures (plus the observed
   ones) with the regressor and keep the one with the lowest predicted loss.

The paper minimises the fitted regressor over the simplex; its exact search
procedure was not recovered here, so step 4 is our choice (random search,
which needs no gradients and works for the tree regressor too). Dirichlet(1)
observed mixtures are also our choice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.mixture.mde import MixtureOfDataExperts
from rlsuite.agents.mixture.regressors import REGRESSORS, MixtureRegressor
from rlsuite.envs.validation import check_int, check_real

__all__ = ["RegressionMixtureSearch"]


class RegressionMixtureSearch:
    """Fit a loss regressor on a few training runs, then propose the best mixture.

    Parameters
    ----------
    n_domains : int
        Number of domains ``k`` of the env.
    regressor : str
        One of ``"linear"``, ``"linear_mde"``, ``"mde"``, ``"gbm"``.
    n_mixtures : int
        Observed training mixtures (training runs besides the experts).
    n_candidates : int
        Random candidate mixtures scored when optimising the regressor.
    concentration : float
        Dirichlet concentration of both observed and candidate mixtures.
    seed : int or None
        Seed of the agent's generator.
    """

    def __init__(
        self,
        n_domains: int,
        regressor: str = "linear_mde",
        n_mixtures: int = 10,
        n_candidates: int = 4096,
        concentration: float = 1.0,
        *,
        seed: int | None = None,
    ) -> None:
        self.n_domains = check_int("n_domains", n_domains, low=2)
        if regressor not in REGRESSORS:
            raise ValueError(f"regressor={regressor!r} is not known; must be one of {REGRESSORS}")
        self.regressor_kind = regressor
        self.n_mixtures = check_int("n_mixtures", n_mixtures, low=2)
        self.n_candidates = check_int("n_candidates", n_candidates, low=1)
        self.concentration = check_real("concentration", concentration, 0.0, low_open=True)
        self.rng = np.random.default_rng(seed)
        self.mde: MixtureOfDataExperts | None = None
        self.regressor: MixtureRegressor | None = None
        self.observed_mixtures = np.empty((0, self.n_domains))
        self.observed_losses = np.empty(0)
        self.best_mixture = np.full(self.n_domains, 1.0 / self.n_domains)
        self.training_runs = 0

    def sample_mixtures(self, n: int) -> np.ndarray:
        """``n`` mixtures from ``Dirichlet(concentration)``, shape ``(n, k)``."""
        return self.rng.dirichlet(np.full(self.n_domains, self.concentration), size=n)

    def observe(self, env: Any, mixtures: np.ndarray) -> np.ndarray:
        """Run one training run per mixture (seedless resets keep the task); return losses."""
        losses = np.empty(len(mixtures))
        for row, mixture in enumerate(mixtures):
            env.reset()
            losses[row] = env.step(mixture.astype(np.float32))[4]["validation_loss"]
        self.training_runs += len(mixtures)
        return losses

    def learn(self, env: Any) -> RegressionMixtureSearch:
        """Spend ``n_mixtures`` + ``k`` (experts, unless ``linear``) runs and pick a mixture.

        ``env`` must already be reset with the task's seed; it is only ever
        reset without a seed here.
        """
        if env.unwrapped.n_domains != self.n_domains:
            raise ValueError(
                f"env has n_domains={env.unwrapped.n_domains}, agent has {self.n_domains}"
            )
        self.observed_mixtures = self.sample_mixtures(self.n_mixtures)
        self.observed_losses = self.observe(env, self.observed_mixtures)
        if self.regressor_kind != "linear":
            self.mde, _ = MixtureOfDataExperts.from_env(env)
            self.training_runs += self.n_domains
        seed = int(self.rng.integers(2**31))
        self.regressor = MixtureRegressor(self.regressor_kind, self.n_domains, self.mde, seed)
        self.regressor.fit(self.observed_mixtures, self.observed_losses)
        candidates = np.vstack([self.sample_mixtures(self.n_candidates), self.observed_mixtures])
        self.best_mixture = candidates[int(np.argmin(self.regressor.predict(candidates)))]
        return self

    def predict(
        self,
        observation: np.ndarray,
        state: tuple[np.ndarray, ...] | None = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = False,
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...] | None]:
        """SB3 ``PolicyPredictor``: the chosen mixture for every row of a batched observation."""
        obs = np.asarray(observation)
        action = self.best_mixture.astype(np.float32)
        if obs.ndim <= 1:
            return action, state
        return np.tile(action, (obs.shape[0], 1)), state

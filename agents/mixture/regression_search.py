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

from rlsuite.agents.base import OnlineAgent
from rlsuite.agents.callbacks import Callback
from rlsuite.agents.mixture.mde import MixtureOfDataExperts
from rlsuite.agents.mixture.regressors import REGRESSORS, MixtureRegressor
from rlsuite.envs.validation import (
    check_choice,
    check_int,
    check_optional_int,
    check_real,
    check_seed,
)

__all__ = ["RegressionMixtureSearch"]


class RegressionMixtureSearch(OnlineAgent):
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
    seed : None, int >= 0 or numpy.random.Generator
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
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.n_domains = check_int("n_domains", n_domains, low=2)
        self.regressor_kind = check_choice("regressor", regressor, REGRESSORS)
        self.n_mixtures = check_int("n_mixtures", n_mixtures, low=2)
        self.n_candidates = check_int("n_candidates", n_candidates, low=1)
        self.concentration = check_real("concentration", concentration, 0.0, low_open=True)
        self.seed = check_seed(seed)
        self.rng = np.random.default_rng(self.seed)
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
            # The reward is minus the env's objective loss (validation or end task).
            losses[row] = -float(env.step(mixture.astype(np.float32))[1])
        self.training_runs += len(mixtures)
        return losses

    @property
    def budget(self) -> int:
        """Training runs (env steps) one :meth:`learn` spends: observed mixtures plus experts."""
        return self.n_mixtures + (0 if self.regressor_kind == "linear" else self.n_domains)

    def learn(
        self,
        env: Any,
        total_timesteps: int | None = None,
        callback: Callback | list[Callback] | None = None,
        progress_bar: bool = False,
    ) -> RegressionMixtureSearch:
        """Spend ``n_mixtures`` + ``k`` (experts, unless ``linear``) runs and pick a mixture.

        ``env`` must already be reset with the task's seed; it is only ever
        reset without a seed here. The number of runs is fixed by the
        constructor (:attr:`budget`); ``total_timesteps``, if given, must equal
        it. Callbacks are called once, after the mixture is chosen (the
        search has no intermediate policy to stop at); ``progress_bar`` is
        accepted for SB3 compatibility.
        """
        total_timesteps = check_optional_int("total_timesteps", total_timesteps)
        if total_timesteps is not None and total_timesteps != self.budget:
            raise ValueError(
                f"total_timesteps={total_timesteps} must equal this search's budget of "
                f"{self.budget} training runs (n_mixtures + experts), or be None"
            )
        callbacks = self._callbacks(callback)
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
        callbacks.update_locals({"best_mixture": self.best_mixture})
        callbacks.on_step()
        callbacks.on_training_end()
        return self

    def _predict_batch(self, observations: np.ndarray, deterministic: bool) -> np.ndarray:
        """The chosen mixture for every row of the batch."""
        return np.tile(self.best_mixture.astype(np.float32), (len(observations), 1))

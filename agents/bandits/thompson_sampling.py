"""Thompson sampling with conjugate Gaussian or Beta-Bernoulli posteriors."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.base import ArmCounts, BanditAgent
from rlsuite.envs.torch_backend import TorchBackendMixin, sample_beta, scatter_add_pulls
from rlsuite.envs.validation import check_choice, check_real

__all__ = ["ThompsonSampling"]

POSTERIORS = ("gaussian", "bernoulli")


class ThompsonSampling(TorchBackendMixin, ArmCounts, BanditAgent):
    """Pull the arm whose posterior sample of the mean is largest.

    ``posterior="gaussian"``: prior ``N(prior_mean, prior_std^2)`` per arm and
    Gaussian rewards of known standard deviation ``noise_std``; after ``n``
    pulls with sum ``S`` the posterior is Gaussian with precision
    ``1 / prior_std^2 + n / noise_std^2`` and mean
    ``(prior_mean / prior_std^2 + S / noise_std^2) / precision``.

    ``posterior="bernoulli"``: ``Beta(1, 1)`` priors and Beta posteriors
    (Agrawal & Goyal 2012). Rewards in ``[0, 1]`` that are not 0/1 are first
    binarised by a Bernoulli draw with that mean, as in Agrawal & Goyal;
    rewards outside ``[0, 1]`` raise ``ValueError``.

    Sampling is vectorised: one ``(n_runs, n_arms)`` draw per round.

    Parameters
    ----------
    n_arms : int
        Number of arms.
    posterior : {"gaussian", "bernoulli"}
        Reward model.
    noise_std : float
        Known reward standard deviation (Gaussian model), ``> 0``.
    prior_mean : float
        Prior mean of every arm (Gaussian model).
    prior_std : float
        Prior standard deviation (Gaussian model), ``> 0``.
    seed : int or None
        Seed of the agent's generator.
    n_runs : int
        Number of independent copies.
    backend, device, dtype, compile
        ``backend="torch"`` keeps the statistics in tensors on ``device`` and
        samples from a seeded ``torch.Generator`` (Beta draws as a ratio of
        Marsaglia-Tsang gammas); see :mod:`rlsuite.envs.torch_backend`.
        ``compile`` is accepted for the common protocol; the sampling is eager.
    """

    def __init__(
        self,
        n_arms: int,
        posterior: str = "gaussian",
        noise_std: float = 1.0,
        prior_mean: float = 0.0,
        prior_std: float = 1.0,
        *,
        seed: int | None = None,
        n_runs: int = 1,
        backend: str = "numpy",
        device: Any = None,
        dtype: str | None = None,
        compile: bool = False,
    ) -> None:
        self._init_backend(backend, device, dtype, compile)
        self.posterior = check_choice("posterior", posterior, POSTERIORS)
        self.noise_std = check_real("noise_std", noise_std, 0.0, low_open=True)
        self.prior_mean = check_real("prior_mean", prior_mean)
        self.prior_std = check_real("prior_std", prior_std, 0.0, low_open=True)
        super().__init__(n_arms, seed=seed, n_runs=n_runs)

    def _reset_state(self) -> None:
        self._zero_counts()
        if self.backend == "torch":
            self._new_torch_generator()

    def posterior_params(self) -> tuple[np.ndarray, np.ndarray]:
        """Posterior ``(mean, std)`` (Gaussian) or ``(alpha, beta)`` (Beta), each ``(R, K)``."""
        if self.posterior == "bernoulli":
            return 1.0 + self.sums, 1.0 + self.counts - self.sums
        precision = self.prior_std**-2 + self.counts / self.noise_std**2
        mean = (self.prior_mean * self.prior_std**-2 + self.sums / self.noise_std**2) / precision
        return mean, precision**-0.5

    def select_actions(self, obs: np.ndarray) -> np.ndarray:
        """Arm with the largest posterior sample, per run."""
        first, second = self.posterior_params()
        shape = (self.n_runs, self.n_arms)
        if self.backend == "torch":
            if self.posterior == "bernoulli":
                samples = sample_beta(first, second, self.generator)
            else:
                noise = self.torch.randn(
                    shape, generator=self.generator, device=self.device, dtype=self.dtype
                )
                samples = first + second * noise
            return samples.argmax(dim=1)
        if self.posterior == "bernoulli":
            samples = self.rng.beta(first, second, size=shape)
        else:
            samples = first + second * self.rng.standard_normal(shape)
        return samples.argmax(axis=1)

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """Arm with the largest posterior mean."""
        first, second = self.posterior_params()
        means = first / (first + second) if self.posterior == "bernoulli" else first
        return means.argmax(1)

    def _update_torch(self, actions: Any, rewards: Any) -> None:
        torch = self.torch
        if self.posterior == "bernoulli":
            if bool(((rewards < 0.0) | (rewards > 1.0)).any()):
                raise ValueError(
                    f"rewards={rewards.tolist()!r} out of range: posterior='bernoulli' "
                    "needs rewards in [0, 1]"
                )
            binary = (rewards == 0.0) | (rewards == 1.0)
            if not bool(binary.all()):
                draws = torch.rand(
                    self.n_runs, generator=self.generator, device=self.device, dtype=self.dtype
                )
                rewards = torch.where(binary, rewards, (draws < rewards).to(self.dtype))
        scatter_add_pulls(self.counts, self.sums, actions, rewards)

    def _update_batch(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        infos: dict[str, Any] | None = None,
    ) -> None:
        """Add each run's (binarised, for Beta) reward to the pulled arm."""
        rewards = np.asarray(rewards, dtype=np.float64)
        if self.posterior == "bernoulli":
            if np.any((rewards < 0.0) | (rewards > 1.0)):
                raise ValueError(
                    f"rewards={rewards.tolist()!r} out of range: posterior='bernoulli' "
                    "needs rewards in [0, 1]"
                )
            rewards = self._binarised(rewards)
        self._add_pulls(actions, rewards)
        self.t += 1

    def _fold_log(self, obs, actions, rewards, infos) -> None:
        """A whole log in one ``bincount`` per statistic.

        Non-binary rewards under ``posterior="bernoulli"`` are binarised with
        one uniform draw each (the same law as :meth:`update_batch`, a
        different order of draws).
        """
        if self.posterior == "bernoulli":
            if np.any((rewards < 0.0) | (rewards > 1.0)):
                raise ValueError(
                    "rewards out of range: posterior='bernoulli' needs rewards in [0, 1], "
                    f"got values in [{rewards.min()}, {rewards.max()}]"
                )
            rewards = self._binarised(rewards)
        self._fold_counts(actions, rewards)

    def _binarised(self, rewards: np.ndarray) -> np.ndarray:
        """Rewards in ``[0, 1]`` as Bernoulli outcomes: a non-binary ``r`` is 1 w.p. ``r``.

        One uniform per reward of the batch (or log), drawn only when one is not binary.
        """
        binary = np.isin(rewards, (0.0, 1.0))
        if binary.all():
            return rewards
        draws = self.rng.random(rewards.shape)
        return np.where(binary, rewards, (draws < rewards).astype(np.float64))

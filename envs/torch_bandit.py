"""Deprecated: ``backend="torch"`` on the MAB vector env and the agents replaces this module.

Use ``MultiArmedBanditVectorEnv(..., backend="torch", device=...)`` with the
batched agents' ``backend="torch"`` (:mod:`rlsuite.envs.torch_backend`).
:class:`TorchBanditBatch` (a bare reward sampler: no spaces, no infos) and
the two step functions stay one version for old callers; building a
``TorchBanditBatch`` warns.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from rlsuite.envs import torch_backend
from rlsuite.envs.noise import Gaussian, NoiseModel, StudentT

__all__ = ["TorchBanditBatch", "compiled", "epsilon_greedy_step", "gradient_bandit_step"]


def _torch() -> Any:
    try:
        import torch
    except ImportError as error:  # pragma: no cover - torch is in the base install
        raise ImportError("the torch backend needs torch: pip install 'rlsuite[torch]'") from error
    return torch


class TorchBanditBatch:
    """``R`` copies of a K-armed bandit on one torch device.

    Parameters
    ----------
    means : numpy.ndarray
        Arm means, ``(K,)`` (one problem for every run) or ``(R, K)``.
    n_runs : int
        Number of runs ``R``.
    noise : NoiseModel
        :class:`~rlsuite.envs.noise.Gaussian` or :class:`~rlsuite.envs.noise.StudentT`
        with an integer ``df``.
    device : str
        Torch device (``"cpu"``, ``"cuda"``, ...).
    seed : int
        Seed of the batch's ``torch.Generator`` (all randomness).
    dtype : str
        ``"float32"`` (default, the GPU's fast type) or ``"float64"``.
    """

    def __init__(
        self,
        means: np.ndarray,
        n_runs: int,
        noise: NoiseModel,
        *,
        device: str = "cpu",
        seed: int = 0,
        dtype: str = "float32",
    ) -> None:
        warnings.warn(
            "TorchBanditBatch is deprecated: use MultiArmedBanditVectorEnv(..., "
            "backend='torch', device=...) and the agents' backend='torch'",
            DeprecationWarning,
            stacklevel=2,
        )
        torch = _torch()
        if not isinstance(noise, (Gaussian, StudentT)):
            raise TypeError(f"noise={noise!r} must be Gaussian or StudentT for the torch backend")
        if isinstance(noise, StudentT) and float(noise.df) != int(noise.df):
            raise ValueError(f"noise.df={noise.df!r} must be an integer for the torch backend")
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtype={dtype!r} must be 'float32' or 'float64'")
        means = np.asarray(means, dtype=np.float64)
        if means.ndim not in (1, 2) or (means.ndim == 2 and means.shape[0] != n_runs):
            raise ValueError(f"means has shape {means.shape}, must be (K,) or ({n_runs}, K)")
        self.device = torch.device(device)
        self.dtype = getattr(torch, dtype)
        self.generator = torch.Generator(device=self.device).manual_seed(int(seed))
        self.n_runs, self.n_arms = int(n_runs), int(means.shape[-1])
        self.noise = noise
        self.means = torch.as_tensor(
            np.broadcast_to(means, (self.n_runs, self.n_arms)).copy(), dtype=self.dtype
        ).to(self.device)
        self.best = self.means.max(dim=1).values

    def noise_draws(self, size: int) -> Any:
        """``size`` noise draws, from the batch's generator."""
        draws = torch_backend.draw_noise(self.noise, (size,), self.generator, self.dtype)
        zero = _torch().zeros((), dtype=self.dtype, device=self.device)
        return torch_backend.reward_transform(self.noise)(zero, draws)

    def step(self, actions: Any) -> tuple[Any, Any]:
        """``(rewards, regret)`` of one pull per run; ``actions`` is an int64 tensor ``(R,)``."""
        expected = self.means.gather(1, actions[:, None])[:, 0]
        return expected + self.noise_draws(self.n_runs), self.best - expected


def epsilon_greedy_step(
    batch: TorchBanditBatch, counts: Any, sums: Any, epsilon: float
) -> tuple[Any, Any]:
    """One EpsilonGreedy round of every run (untried arms first); updates ``counts``/``sums``."""
    torch = _torch()
    values = torch.where(counts > 0, sums / counts.clamp(min=1), torch.inf)
    greedy = values.argmax(dim=1)
    gen, dev = batch.generator, batch.device
    explore = torch.rand(batch.n_runs, generator=gen, device=dev) < epsilon
    uniform = torch.randint(batch.n_arms, (batch.n_runs,), generator=gen, device=dev)
    actions = torch.where(explore, uniform, greedy)
    rewards, regret = batch.step(actions)
    counts.scatter_add_(1, actions[:, None], torch.ones_like(rewards)[:, None])
    sums.scatter_add_(1, actions[:, None], rewards[:, None])
    return actions, regret


def gradient_bandit_step(batch: TorchBanditBatch, logits: Any, eta: float) -> tuple[Any, Any]:
    """One GradientBandit round (no baseline) of every run; updates ``logits`` in place."""
    torch = _torch()
    policy = torch.softmax(logits, dim=1)
    actions = torch.multinomial(policy, 1, generator=batch.generator)[:, 0]
    rewards, regret = batch.step(actions)
    gradient = -policy
    gradient.scatter_add_(1, actions[:, None], torch.ones_like(rewards)[:, None])
    logits.add_(eta * rewards[:, None] * gradient)
    return actions, regret


def compiled(step: Any) -> Any:
    """``torch.compile`` of a step function (falls back to eager where compile is unavailable)."""
    torch = _torch()
    return torch.compile(step, dynamic=False)

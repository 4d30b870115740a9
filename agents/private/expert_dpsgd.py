"""Behaviour cloning with expert-level DP-SGD on Opacus (the baseline of Sharma et al. 2024).

The privacy unit is one expert: Opacus sees one *sample* per expert, namely
the tensor of all that expert's transitions (padded, with a mask). The loss
of a sample is the expert's mean cross-entropy, so Opacus computes one
gradient per expert, clips it to ``max_grad_norm`` and adds Gaussian noise
of standard deviation ``noise_multiplier * max_grad_norm``. Experts are
Poisson-sampled with rate exactly ``sample_rate`` per step (Opacus
``DPDataLoader``). This is Algorithm 4 ("Expert-Level DP-SGD") of the
paper, with BC as the offline learner.

Accounting: dp_accounting's pessimistic PLD of ``steps`` Poisson-sampled
Gaussians at rate ``sample_rate``
(:func:`~rlsuite.agents.private.accounting.dpsgd_pld`); the same function
calibrates the noise (before any data is read) and reports the spend, so
``epsilon_spent <= target_epsilon`` always.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from rlsuite.agents.private._common import (
    ExpertData,
    PrivateLearner,
    as_expert_data,
    check_privacy,
    make_policy_net,
    require_privacy_extra,
)
from rlsuite.agents.private.accounting import (
    MAX_NOISE,
    ExpertSampling,
    calibrate,
    dpsgd_pld,
    expert_sampling,
    pld_interval,
)
from rlsuite.envs.validation import check_int, check_real

__all__ = ["DPSGDLearner", "ExpertDPSGD", "calibrated_dpsgd_noise", "run_expert_dpsgd"]

#: Defaults shared by ExpertDPSGD and ConsensusDP's DP-SGD stage. Expert sampling rate 0.1 and
#: 300 steps: each expert is seen ~30 times, the usual DP-SGD trade between steps (privacy
#: cost grows ~sqrt(steps)) and learning; clip norm 1 (per-expert gradient of a mean loss, of
#: order 1); Adam step 1e-2 (with only 300 noisy steps a smaller step barely moves the net);
#: at most 128 transitions per expert (bounds the per-expert tensor: 3000 x 128 x obs_dim).
SAMPLE_RATE, STEPS, MAX_GRAD_NORM, LEARNING_RATE, MAX_TRANSITIONS = 0.1, 300, 1.0, 1e-2, 128
#: Public (released) transitions per step in selective DP-SGD's noiseless part.
STABLE_BATCH = 256
#: Distinct (epsilon, delta, sample rate, steps) noise calibrations kept (each costs ~1-2 s).
_CALIBRATION_CACHE = 256
#: Seeds passed to torch.manual_seed are drawn below 2**31 (its documented int range).
SEED_BOUND = 2**31


class _PerExpert(nn.Module):
    """Apply the policy MLP to ``(experts, transitions, obs_dim)`` inputs."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(obs)


def _per_expert_loss(logits: torch.Tensor, actions: torch.Tensor, mask: torch.Tensor):
    ce = nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), actions.reshape(-1), reduction="none"
    ).reshape(actions.shape)
    return (ce * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


def run_expert_dpsgd(
    net: nn.Module,
    tensors: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    *,
    noise_multiplier: float,
    sampling: ExpertSampling,
    steps: int,
    max_grad_norm: float,
    lr: float,
    generator: torch.Generator,
    callbacks: Any,
    epsilon_after: Callable[[int], float],
    stable: tuple[np.ndarray, np.ndarray] | None = None,
    stable_batch: int = STABLE_BATCH,
    stable_weight: float = 1.0,
) -> int:
    """Train ``net`` with expert-level DP-SGD; return the number of steps taken.

    Opacus's ``GradSampleModule``, ``DPOptimizer`` and ``DPDataLoader`` are
    used directly (not ``PrivacyEngine``), so the loader samples at exactly
    ``sampling.rate`` and no second accountant exists. ``epsilon_after(k)``
    is the caller's accountant, handed to callbacks as ``epsilon_fn``.

    With ``stable=(obs, actions)`` each step also adds ``stable_weight`` times
    the *non-private* gradient of the BC loss on released (public) data to the
    noisy private gradient: the selective DP-SGD of the consensus learner.
    """
    opacus = require_privacy_extra("opacus")
    obs, actions, mask = tensors
    model = opacus.GradSampleModule(_PerExpert(net))
    optimizer = opacus.optimizers.DPOptimizer(
        torch.optim.Adam(net.parameters(), lr=lr),
        noise_multiplier=noise_multiplier,
        max_grad_norm=max_grad_norm,
        expected_batch_size=sampling.expected_batch_size,
        generator=generator,
    )
    loader = opacus.data_loader.DPDataLoader(
        torch.utils.data.TensorDataset(obs, actions, mask),
        sample_rate=sampling.rate,
        generator=generator,
    )
    if stable is not None and len(stable[1]):
        stable_obs = torch.as_tensor(stable[0], dtype=torch.float32)
        stable_act = torch.as_tensor(stable[1], dtype=torch.int64)
    else:
        stable = None
    batches = _forever(loader)
    try:
        for step in range(1, steps + 1):
            batch_obs, batch_actions, batch_mask = next(batches)
            optimizer.zero_grad()
            # An empty Poisson batch still takes a (pure-noise) step, as DP-SGD must.
            per_expert = _per_expert_loss(model(batch_obs), batch_actions, batch_mask)
            (per_expert.sum() / max(len(batch_obs), 1)).backward()
            if optimizer.pre_step():
                if stable is not None:
                    _add_stable_gradient(
                        model, net, stable_obs, stable_act, stable_batch, generator, stable_weight
                    )
                optimizer.original_optimizer.step()
            callbacks.update_locals(
                {"step": step, "epsilon_fn": functools.partial(epsilon_after, step)}
            )
            if not callbacks.on_step():
                return step
        return steps
    finally:
        model.remove_hooks()  # leave a plain nn.Module behind, without Opacus attributes
        model.cleanup()


def _forever(loader):
    """Endless Poisson batches: every pass of the loader draws fresh samples."""
    while True:
        yield from loader


def _add_stable_gradient(model, net, stable_obs, stable_act, batch, generator, weight) -> None:
    rows = torch.randint(len(stable_act), (min(batch, len(stable_act)),), generator=generator)
    model.disable_hooks()  # released data is public: no per-sample gradients, no clipping
    params = [p for p in net.parameters() if p.requires_grad]
    loss = weight * nn.functional.cross_entropy(net(stable_obs[rows]), stable_act[rows])
    grads = torch.autograd.grad(loss, params)
    model.enable_hooks()
    for param, grad in zip(params, grads):
        param.grad = grad if param.grad is None else param.grad + grad


@functools.lru_cache(maxsize=_CALIBRATION_CACHE)
def calibrated_dpsgd_noise(epsilon: float, delta: float, sample_rate: float, steps: int) -> float:
    """Smallest noise multiplier whose DP-SGD PLD epsilon is ``<= epsilon`` (cached: it is pure)."""

    def epsilon_of(noise: float, interval: float) -> float:
        pld = dpsgd_pld(noise, sample_rate, steps, interval)
        return float(pld.get_epsilon_for_delta(delta))

    return calibrate(epsilon_of, epsilon, pld_interval(epsilon))


class DPSGDLearner(PrivateLearner):
    """Base of the learners with an expert-level DP-SGD stage (ExpertDPSGD, ConsensusDP).

    It checks the privacy target and the DP-SGD settings (see
    :class:`ExpertDPSGD` for their meaning) and runs the stage; each subclass
    plans its noise (:meth:`plan`) and spends its own accountant.
    """

    def __init__(
        self,
        epsilon: float,
        delta: float,
        *,
        sample_rate: float,
        steps: int,
        max_grad_norm: float,
        learning_rate: float,
        max_transitions: int,
        hidden_sizes: Sequence[int],
        seed: int | np.random.Generator | None,
    ) -> None:
        super().__init__(hidden_sizes=hidden_sizes, seed=seed)
        self.target_epsilon, self.target_delta = check_privacy(epsilon, delta)
        self.sample_rate = check_real("sample_rate", sample_rate, 0.0, 1.0, low_open=True)
        self.steps = check_int("steps", steps)
        self.max_grad_norm = check_real("max_grad_norm", max_grad_norm, 0.0, low_open=True)
        self.learning_rate = check_real("learning_rate", learning_rate, 0.0, low_open=True)
        self.max_transitions = check_int("max_transitions", max_transitions)
        self.noise_multiplier = float("nan")
        self.steps_taken = 0
        self._plan_key: tuple | None = None

    def _train_dpsgd(
        self,
        data: ExpertData,
        callbacks: Any,
        epsilon_after: Callable[[int], float],
        release: Callable[[tuple[torch.Tensor, ...]], tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> nn.Module:
        """Run the DP-SGD stage on ``data`` (at the planned noise); return the trained net.

        ``release(tensors)``, given the per-expert tensors, returns the public
        ``(obs, actions)`` that selective DP-SGD adds without noise.
        """
        sampling = expert_sampling(data.n_experts, self.sample_rate)
        rng, generator = self._generators()
        # Scoped by PrivateLearner.fit (isolated_torch_rng): the caller's RNG is untouched.
        torch.manual_seed(int(rng.integers(SEED_BOUND)))
        tensors = data.per_expert(self.max_transitions, rng)
        selective: dict[str, Any] = {}
        if release is not None:
            stable = release(tensors)
            # Every transition of D_stable and D_unstable counts once, as in training on
            # their union: a few released transitions must not outweigh all the rest.
            weight = len(stable[1]) / (len(stable[1]) + len(data.actions))
            selective = {"stable": stable, "stable_weight": weight}
        net = make_policy_net(data.obs_dim, data.n_actions, self.hidden_sizes)
        self.steps_taken = run_expert_dpsgd(
            net,
            tensors,
            noise_multiplier=self.noise_multiplier,
            sampling=sampling,
            steps=self.steps,
            max_grad_norm=self.max_grad_norm,
            lr=self.learning_rate,
            generator=generator,
            callbacks=callbacks,
            epsilon_after=epsilon_after,
            **selective,
        )
        return net


class ExpertDPSGD(DPSGDLearner):
    """Expert-level DP-SGD behaviour cloning.

    Parameters
    ----------
    epsilon, delta : float
        Target expert-level privacy (``target_epsilon``, ``target_delta``);
        ``epsilon > 0``, ``delta`` in ``(0, 1)``.
    sample_rate : float
        Poisson sampling rate of experts per step, in ``(0, 1]``; used exactly.
    steps : int
        Number of DP-SGD steps.
    noise_multiplier : float or None
        ``None`` (default) calibrates the smallest noise meeting the target;
        a value is used as given, and refused (before any data is read) if it
        does not meet the target.
    max_grad_norm : float
        Clipping norm of one expert's gradient.
    learning_rate : float
        Adam learning rate.
    max_transitions : int
        Transitions kept per expert (random subset of that expert's data).
    hidden_sizes : sequence of int
        Widths of the hidden layers (``hidden=h`` is the deprecated ``(h, h)``).
    seed : int or None
        Seed of sampling, noise and initialisation.

    Attributes
    ----------
    target_epsilon, target_delta : float
        The requested guarantee.
    epsilon_spent, delta_spent : float
        Spent by the last :meth:`fit` (PLD of the steps taken; see
        :class:`~rlsuite.agents.private._common.PrivateLearner`).
    noise_multiplier : float
        The noise multiplier used (``nan`` before :meth:`plan`).
    accounting_interval : float
        PLD discretisation of the plan and the report:
        ``pld_interval(target_epsilon)``, or for a given ``noise_multiplier``
        ``pld_interval`` of its spend when that is below the target.
    steps_taken : int
        DP-SGD steps of the last fit (fewer than ``steps`` if a callback stopped it).
    """

    def __init__(
        self,
        epsilon: float = 5.0,
        delta: float = 1e-5,
        *,
        sample_rate: float = SAMPLE_RATE,
        steps: int = STEPS,
        noise_multiplier: float | None = None,
        max_grad_norm: float = MAX_GRAD_NORM,
        learning_rate: float = LEARNING_RATE,
        max_transitions: int = MAX_TRANSITIONS,
        hidden_sizes: Sequence[int] = (64, 64),
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(
            epsilon,
            delta,
            sample_rate=sample_rate,
            steps=steps,
            max_grad_norm=max_grad_norm,
            learning_rate=learning_rate,
            max_transitions=max_transitions,
            hidden_sizes=hidden_sizes,
            seed=seed,
        )
        self.noise_multiplier_arg = (
            None
            if noise_multiplier is None
            else check_real("noise_multiplier", noise_multiplier, 0.0, MAX_NOISE, low_open=True)
        )
        self.accounting_interval = pld_interval(self.target_epsilon)

    def epsilon_after(
        self, steps: int, noise_multiplier: float | None = None, interval: float | None = None
    ) -> float:
        """Epsilon at ``target_delta`` after ``steps`` DP-SGD steps (the one accountant).

        ``interval`` defaults to :attr:`accounting_interval`, the grid of both
        the plan and the report.
        """
        noise = self.noise_multiplier if noise_multiplier is None else noise_multiplier
        interval = self.accounting_interval if interval is None else interval
        pld = dpsgd_pld(noise, self.sample_rate, steps, interval)
        return float(pld.get_epsilon_for_delta(self.target_delta))

    def plan(self) -> tuple[float, float]:
        """Fix the noise multiplier (no data needed); return the worst-case spend."""
        key = (self.target_epsilon, self.target_delta, self.sample_rate, self.steps,
               self.noise_multiplier_arg)  # fmt: skip
        if self._plan_key != key:
            self.noise_multiplier = float("nan")
            self.accounting_interval = pld_interval(self.target_epsilon)
            if self.noise_multiplier_arg is None:
                noise = calibrated_dpsgd_noise(
                    self.target_epsilon, self.target_delta, self.sample_rate, self.steps
                )
            else:
                noise = self.noise_multiplier_arg
                # A given noise may spend far less than the target: refine the grid to the
                # spend, so the (pessimistic) report stays within 1 % of the exact value.
                rough = self.epsilon_after(self.steps, noise)
                self.accounting_interval = pld_interval(min(rough, self.target_epsilon))
                spent = self.epsilon_after(self.steps, noise)
                if spent > self.target_epsilon:
                    raise ValueError(
                        f"noise_multiplier={noise:g} spends epsilon={spent:g} in {self.steps} "
                        f"steps at sample_rate={self.sample_rate:g}, above the target "
                        f"epsilon={self.target_epsilon:g}; raise the noise or the target"
                    )
            self.noise_multiplier = noise
            self._planned = (self.epsilon_after(self.steps), self.target_delta)
            self._plan_key = key
        return self._planned

    def _train(self, dataset: Any, callbacks: Any) -> nn.Module:
        return self._train_dpsgd(as_expert_data(dataset), callbacks, self.epsilon_after)

    def _spent(self) -> tuple[float, float]:
        return self.epsilon_after(self.steps_taken), self.target_delta

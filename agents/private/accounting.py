"""Privacy accounting of the private learners, on ``dp_accounting`` (PLD and RDP).

* Expert-level DP-SGD: Poisson-sampled Gaussian, composed ``steps`` times.
* Consensus release (sparse vector technique + stability test): one
  ``(2 eps', delta')``-DP mechanism per released candidate, turned into a
  privacy-loss distribution with ``from_privacy_parameters``.
* PATE (Papernot et al. 2018): threshold checks are Gaussian mechanisms of
  sensitivity 1 (the top vote count), GNMax answers Gaussian mechanisms on a
  histogram of L2 sensitivity ``sqrt(2)``, composed in RDP.

Neighbouring datasets add or remove all the data of one expert.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from rlsuite.agents.private._common import require_privacy_extra

__all__ = [
    "CALIBRATION_INTERVAL",
    "PLD_INTERVAL",
    "bisect_decreasing",
    "compose_epsilon",
    "dpsgd_pld",
    "laplace_sum_tail",
    "pate_epsilon",
    "release_pld",
    "svt_threshold",
]

#: Discretisation of the PLDs we report (PLDs must agree to compose);
#: noise calibration uses the coarser CALIBRATION_INTERVAL plus a safety margin.
PLD_INTERVAL = 1e-3
CALIBRATION_INTERVAL = 1e-2


def dpsgd_pld(
    noise_multiplier: float, sample_rate: float, steps: int, interval: float = PLD_INTERVAL
):
    """PLD of ``steps`` Poisson-sampled Gaussian mechanisms (DP-SGD)."""
    pld = require_privacy_extra("dp_accounting.pld.privacy_loss_distribution")
    single = pld.from_gaussian_mechanism(
        noise_multiplier, sampling_prob=sample_rate, value_discretization_interval=interval
    )
    return single.self_compose(steps)


def release_pld(
    epsilon_prime: float, delta_prime: float, count: int, interval: float = PLD_INTERVAL
):
    """PLD of ``count`` consensus releases, each ``(2 eps', delta')``-DP."""
    pld = require_privacy_extra("dp_accounting.pld.privacy_loss_distribution")
    common = require_privacy_extra("dp_accounting.pld.common")
    params = common.DifferentialPrivacyParameters(2.0 * epsilon_prime, delta_prime)
    single = pld.from_privacy_parameters(params, value_discretization_interval=interval)
    return single.self_compose(count)


def compose_epsilon(plds: list, delta: float) -> float:
    """Epsilon at ``delta`` of the composition of several PLDs (``None`` entries skipped)."""
    plds = [p for p in plds if p is not None]
    if not plds:
        return 0.0
    total = plds[0]
    for other in plds[1:]:
        total = total.compose(other)
    return float(total.get_epsilon_for_delta(delta))


def laplace_sum_tail(x: float, b1: float, b2: float) -> float:
    """``P(X + Y >= x)`` for independent ``X ~ Lap(b1)``, ``Y ~ Lap(b2)``, ``x >= 0``."""
    if math.isclose(b1, b2):
        b = b1
        return 0.5 * math.exp(-x / b) * (1.0 + x / (2.0 * b))
    return (b1**2 * math.exp(-x / b1) - b2**2 * math.exp(-x / b2)) / (2.0 * (b1**2 - b2**2))


def svt_threshold(epsilon_prime: float, delta_prime: float) -> float:
    """Threshold ``T`` of the consensus release so a margin ``<= 1`` passes w.p. ``<= delta'``.

    The noisy test is ``g + Lap(2/eps') >= T + Lap(1/eps')``; it passes for a
    prefix with margin ``g <= 1`` with probability at most
    ``P(Lap(2/eps') + Lap(1/eps') >= T - 1)``, which we set to ``delta'``.
    """
    b1, b2 = 1.0 / epsilon_prime, 2.0 / epsilon_prime
    low, high = 0.0, 1.0
    while laplace_sum_tail(high, b1, b2) > delta_prime:
        high *= 2.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if laplace_sum_tail(mid, b1, b2) > delta_prime:
            low = mid
        else:
            high = mid
    return 1.0 + high


def bisect_decreasing(
    epsilon_of: Callable[[float], float], target: float, low: float, high: float, iters: int = 30
) -> float:
    """Smallest ``x`` in ``[low, high]`` (to tolerance) with ``epsilon_of(x) <= target``.

    ``epsilon_of`` must decrease in ``x`` (e.g. epsilon as a function of noise).
    """
    if epsilon_of(high) > target:
        raise ValueError(f"target epsilon={target} is not reachable with noise up to {high}")
    for _ in range(iters):
        mid = 0.5 * (low + high)
        if epsilon_of(mid) > target:
            low = mid
        else:
            high = mid
    return high


def pate_epsilon(
    sigma_threshold: float,
    sigma_gnmax: float,
    n_checks: int,
    n_answered: int,
    delta: float,
    orders: list[float] | None = None,
) -> float:
    """Data-independent RDP epsilon of Confident-GNMax (Papernot et al. 2018).

    A threshold check adds ``N(0, sigma1^2)`` to the top vote count
    (sensitivity 1: RDP ``lambda / (2 sigma1^2)``); a GNMax answer adds
    ``N(0, sigma2^2)`` to the vote histogram (L2 sensitivity ``sqrt(2)``:
    RDP ``lambda / sigma2^2``, Proposition 8 of the paper), i.e. a Gaussian
    event of noise multiplier ``sigma2 / sqrt(2)``.
    """
    dp_event = require_privacy_extra("dp_accounting.dp_event")
    rdp = require_privacy_extra("dp_accounting.rdp")
    accountant = rdp.RdpAccountant(orders=orders)
    if n_checks:
        accountant.compose(dp_event.GaussianDpEvent(sigma_threshold), n_checks)
    if n_answered:
        accountant.compose(dp_event.GaussianDpEvent(sigma_gnmax / math.sqrt(2.0)), n_answered)
    return float(accountant.get_epsilon(delta))

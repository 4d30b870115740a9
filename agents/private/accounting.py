"""Privacy accounting of the private learners, on ``dp_accounting`` (PLD and RDP).

One accountant per mechanism, used both to calibrate the noise and to report
what was spent, so the reported epsilon can never exceed the target:

* Expert-level DP-SGD (ExpertDPSGD, and the DP-SGD part of ConsensusDP): the
  Poisson-sampled Gaussian composed ``steps`` times, as a pessimistic
  privacy-loss distribution (dp_accounting PLD, add/remove one expert) at
  the discretisation :func:`pld_interval` of the target.
* Consensus release (ConsensusDP): one ``(epsilon, delta)``-DP mechanism per
  candidate, turned into its dominating PLD with ``from_privacy_parameters``
  and composed with the DP-SGD PLD.
* PATE (Papernot et al. 2018): threshold checks are Gaussian mechanisms of
  sensitivity 1 (the top vote count), GNMax answers Gaussian mechanisms on a
  histogram of L2 sensitivity ``sqrt(2)``, composed in RDP.

:func:`calibrate` finds the smallest noise whose epsilon, computed by the
very function that later reports it, is ``<= target``; the search ends on
a point where that holds, so the guarantee is exact, not within a margin.
:func:`expert_sampling` is the one place where the sampling arithmetic
lives: Opacus's ``DPDataLoader`` samples each expert with exactly the rate
it returns, and the accountant is given that same rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from scipy.optimize import brentq

from rlsuite.agents.private._common import require_privacy_extra
from rlsuite.envs.validation import check_int, check_real

__all__ = [
    "ExpertSampling",
    "calibrate",
    "compose_epsilon",
    "dpsgd_pld",
    "expert_sampling",
    "laplace_sum_tail",
    "pate_epsilon",
    "pld_interval",
    "release_pld",
    "svt_threshold",
]

#: Largest noise multiplier (or noise scale) the calibration searches; a target
#: that needs more is refused as unreachable before any data is read.
MAX_NOISE = 1e4


@dataclass(frozen=True)
class ExpertSampling:
    """Poisson sampling of experts: the rate the loader and the accountant both use.

    ``expected_batch_size`` (``round(rate * n_experts)``, at least 1) only
    normalises the summed clipped gradients (Opacus ``DPOptimizer``); it does
    not enter the privacy analysis.
    """

    rate: float
    expected_batch_size: int


def expert_sampling(n_experts: int, sample_rate: float) -> ExpertSampling:
    """The sampling of ``n_experts`` experts at ``sample_rate`` (Poisson, exact rate)."""
    n_experts = check_int("n_experts", n_experts)
    rate = check_real("sample_rate", sample_rate, 0.0, 1.0, low_open=True)
    return ExpertSampling(rate=rate, expected_batch_size=max(1, round(rate * n_experts)))


def pld_interval(target_epsilon: float) -> float:
    """PLD discretisation for a target: ``min(1e-3, target / 1000)``.

    A finer grid costs time (the FFT grid grows as 1 / interval) and the
    pessimistic PLD's excess over the exact epsilon shrinks with it; at
    ``target / 1000`` the excess stays well under 1 % of the target (see the
    property test against dp_accounting at a 10x finer grid).
    """
    return min(1e-3, target_epsilon / 1000.0)


def dpsgd_pld(noise_multiplier: float, sample_rate: float, steps: int, interval: float):
    """Pessimistic PLD of ``steps`` Poisson-sampled Gaussian mechanisms (DP-SGD)."""
    pld = require_privacy_extra("dp_accounting.pld.privacy_loss_distribution")
    single = pld.from_gaussian_mechanism(
        noise_multiplier, sampling_prob=sample_rate, value_discretization_interval=interval
    )
    return single.self_compose(steps)


def release_pld(epsilon: float, delta: float, count: int, interval: float):
    """PLD of ``count`` independent ``(epsilon, delta)``-DP releases."""
    pld = require_privacy_extra("dp_accounting.pld.privacy_loss_distribution")
    common = require_privacy_extra("dp_accounting.pld.common")
    params = common.DifferentialPrivacyParameters(epsilon, delta)
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


def calibrate(
    epsilon_of: Callable[[float, float], float],
    target: float,
    interval: float,
    *,
    low: float = 0.3,
    high: float = MAX_NOISE,
    rtol: float = 1e-3,
    name: str = "noise_multiplier",
) -> float:
    """Smallest noise ``x`` (to relative ``rtol``) with ``epsilon_of(x, interval) <= target``.

    ``epsilon_of(x, interval)`` must decrease in ``x``; at ``interval`` it is
    the function that reports the privacy spent, and the returned ``x``
    always satisfies ``epsilon_of(x, interval) <= target`` (a bracket whose
    upper end is feasible, Brent's method in ``log x`` inside it, and a final
    feasibility check). A first search at a 10x
    coarser discretisation brackets the answer cheaply (small noise is what
    makes a fine PLD slow). If ``epsilon_of(low, interval) <= target``,
    ``low`` is returned. Raises ``ValueError`` if even ``high`` is not enough.
    """
    memo: dict[tuple[float, float], float] = {}

    def at(x: float, grid: float) -> float:
        if (x, grid) not in memo:
            memo[x, grid] = epsilon_of(x, grid)
        return memo[x, grid]

    def fine(x: float) -> float:
        return at(x, interval)

    if fine(high) > target:
        raise ValueError(
            f"target epsilon={target:g} is not reachable: even {name}={high:g} spends "
            f"epsilon={fine(high):g}; raise epsilon, or lower steps or sample_rate"
        )
    coarse = 10.0 * interval
    lo, hi = low, high
    if at(lo, coarse) > target:
        while hi / lo > 1.2:
            mid = math.sqrt(lo * hi)
            lo, hi = (mid, hi) if at(mid, coarse) > target else (lo, mid)
    # Widen [lo, hi] until it brackets the fine answer: fine(hi) <= target < fine(lo).
    while hi < high and fine(hi) > target:
        lo, hi = hi, min(high, hi * 1.5)
    while lo > low and fine(lo) <= target:
        lo, hi = max(low, lo / 1.5), lo
    if fine(lo) <= target:
        return lo
    # Brent's method on log-epsilon against log-noise (smooth, so a few evaluations),
    # then one step up if its root is on the wrong side: the answer is always feasible.
    root = math.exp(
        brentq(lambda u: math.log(fine(math.exp(u)) / target), math.log(lo), math.log(hi),
               xtol=rtol / 2)
    )  # fmt: skip
    for candidate in (root, root * (1.0 + rtol)):
        if candidate <= hi and fine(candidate) <= target:
            return candidate
    return hi


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

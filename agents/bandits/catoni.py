"""Catoni's robust estimators, shared by the heavy-tailed bandit agents.

Catoni (2012) replaces the square loss's linear influence by

    psi(x) = sign(x) * log(1 + |x| + x^2 / 2),

which grows only logarithmically, so a single huge reward moves the estimate
by ``O(log |x| / alpha)`` instead of ``O(|x| / n)``. This module holds

* :func:`catoni_mean`: the root of ``sum_i w_i psi(alpha (x_i - mu)) = 0``
  (a safeguarded Newton iteration, vectorised over leading axes);
* :func:`catoni_alpha` / :func:`catoni_deviation`: the scale and the
  high-probability deviation of Catoni's estimator for a variance bound;
* :func:`irls_linear`: a weighted linear M-estimator
  ``argmin_theta sum_s w_s rho(alpha z_s) / alpha^2 + lam / 2 ||theta||^2``
  with whitened residuals ``z_s = (y_s - <x_s, theta>) / sigma_s``, solved by
  iteratively reweighted least squares. ``rho`` is Catoni's ``int psi`` or
  Huber's loss (:func:`catoni_irls_weights`, :func:`huber_irls_weights`).

Both losses are convex and ``psi(z) / z`` is non-increasing in ``|z|``, so
IRLS is a majorise-minimise scheme and decreases the objective every step.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from rlsuite.agents.bandits._compiled import irls_fit_rows

__all__ = [
    "catoni_alpha",
    "catoni_deviation",
    "catoni_irls_weights",
    "catoni_mean",
    "huber_irls_weights",
    "irls_linear",
    "irls_linear_batched",
    "irls_linear_batched_numpy",
    "psi",
]


def psi(x: np.ndarray) -> np.ndarray:
    """Catoni's influence function ``sign(x) log(1 + |x| + x^2 / 2)``."""
    x = np.asarray(x, dtype=np.float64)
    return np.sign(x) * _log_catoni(np.abs(x))


def _log_catoni(a: np.ndarray) -> np.ndarray:
    """``log(1 + a + a^2 / 2)`` for ``a >= 0``, without overflow.

    ``log1p`` keeps full precision near 0, where ``psi(x) ~ x``; beyond
    ``a = 1e100``, where ``a^2`` overflows, ``2 log a - log 2`` is the same
    value to a relative error below 1e-100 (``inf`` at ``a = inf``).
    """
    large = a > 1e100
    moderate = np.where(large, 0.0, a)
    with np.errstate(divide="ignore"):
        return np.where(
            large,
            2.0 * np.log(np.where(large, a, 1.0)) - math.log(2.0),
            np.log1p(moderate + 0.5 * moderate * moderate),
        )


def catoni_irls_weights(z: np.ndarray) -> np.ndarray:
    """IRLS weights ``psi(z) / z`` (1 at ``z = 0``), in ``(0, 1]``."""
    z = np.asarray(z, dtype=np.float64)
    a = np.abs(z)
    # 1 at a <= 1e-8 (and NaN); log(a) / a -> 0 at a = inf.
    safe = np.where(a > 1e-8, a, 1.0)
    weights = np.where(np.isinf(safe), 0.0, _log_catoni(np.where(np.isinf(safe), 1.0, safe)) / safe)
    return np.where(a > 1e-8, weights, 1.0)


def huber_irls_weights(z: np.ndarray) -> np.ndarray:
    """IRLS weights of Huber's loss with threshold 1: ``min(1, 1 / |z|)``."""
    a = np.abs(np.asarray(z, dtype=np.float64))
    return 1.0 / np.maximum(a, 1.0)


def catoni_alpha(n: np.ndarray | float, variance: float, delta: float) -> np.ndarray:
    """Catoni's scale for ``n`` samples of variance at most ``variance``.

    ``alpha = sqrt(2 L / (n (v + 2 v L / (n - 2 L))))`` with ``L = log(1/delta)``
    (Catoni 2012; Bubeck, Cesa-Bianchi & Lugosi 2013, Lemma 13). Where
    ``n <= 2 L`` the bound is void and ``alpha = sqrt(2 L / (n v))`` is used.
    """
    n = np.asarray(n, dtype=np.float64)
    log_term = np.log(1.0 / delta)
    denominator = np.where(n > 2 * log_term, n - 2 * log_term, np.inf)
    return np.sqrt(2 * log_term / (n * (variance + 2 * variance * log_term / denominator)))


def catoni_deviation(n: np.ndarray | float, variance: float, delta: float) -> np.ndarray:
    """With probability ``>= 1 - 2 delta``, ``|mu_hat - mu|`` is at most this.

    ``sqrt(2 v L / (n - 2 L))``, ``L = log(1/delta)``; ``inf`` for ``n <= 2 L``.
    """
    n = np.asarray(n, dtype=np.float64)
    log_term = np.log(1.0 / delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.sqrt(2 * variance * log_term / (n - 2 * log_term))
    return np.where(n > 2 * log_term, bound, np.inf)


def catoni_mean(
    samples: np.ndarray,
    alpha: np.ndarray | float,
    weights: np.ndarray | None = None,
    *,
    initial: np.ndarray | None = None,
    tol: float = 1e-9,
    max_iter: int = 100,
) -> np.ndarray:
    """Catoni's M-estimate of the mean along the last axis.

    Solves ``sum_i w_i psi(alpha (x_i - mu)) = 0``. The left side decreases
    strictly in ``mu`` and changes sign on ``[min x, max x]``, so a Newton
    step is taken when it stays inside the current bracket and bisection
    otherwise. Entries with zero weight are ignored (use them as padding);
    a row without positive weight returns ``nan``.

    Parameters
    ----------
    samples : numpy.ndarray
        Shape ``(..., n)``.
    alpha : float or numpy.ndarray
        Scale, broadcastable to ``samples.shape[:-1]``, ``> 0``.
    weights : numpy.ndarray or None
        Non-negative weights of the same shape as ``samples`` (default 1).
    initial : numpy.ndarray or None
        Starting points (e.g. a previous estimate), clipped into the sample
        range; default the weighted sample mean.
    tol : float
        Stop once every Newton/bisection step moves by less than ``tol``
        times the sample range.
    max_iter : int
        Iteration cap.

    Returns
    -------
    numpy.ndarray
        Shape ``samples.shape[:-1]``.
    """
    x = np.asarray(samples, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    alpha = np.broadcast_to(np.asarray(alpha, dtype=np.float64), x.shape[:-1])[..., None]
    active = w > 0
    lo = np.where(active, x, np.inf).min(axis=-1)
    hi = np.where(active, x, -np.inf).max(axis=-1)
    empty = ~active.any(axis=-1)
    lo, hi = np.where(empty, 0.0, lo), np.where(empty, 0.0, hi)
    total = np.maximum(w.sum(axis=-1), 1e-300)
    if initial is None:
        mu = (w * np.where(active, x, 0.0)).sum(axis=-1) / total
    else:
        mu = np.where(np.isfinite(initial), initial, 0.5 * (lo + hi))
    mu = np.clip(mu, lo, hi)
    span = np.maximum(hi - lo, 1e-300)
    x = np.where(active, x, 0.0)
    for _ in range(max_iter):
        z = alpha * (x - mu[..., None])
        a = np.abs(z)
        q = 1.0 + a + 0.5 * a * a
        value = (w * np.copysign(np.log(q), z)).sum(axis=-1)
        slope = alpha[..., 0] * (w * (1.0 + a) / q).sum(axis=-1)
        lo = np.where(value > 0, mu, lo)
        hi = np.where(value < 0, mu, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = mu + value / slope
        inside = (newton > lo) & (newton < hi) & np.isfinite(newton)
        proposal = np.where(inside, newton, 0.5 * (lo + hi))
        step = np.abs(proposal - mu)
        mu = proposal
        if np.all(step <= tol * span):
            break
    return np.where(empty, np.nan, mu)


def irls_linear(
    features: np.ndarray,
    targets: np.ndarray,
    alpha: float | np.ndarray,
    *,
    sigmas: np.ndarray | None = None,
    sample_weights: np.ndarray | None = None,
    lam: float = 1.0,
    irls_weights: Callable[[np.ndarray], np.ndarray] = catoni_irls_weights,
    theta0: np.ndarray | None = None,
    tol: float = 1e-8,
    max_iter: int = 50,
) -> np.ndarray:
    """Weighted robust linear regression by iteratively reweighted least squares.

    Minimises ``sum_s w_s rho(alpha z_s) / alpha^2 + lam / 2 ||theta||^2`` with
    ``z_s = (y_s - <x_s, theta>) / sigma_s``. For ``rho' = psi`` (Catoni) the
    first-order condition is ``sum_s w_s psi(alpha z_s) x_s / (alpha sigma_s)
    = lam theta``: Catoni's mean equation, with the linear class in place of
    the constant.

    Parameters
    ----------
    features : numpy.ndarray
        ``(n, d)`` design.
    targets : numpy.ndarray
        ``(n,)`` responses.
    alpha : float or numpy.ndarray
        Scale of the whitened residuals, scalar or ``(n,)`` per sample
        (``1 / tau_s`` for Huber with thresholds ``tau_s``).
    sigmas : numpy.ndarray or None
        ``(n,)`` per-sample noise levels ``sigma_s > 0`` (default 1).
    sample_weights : numpy.ndarray or None
        ``(n,)`` non-negative weights ``w_s`` (default 1).
    lam : float
        Ridge parameter, ``> 0``.
    irls_weights : callable
        ``rho'(z) / z`` of the loss (:func:`catoni_irls_weights` or
        :func:`huber_irls_weights`).
    theta0 : numpy.ndarray or None
        Warm start (default: the ridge solution).
    tol : float
        Stop when ``||theta_new - theta|| <= tol (1 + ||theta||)``.
    max_iter : int
        Iteration cap.

    Returns
    -------
    numpy.ndarray
        ``(d,)`` estimate.
    """
    x = np.asarray(features, dtype=np.float64)
    n = x.shape[0]
    # One problem of the batched solver: a single implementation of the IRLS loop.
    return irls_linear_batched(
        x[None],
        np.asarray(targets, dtype=np.float64)[None],
        np.broadcast_to(np.asarray(alpha, dtype=np.float64), (n,))[None],
        sigmas=np.ones((1, n)) if sigmas is None else np.asarray(sigmas, dtype=np.float64)[None],
        mask=np.ones((1, n), dtype=bool),
        sample_weights=None if sample_weights is None else np.asarray(sample_weights)[None],
        lam=lam,
        irls_weights=irls_weights,
        theta0=None if theta0 is None else np.asarray(theta0, dtype=np.float64)[None],
        tol=tol,
        max_iter=max_iter,
    )[0]


def irls_linear_batched(
    features: np.ndarray,
    targets: np.ndarray,
    alpha: np.ndarray,
    *,
    sigmas: np.ndarray,
    mask: np.ndarray,
    sample_weights: np.ndarray | None = None,
    lam: float = 1.0,
    irls_weights: Callable[[np.ndarray], np.ndarray] = catoni_irls_weights,
    theta0: np.ndarray | None = None,
    tol: float = 1e-8,
    max_iter: int = 50,
) -> np.ndarray:
    """:func:`irls_linear` for ``B`` independent problems at once, padded to one length.

    ``features`` is ``(B, n, d)``, ``targets``, ``sigmas`` and ``mask`` (True
    where a sample exists) ``(B, n)``, ``alpha`` ``(B,)`` or ``(B, n)``,
    ``theta0`` ``(B, d)``, ``sample_weights`` (optional) ``(B, n)``. Padded samples
    get weight 0, so each row solves its own problem.

    The iteration is :func:`irls_linear_batched_numpy` (its readable
    statement). For Catoni's and Huber's weights it runs compiled, one
    problem per call of :func:`~rlsuite.agents.bandits._compiled.irls_fit`:
    in NumPy each step of these small problems is mostly call overhead. Other
    weight functions run the NumPy loop.
    """
    if irls_weights is catoni_irls_weights or irls_weights is huber_irls_weights:
        inv_sigma, base, alpha = _irls_inputs(targets, alpha, sigmas, mask, sample_weights)
        d = np.shape(features)[-1]
        warm = theta0 is not None
        theta = np.array(theta0, dtype=np.float64) if warm else np.zeros((inv_sigma.shape[0], d))
        irls_fit_rows(
            np.ascontiguousarray(features, dtype=np.float64),
            np.ascontiguousarray(targets, dtype=np.float64),
            inv_sigma,
            np.ascontiguousarray(base, dtype=np.float64),
            np.ascontiguousarray(alpha),
            irls_weights is huber_irls_weights,
            float(lam),
            theta,
            warm,
            float(tol),
            int(max_iter),
        )
        return theta
    return irls_linear_batched_numpy(
        features,
        targets,
        alpha,
        sigmas=sigmas,
        mask=mask,
        sample_weights=sample_weights,
        lam=lam,
        irls_weights=irls_weights,
        theta0=theta0,
        tol=tol,
        max_iter=max_iter,
    )


def _irls_inputs(
    targets: np.ndarray,
    alpha: np.ndarray,
    sigmas: np.ndarray,
    mask: np.ndarray,
    sample_weights: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(1 / sigma, base weight, alpha)`` per sample, ``(B, n)``; 0 for padding."""
    shape = np.shape(targets)
    inv_sigma = np.where(mask, 1.0 / np.asarray(sigmas, dtype=np.float64), 0.0)
    base = inv_sigma**2 if sample_weights is None else inv_sigma**2 * sample_weights
    alpha = np.asarray(alpha, dtype=np.float64)
    alpha = np.broadcast_to(alpha[:, None] if alpha.ndim == 1 else alpha, shape)
    return inv_sigma, base, alpha


def irls_linear_batched_numpy(
    features: np.ndarray,
    targets: np.ndarray,
    alpha: np.ndarray,
    *,
    sigmas: np.ndarray,
    mask: np.ndarray,
    sample_weights: np.ndarray | None = None,
    lam: float = 1.0,
    irls_weights: Callable[[np.ndarray], np.ndarray] = catoni_irls_weights,
    theta0: np.ndarray | None = None,
    tol: float = 1e-8,
    max_iter: int = 50,
) -> np.ndarray:
    """:func:`irls_linear_batched` in NumPy, for any weight function ``irls_weights``.

    The readable statement of the IRLS iteration (and the reference the
    compiled kernel is tested against): start from the ridge solution with
    weights ``1 / sigma^2`` (times ``sample_weights``) or from ``theta0``;
    each step solves the weighted ridge problem with weights
    ``irls_weights(alpha z)`` at the current estimate; a row stops once its
    step is at most ``tol (1 + ||theta||)``, and is frozen while the rest iterate.
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(targets, dtype=np.float64)
    n_problems, _, d = x.shape
    inv_sigma, base, alpha = _irls_inputs(y, alpha, sigmas, mask, sample_weights)
    ridge = lam * np.eye(d)

    def solve(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
        weighted = x * weights[..., None]
        gram = np.swapaxes(x, 1, 2) @ weighted + ridge
        return np.linalg.solve(gram, (np.swapaxes(weighted, 1, 2) @ y[..., None]))[..., 0]

    if theta0 is None:
        theta = solve(x, y, base)
    else:
        theta = np.array(theta0, dtype=np.float64)
    # Rows still iterating; the arrays are cut down to them as rows converge,
    # so a converged row costs nothing more (its estimate is kept as it is).
    rows = np.arange(n_problems)
    xs, ys, inv_s, bs, alphas = x, y, inv_sigma, base, alpha
    for _ in range(max_iter):
        current = theta[rows]
        residuals = (ys - (xs @ current[..., None])[..., 0]) * inv_s
        new_theta = solve(xs, ys, bs * irls_weights(alphas * residuals))
        theta[rows] = new_theta
        step = np.sqrt(((new_theta - current) ** 2).sum(axis=1))
        still = step > tol * (1.0 + np.sqrt((new_theta**2).sum(axis=1)))
        if not still.any():
            break
        if not still.all():
            rows = rows[still]
            xs, ys, inv_s, bs, alphas = xs[still], ys[still], inv_s[still], bs[still], alphas[still]
    return theta

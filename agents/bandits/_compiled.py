"""Compiled (numba) kernels of the robust linear bandit agents.

The robust agents refit a weighted M-estimator from their whole history by
iteratively reweighted least squares (IRLS). In NumPy each IRLS step of one
problem is a handful of array calls on small ``(d, d)`` and ``(n,)`` arrays,
so at the sizes the agents meet (``d ~ 10``, ``n`` up to ``10^4``) most of
the time is call overhead, not arithmetic. The kernels here run the same
iteration in one compiled call per problem.

* :func:`irls_fit` is one problem of
  :func:`~rlsuite.agents.bandits.catoni.irls_linear_batched`: the same
  start (the ridge solution, or a warm start), the same weights, the same
  stopping rule and the same sums ``X^T W X`` and ``X^T W y``, then an LU
  solve, so it returns the same estimate to float tolerance. It takes the
  features as ``(d, n)``, one contiguous row per feature, so that every sum
  over samples is a vectorised loop (taken in SIMD lanes, over blocks of
  1024 samples that stay in the cache): at ``d = 10``, ``n = 7000`` a step
  costs about half of what BLAS ``X^T (W X)`` on ``(n, d)`` rows with the
  weighting loop around it cost.
  ``irls_linear_batched`` is the readable statement of the iteration;
  ``tests/agents/bandits/test_compiled_irls.py`` checks the two agree.
* :func:`irls_fit_rows` runs :func:`irls_fit` over several problems stored
  as rows of padded ``(B, n, d)`` arrays.

Samples whose ``base`` weight is 0 (padding) get IRLS weight 0 and add nothing.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["fitted_values", "irls_fit", "irls_fit_rows", "refit_histories", "whiten_and_store"]


# Samples per block of the sums: the d + 2 rows of a block that the sums read
# (features, targets, weights) stay in the L1/L2 cache over its d (d + 3) / 2 passes.
_BLOCK = 1024
_LOG_2 = math.log(2.0)

# Reassociation lets LLVM vectorise the sums over samples (each sum is then taken in
# SIMD lanes, a different order from a sequential loop) and contraction lets it fuse a
# multiply and an add: the results agree to rounding. Nothing else is relaxed: NaN and
# inf keep their IEEE meaning.
_SUMS = {"reassoc", "contract"}


@numba.njit(cache=True)
def _catoni_weight(a):
    """Catoni's IRLS weight ``psi(a) / a = log1p(a + a^2 / 2) / a`` for ``a = |alpha z|``.

    1 at ``a <= 1e-8`` (and for NaN, as :func:`~rlsuite.agents.bandits.catoni.catoni_irls_weights`);
    beyond ``a = 1e100``, where ``a^2`` would overflow, the same value from
    ``(2 log a - log 2) / a`` (relative error below 1e-100); 0 at ``a = inf``.
    """
    if not a > 1e-8:
        return 1.0
    if a > 1e100:
        return 0.0 if math.isinf(a) else (2.0 * math.log(a) - _LOG_2) / a
    return math.log1p(a + 0.5 * a * a) / a


@numba.njit(cache=True, fastmath=_SUMS)
def fitted_values(xt, theta, out):
    """``out[s] = <x_s, theta>`` for the ``n = out.shape[0]`` samples (columns) of ``xt``.

    ``xt`` is ``(d, cap)`` with ``cap >= n``, sample ``s`` in column ``s``
    (rows contiguous, so the loop over samples is vectorised).
    """
    n = out.shape[0]
    for s in range(n):
        out[s] = 0.0
    for j in range(theta.shape[0]):
        t = theta[j]
        row = xt[j, :n]
        for s in range(n):
            out[s] += t * row[s]


@numba.njit(cache=True, fastmath=_SUMS)
def _add_block_sums(xt, y, w, start, stop, gram, rhs, wx):
    """Add ``sum w_s x_s x_s^T`` (lower triangle) and ``sum w_s y_s x_s`` over ``start:stop``.

    Row by row: ``wx = w * x_j`` once (``wx`` is ``(>= stop - start,)`` scratch),
    then its sums with ``y`` and with the rows ``x_k``, ``k <= j``, four rows
    per pass over the block (each ``wx[s]`` loaded once for four sums; 30 %
    less time than one pass per sum at ``d = 10``).
    """
    d = gram.shape[0]
    m = stop - start
    ws = w[start:stop]
    ys = y[start:stop]
    for j in range(d):
        xj = xt[j, start:stop]
        for s in range(m):
            wx[s] = ws[s] * xj[s]
        acc = 0.0
        for s in range(m):
            acc += wx[s] * ys[s]
        rhs[j] += acc
        k = 0
        while k + 3 <= j:
            x0, x1 = xt[k, start:stop], xt[k + 1, start:stop]
            x2, x3 = xt[k + 2, start:stop], xt[k + 3, start:stop]
            acc0 = acc1 = acc2 = acc3 = 0.0
            for s in range(m):
                v = wx[s]
                acc0 += v * x0[s]
                acc1 += v * x1[s]
                acc2 += v * x2[s]
                acc3 += v * x3[s]
            gram[j, k] += acc0
            gram[j, k + 1] += acc1
            gram[j, k + 2] += acc2
            gram[j, k + 3] += acc3
            k += 4
        while k <= j:
            xk = xt[k, start:stop]
            acc = 0.0
            for s in range(m):
                acc += wx[s] * xk[s]
            gram[j, k] += acc
            k += 1


@numba.njit(cache=True)
def _weighted_ridge(xt, y, inv_sigma, base, alpha, huber, lam, theta, reweight, w, wx):
    """``(X^T W X + lam I)^-1 X^T W y`` for the IRLS weights ``W`` at ``theta``.

    ``W = base * rho'(alpha z) / (alpha z)`` with ``z = (y - X theta)
    inv_sigma`` when ``reweight``, else ``W = base`` (the ridge start); 0 where
    ``base`` is 0 (padding). ``xt`` is ``(d, cap)``, sample ``s`` in column
    ``s``; ``n = y.shape[0]``; ``w`` (``(n,)``) and ``wx`` (``(_BLOCK,)``)
    are scratch space. The sums are taken over blocks of ``_BLOCK`` samples,
    in SIMD lanes.
    """
    d, n = xt.shape[0], y.shape[0]
    if reweight:
        fitted_values(xt, theta, w)
        for s in range(n):
            weight = base[s]
            if weight != 0.0:
                a = abs(alpha[s] * ((y[s] - w[s]) * inv_sigma[s]))
                weight = weight * (1.0 / max(a, 1.0) if huber else _catoni_weight(a))
            w[s] = weight
    else:
        w[:] = base
    gram = np.zeros((d, d))
    rhs = np.zeros(d)
    for start in range(0, n, _BLOCK):
        _add_block_sums(xt, y, w, start, min(start + _BLOCK, n), gram, rhs, wx)
    finite = True
    for j in range(d):
        for k in range(j):
            gram[k, j] = gram[j, k]
        gram[j, j] += lam
        for k in range(j + 1):
            finite = finite and math.isfinite(gram[j, k])
        finite = finite and math.isfinite(rhs[j])
    if not finite:
        # Rewards near the float range can overflow the sums. NumPy's LAPACK solve
        # then returns NaN, numba's raises: keep NumPy's answer.
        return np.full(d, np.nan)
    return np.linalg.solve(gram, rhs)


@numba.njit(cache=True)
def irls_fit(xt, y, inv_sigma, base, alpha, huber, lam, theta, warm, tol, max_iter):
    """IRLS for one weighted robust linear regression, in place on ``theta``.

    Minimises ``sum_s base_s rho(alpha_s z_s) / alpha_s^2 + lam / 2 ||theta||^2``
    with ``z_s = (y_s - <x_s, theta>) inv_sigma_s``: each step solves the
    weighted ridge problem with weights ``base_s rho'(alpha_s z_s) / (alpha_s z_s)``
    at the current ``theta``, until ``||theta_new - theta|| <= tol (1 +
    ||theta_new||)`` or ``max_iter`` steps.

    Parameters
    ----------
    xt : numpy.ndarray
        ``(d, cap)`` features, float64, C-contiguous, sample ``s`` in column
        ``s`` for ``s < n`` (columns from ``n`` on are not read): the layout in
        which the sums over samples are vectorised.
    y : numpy.ndarray
        ``(n,)`` targets; ``n = y.shape[0]`` is the sample count.
    inv_sigma : numpy.ndarray
        ``(n,)`` inverse noise levels ``1 / sigma_s``.
    base : numpy.ndarray
        ``(n,)`` weights ``inv_sigma_s^2 w_s`` (``w_s``: sample weight); 0 marks
        padding, which adds nothing.
    alpha : numpy.ndarray
        ``(n,)`` per-sample scale of the whitened residuals.
    huber : bool
        False: Catoni's loss, weights ``log1p(a + a^2 / 2) / a`` (1 at
        ``a <= 1e-8``, overflow-safe for huge ``a``: :func:`_catoni_weight`);
        True: Huber's, ``1 / max(a, 1)`` (``a = |alpha z|``).
    lam : float
        Ridge parameter.
    theta : numpy.ndarray
        ``(d,)`` warm start (read when ``warm``), overwritten by the estimate.
    warm : bool
        Start from ``theta``; else from the ridge solution with weights ``base``.
    tol : float
        Relative step tolerance.
    max_iter : int
        Iteration cap.

    Returns
    -------
    int
        IRLS steps taken (not counting the ridge start).
    """
    d = xt.shape[0]
    w, wx = np.empty(y.shape[0]), np.empty(_BLOCK)
    if not warm:
        theta[:] = _weighted_ridge(xt, y, inv_sigma, base, alpha, huber, lam, theta, False, w, wx)
    steps = 0
    for _ in range(max_iter):
        new = _weighted_ridge(xt, y, inv_sigma, base, alpha, huber, lam, theta, True, w, wx)
        steps += 1
        step = 0.0
        size = 0.0
        for j in range(d):
            step += (new[j] - theta[j]) ** 2
            size += new[j] * new[j]
            theta[j] = new[j]
        if not math.sqrt(step) > tol * (1.0 + math.sqrt(size)):
            break
    return steps


@numba.njit(cache=True)
def irls_fit_rows(x, y, inv_sigma, base, alpha, huber, lam, theta, warm, tol, max_iter):
    """:func:`irls_fit` for each row ``b`` of ``(B, n, d)``, ``(B, n)`` and ``(B, d)`` arrays.

    Each row's ``(n, d)`` features are copied once into the ``(d, n)`` layout
    of :func:`irls_fit`. Returns the ``(B,)`` steps taken per row.
    """
    steps = np.empty(x.shape[0], dtype=np.int64)
    for b in range(x.shape[0]):
        steps[b] = irls_fit(
            np.ascontiguousarray(x[b].T),
            y[b],
            inv_sigma[b],
            base[b],
            alpha[b],
            huber,
            lam,
            theta[b],
            warm,
            tol,
            max_iter,
        )
    return steps


@numba.njit(cache=True)
def whiten_and_store(
    x,
    rewards,
    sigma,
    sigma_min,
    gamma,
    v_inv,
    logdet,
    x_hist,
    y_hist,
    level_hist,
    slot,
    uncertainty,
):
    """One round of the variance-weighted OFUL update, per run ``r``, in place.

    With ``u = ||x_r||_{V^-1}``: the whitening level ``sigma_bar = max(sigma_r,
    sigma_min, gamma sqrt(u))``; the sample ``(x_r, reward_r, sigma_bar)`` stored
    at ``slot`` of run ``r``'s history; ``V^-1`` and ``log det V`` updated to
    ``V + x x^T / sigma_bar^2`` by Sherman-Morrison (``V^-1 x`` formed once).
    ``u`` is written to ``uncertainty[r]``.

    This is ``WeightedRobustOFUL._add_samples``'s update; the method's
    docstring states it.
    """
    n_runs, d = x.shape
    vx = np.empty(d)
    for r in range(n_runs):
        quad = 0.0
        for i in range(d):
            acc = 0.0
            for j in range(d):
                acc += v_inv[r, i, j] * x[r, j]
            vx[i] = acc
            quad += x[r, i] * acc
        quad = max(quad, 0.0)
        u = math.sqrt(quad)
        level = max(max(sigma[r], sigma_min), gamma * math.sqrt(u))
        uncertainty[r] = u
        for j in range(d):
            x_hist[r, slot, j] = x[r, j]
        y_hist[r, slot] = rewards[r]
        level_hist[r, slot] = level
        inv_level = 1.0 / level
        quad_z = quad * inv_level * inv_level
        shrink = 1.0 + quad_z
        for i in range(d):
            vx[i] *= inv_level
        for i in range(d):
            for j in range(d):
                v_inv[r, i, j] -= vx[i] * (vx[j] / shrink)
        logdet[r] += math.log1p(quad_z)


@numba.njit(cache=True)
def refit_histories(
    x_hist, y_hist, level_hist, aux_hist, n, runs, scale, huber, lam, theta, tol, max_iter
):
    """Warm-started :func:`irls_fit` of each run in ``runs`` from its first ``n`` samples.

    Run ``runs[i]`` has ``inv_sigma = 1 / level``, ``base = inv_sigma^2`` and
    ``alpha = scale[i] * aux`` per sample; its row of ``theta`` is refit in
    place. A run's ``(n, d)`` features are copied once per refit into the
    ``(d, n)`` layout of :func:`irls_fit` (one pass over them, against one per
    IRLS step); the other histories are read where they are stored.
    """
    for i in range(runs.shape[0]):
        r = runs[i]
        inv_sigma = 1.0 / level_hist[r, :n]
        base = inv_sigma * inv_sigma
        alpha = scale[i] * aux_hist[r, :n]
        irls_fit(
            np.ascontiguousarray(x_hist[r, :n].T),
            y_hist[r, :n],
            inv_sigma,
            base,
            alpha,
            huber,
            lam,
            theta[r],
            True,
            tol,
            max_iter,
        )

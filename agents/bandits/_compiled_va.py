"""Compiled (numba) kernels of :class:`~rlsuite.agents.bandits.va_catoni.VACatoni`.

VACatoni's round is a walk down up to ``L`` layers per run (an elimination
chain, sequential by nature) and, for the run's chosen layer, a rank-one
update and now and then a Catoni refit of that layer. In NumPy each of these
is a few array calls on ``(n_arms,)``, ``(d, d)`` or ``(n,)`` arrays, so at
the agent's sizes (``d ~ 10``, 20 arms, 8 layers) nearly all the time was
call overhead. Here each is one compiled call per round:

* :func:`peel` walks every run down its layers, as the class docstring
  states the algorithm, forming widths and bounds only for the active arms
  of the layers walked;
* :func:`record_and_refit` adds each run's recorded round to its layer
  (Sherman-Morrison on ``V_l^-1`` and ``log det V_l``) and refits the layers
  that are due: the MAD scale of the residuals, then the Catoni IRLS of
  :func:`~rlsuite.agents.bandits._compiled.irls_fit`.

They change no arithmetic rule of the NumPy version (same formulas, same
order of the elementwise operations; sums may be taken in another order, so
results agree to float tolerance). ``tests/agents/bandits/test_va_catoni_compiled.py``
checks them against the NumPy statement of the same steps.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from rlsuite.agents.bandits._compiled import fitted_values, irls_fit

__all__ = ["peel", "record_and_refit"]

#: MAD of a standard normal; divides the MAD into a scale comparable to a std.
MAD_TO_STD = 0.6744897501960817

#: Up to this many active arms, widths are formed one arm at a time.
_FEW_ARMS = 4


@numba.njit(cache=True)
def _widths_and_means(v_inv, theta, features, active, n_active, widths, means):
    """``||x_k||_{V^-1}`` and ``<theta, x_k>`` for the arms ``k`` in ``active[:n_active]``.

    ``features`` is ``(d, K)`` (arm ``k``'s vector is column ``k``); the
    results go to ``widths[k]`` and ``means[k]``. With many active arms,
    for all arms at once (:func:`_all_widths_and_means`, 15 % less time for
    the peeling than the BLAS product ``V^-1 X`` it replaces); with a few,
    one active arm at a time. The two sum in different orders, so they
    agree to rounding.
    """
    d, n_arms = features.shape
    if n_active <= _FEW_ARMS:
        for c in range(n_active):
            k = active[c]
            quad = 0.0
            mean = 0.0
            for i in range(d):
                row = 0.0
                for j in range(d):
                    row += v_inv[i, j] * features[j, k]
                quad += features[i, k] * row
                mean += theta[i] * features[i, k]
            widths[k] = math.sqrt(max(quad, 0.0))
            means[k] = mean
        return
    _all_widths_and_means(v_inv, theta, features, widths, means)


@numba.njit(cache=True, fastmath={"contract"})
def _all_widths_and_means(v_inv, theta, features, widths, means):
    """``||x_k||_{V^-1}`` and ``<theta, x_k>`` for every arm, as vectorised loops over arms.

    ``V^-1`` is symmetric (the Sherman-Morrison update keeps it so to the
    bit), so ``x^T V^-1 x = sum_i v_ii x_i^2 + 2 sum_{j<i} v_ij x_i x_j``:
    ``d (d + 1) / 2`` terms per arm instead of the ``d^2`` of ``V^-1 X``.
    """
    d, n_arms = features.shape
    for k in range(n_arms):
        widths[k] = 0.0
        means[k] = 0.0
    for i in range(d):
        t = theta[i]
        xi = features[i]
        diagonal = v_inv[i, i]
        for k in range(n_arms):
            means[k] += t * xi[k]
            widths[k] += diagonal * xi[k] * xi[k]
        for j in range(i):
            twice = 2.0 * v_inv[i, j]
            xj = features[j]
            for k in range(n_arms):
                widths[k] += twice * xi[k] * xj[k]
    for k in range(n_arms):
        widths[k] = math.sqrt(max(widths[k], 0.0))


@numba.njit(cache=True)
def peel(obs, v_inv, theta, logdet, scale, levels, consts):
    """``(arm, layer, width)`` per run by the layer walk; ``layer = -1``: not recorded.

    Parameters
    ----------
    obs : numpy.ndarray
        ``(R, K, d)`` arm features.
    v_inv, theta, logdet, scale : numpy.ndarray
        ``(R, L, d, d)``, ``(R, L, d)``, ``(R, L)``, ``(R, L)`` per layer.
    levels : numpy.ndarray
        ``(L,)`` uncertainty levels ``2^-l``.
    consts : numpy.ndarray
        ``(d log lam, 2 log(L / delta), sqrt(lam) S, beta_scale)``: the
        radius is ``beta_scale (s_l sqrt(max(log det V_l - d log lam +
        2 log(L / delta), 0)) + sqrt(lam) S)``, as ``VACatoni.radius``.

    Returns
    -------
    tuple of numpy.ndarray
        ``arm`` (int64), ``layer`` (int64, -1 past the last layer) and
        ``width`` (``||x_arm||_{V_layer^-1}``, 0 where not recorded), ``(R,)`` each.
    """
    runs, n_arms, d = obs.shape
    n_layers = levels.shape[0]
    log_lam, log_delta, prior, beta_scale = consts[0], consts[1], consts[2], consts[3]
    arm = np.empty(runs, dtype=np.int64)
    layer = np.full(runs, -1, dtype=np.int64)
    width = np.zeros(runs)
    # The active set as a list of arm indices, ascending (so that the first
    # of tied arms wins, as in argmax).
    active = np.empty(n_arms, dtype=np.int64)
    features = np.empty((d, n_arms))
    widths = np.empty(n_arms)
    means = np.empty(n_arms)
    ucb = np.empty(n_arms)
    lcb = np.empty(n_arms)
    for r in range(runs):
        n_active = n_arms
        for k in range(n_arms):
            active[k] = k
            for j in range(d):
                features[j, k] = obs[r, k, j]
        for li in range(n_layers):
            noise = math.sqrt(max(logdet[r, li] - log_lam + log_delta, 0.0))
            beta = beta_scale * (scale[r, li] * noise + prior)
            level = levels[li]
            _widths_and_means(v_inv[r, li], theta[r, li], features, active, n_active, widths, means)
            pick = -1
            best_lower = -np.inf
            for c in range(n_active):
                k = active[c]
                spread = beta * widths[k]
                ucb[k], lcb[k] = means[k] + spread, means[k] - spread
                best_lower = max(best_lower, lcb[k])
                # Step 1: the most optimistic uncertain arm (first on ties, as argmax).
                if widths[k] > level and (pick < 0 or ucb[k] > ucb[pick]):
                    pick = k
            if pick >= 0:
                arm[r], layer[r], width[r] = pick, li, widths[pick]
                break
            # Step 2: keep the arms whose upper bound reaches the best lower bound
            # (never none: the arm of the best lower bound stays).
            kept = 0
            for c in range(n_active):
                if ucb[active[c]] >= best_lower:
                    active[kept] = active[c]
                    kept += 1
            n_active = kept
        if layer[r] < 0:
            # Step 3: the optimistic active arm of the last layer, unrecorded.
            best = active[0]
            for c in range(1, n_active):
                if ucb[active[c]] > ucb[best]:
                    best = active[c]
            arm[r] = best
    return arm, layer, width


@numba.njit(cache=True)
def _median(values):
    """Median (mean of the two middle order statistics for an even count), as NumPy's.

    By selection, ``O(n)``: ``np.partition`` puts the order statistic ``n // 2``
    in place with the smaller values before it; for an even count the other
    middle one is the largest of those. The same values as a full sort.
    """
    n = values.shape[0]
    high = n // 2
    ordered = np.partition(values, high)
    low = ordered[high] if n % 2 else ordered[:high].max()
    return 0.5 * (low + ordered[high])


@numba.njit(cache=True)
def _mad_scale(layer, n, theta, floor):
    """``max(MAD(w_s (y_s - <x_s, theta>)) / 0.6745, floor)`` over the layer's first ``n`` samples.

    ``layer`` is one run's history of the layer, ``(d + 4, cap)``: see :func:`record_and_refit`.
    """
    d = theta.shape[0]
    weighted = np.empty(n)
    fitted_values(layer, theta, weighted)
    y, w = layer[d], layer[d + 1]
    for s in range(n):
        weighted[s] = w[s] * (y[s] - weighted[s])
    centre = _median(weighted)
    for s in range(n):
        weighted[s] = abs(weighted[s] - centre)
    return max(_median(weighted) / MAD_TO_STD, floor)


@numba.njit(cache=True)
def _refit(layer, n, theta, scale, robust, lam, log_term, floor):
    """Refit one layer in place on ``theta`` from its first ``n`` samples; return its scale.

    The IRLS whitens by ``sigma_s = 1 / w_s`` (``V_l``'s weighting) and
    scales by Catoni's ``alpha(n) / s_l``. A ``robust`` layer (MAD scale)
    takes two passes: the MAD scale of the current fit, the fit at that
    scale, then both again; otherwise one fit at the fixed ``scale``.
    ``layer`` is one run's history of the layer, ``(d + 4, cap)``: see
    :func:`record_and_refit`.
    """
    d = theta.shape[0]
    # catoni_alpha(n, 1, delta / L), written out.
    denominator = n - 2 * log_term if n > 2 * log_term else np.inf
    alpha0 = math.sqrt(2 * log_term / (n * (1.0 + 2 * 1.0 * log_term / denominator)))
    alpha = np.empty(n)
    for _ in range(2):
        if robust:
            scale = _mad_scale(layer, n, theta, floor)
        alpha[:] = alpha0 / scale
        irls_fit(
            layer[:d],
            layer[d, :n],
            layer[d + 2, :n],
            layer[d + 3, :n],
            alpha,
            False,
            lam,
            theta,
            True,
            1e-8,
            50,
        )
        if not robust:
            break
    return scale


@numba.njit(cache=True)
def record_and_refit(
    obs,
    peeled_obs,
    actions,
    rewards,
    peeled_arm,
    peeled_layer,
    peeled_width,
    levels,
    v_inv,
    logdet,
    fit_logdet,
    n_obs,
    history,
    theta,
    scale,
    consts,
    mad_scale,
):
    """Record each run's round in its peeled layer and refit the layers that are due.

    A run's round is recorded when its peeling chose a layer and it played
    the peeled arm; its weight is ``w = 2^-l / width``, and ``V_l`` gains
    ``(w x)(w x)^T``. The layer is refit when ``log det V_l`` grew by
    ``log(refit_ratio)`` since its last fit, or while it has ``<= 2 dim``
    samples; a layer uses the MAD scale (``mad_scale``) once it has
    ``2 dim`` samples.

    ``peeled_obs`` is the observation the peeling ``peeled_*`` was made for;
    ``consts`` is ``(log refit_ratio, lam, log(L / delta), 1e-3 scale_prior)``.
    The state arrays (``v_inv`` ``(R, L, d, d)``, ``logdet`` ...) are updated
    in place. ``history`` is a tuple of one array per layer, ``(R, d + 4,
    cap_l)``, so that each layer's capacity grows with its own sample count;
    sample ``s`` of run ``r`` is column ``s`` of ``history[l][r]``: rows
    ``0..d-1`` its features, then its reward ``y``, its weight ``w``, ``1 /
    (1 / w)`` (the IRLS's ``1 / sigma`` for ``sigma = 1 / w``) and that
    squared (its base weight). One row per quantity is the layout in which
    :func:`~rlsuite.agents.bandits._compiled.irls_fit` vectorises its sums.

    Returns
    -------
    int
        0 when done. With nothing changed: -1 when ``obs`` is not
        ``peeled_obs`` (the caller peels ``obs`` and calls again), ``l + 1``
        when layer ``l``'s history is full (the caller enlarges it and calls again).
    """
    runs, n_arms, d = obs.shape
    log_ratio, lam, log_term, floor = consts[0], consts[1], consts[2], consts[3]
    if peeled_obs.shape != obs.shape:
        return -1
    for r in range(runs):
        for k in range(n_arms):
            for j in range(d):
                if obs[r, k, j] != peeled_obs[r, k, j]:
                    return -1
    for r in range(runs):
        li = peeled_layer[r]
        if li >= 0 and peeled_arm[r] == actions[r] and n_obs[r, li] >= history[li].shape[2]:
            return li + 1
    vx = np.empty(d)
    z = np.empty(d)
    for r in range(runs):
        li = peeled_layer[r]
        a = peeled_arm[r]
        if li < 0 or a != actions[r]:
            continue
        weight = levels[li] / peeled_width[r]
        slot = n_obs[r, li]
        layer = history[li][r]
        for j in range(d):
            layer[j, slot] = obs[r, a, j]
            z[j] = weight * obs[r, a, j]
        inv_sigma = 1.0 / (1.0 / weight)
        layer[d, slot] = rewards[r]
        layer[d + 1, slot] = weight
        layer[d + 2, slot] = inv_sigma
        layer[d + 3, slot] = inv_sigma * inv_sigma
        n_obs[r, li] = slot + 1
        # Sherman-Morrison: V^-1 - (V^-1 z)(V^-1 z)^T / (1 + z^T V^-1 z).
        m = v_inv[r, li]
        vx[:] = 0.0
        for j in range(d):
            for i in range(d):
                vx[i] += m[j, i] * z[j]
        quad = 0.0
        for i in range(d):
            quad += z[i] * vx[i]
        denominator = 1.0 + quad
        for i in range(d):
            for j in range(d):
                m[i, j] = m[i, j] - vx[i] * vx[j] / denominator
        logdet[r, li] = logdet[r, li] + math.log1p(quad)
        count = slot + 1
        if logdet[r, li] - fit_logdet[r, li] >= log_ratio or count <= 2 * d:
            scale[r, li] = _refit(
                layer,
                count,
                theta[r, li],
                scale[r, li],
                mad_scale and count >= 2 * d,
                lam,
                log_term,
                floor,
            )
            fit_logdet[r, li] = logdet[r, li]
    return 0

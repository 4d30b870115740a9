"""Offline preference losses as one GPO family ``f(beta * Delta)``.

Throughout, ``Delta = log pi(y_w)/pi_base(y_w) - log pi(y_l)/pi_base(y_l)`` for
a pair whose preferred response is ``y_w``. Log-probabilities of a response
are *summed* over its tokens (no length averaging); in this package a
response is one action, so the sum has a single term, but the convention is
what a sequence model using these functions must follow.

Generalised Preference Optimisation (Tang et al., 2024; Agarwal, Dann &
Marinov, ICML 2025, Section 2) minimises ``E f(beta * Delta)`` for a convex
``f`` with ``f'(0) < 0``; the named members are

=========  ==================================  ==============================
name       loss of one pair                    ``f(t)`` with ``t = beta*Delta``
=========  ==================================  ==============================
``dpo``    ``-log sigmoid(beta * Delta)``      ``log(1 + exp(-t))``
``ipo``    ``(Delta - 1 / (2 beta))**2``       ``(t - 1/2)**2 / beta**2``
``slic``   ``max(0, 1 - beta * Delta)``        ``max(0, 1 - t)``
``exponential``  ``exp(-beta * Delta)``        ``exp(-t)``
``truncated_quadratic``  ``max(0, 1 - beta*Delta)**2``  ``max(0, 1 - t)**2``
=========  ==================================  ==============================

IPO is written as in Azar et al. (2024) and the issue, ``(Delta - 1/(2 beta))**2``;
in GPO form this is the squared loss centred at ``t = 1/2`` scaled by
``1/beta**2`` (Tang et al. centre it at 1; the minimiser differs by that
factor 2, nothing else). Any other convex ``f`` is accepted through
:func:`gpo_loss`, which checks convexity and ``f'(0) < 0`` numerically.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

__all__ = ["LOSSES", "LossFn", "dpo_loss", "gpo_loss", "ipo_loss", "resolve_loss", "slic_loss"]

#: ``loss(delta, beta) -> per-pair loss``
LossFn = Callable[[torch.Tensor, float], torch.Tensor]

#: :func:`gpo_loss` checks ``f`` on ``[-GRID_LIMIT, GRID_LIMIT]`` at ``GRID_POINTS``
#: points (a spacing of 0.01): wide enough for the built-in losses to show their
#: shape (``softplus(-20) ~ 2e-9``), narrow enough that ``exp``-type ``f`` stay finite.
GRID_LIMIT = 20.0
GRID_POINTS = 4001
#: Second differences down to ``-CONVEXITY_SLACK * max(1, max |f|)`` are float
#: rounding of a convex ``f``, not concavity.
CONVEXITY_SLACK = 1e-9
#: Half-width of the central difference that estimates ``f'(0)``.
SLOPE_STEP = 1e-4


def dpo_loss(delta: torch.Tensor, beta: float) -> torch.Tensor:
    """DPO (Rafailov et al., 2023): ``-log sigmoid(beta * Delta)``."""
    return F.softplus(-beta * delta)


def ipo_loss(delta: torch.Tensor, beta: float) -> torch.Tensor:
    """IPO (Azar et al., 2024): ``(Delta - 1 / (2 beta))**2``, summed log-probabilities."""
    return (delta - 1.0 / (2.0 * beta)) ** 2


def slic_loss(delta: torch.Tensor, beta: float) -> torch.Tensor:
    """SLiC hinge (Zhao et al., 2023): ``max(0, 1 - beta * Delta)``."""
    return torch.relu(1.0 - beta * delta)


def _exponential(t: torch.Tensor) -> torch.Tensor:
    return torch.exp(-t)


def _truncated_quadratic(t: torch.Tensor) -> torch.Tensor:
    return torch.relu(1.0 - t) ** 2


def gpo_loss(f: Callable[[torch.Tensor], torch.Tensor], name: str = "f") -> LossFn:
    """The GPO loss ``f(beta * Delta)`` for a convex ``f`` with ``f'(0) < 0``.

    ``f`` maps a tensor to a tensor elementwise. Convexity (non-negative
    second differences) and a negative slope at 0 are checked on a grid over
    ``[-20, 20]``; a function failing either raises ``ValueError``, since it
    would not make the preferred response the better one.
    """
    grid = torch.linspace(-GRID_LIMIT, GRID_LIMIT, GRID_POINTS, dtype=torch.float64)
    try:
        values = f(grid)
    except Exception as exc:  # noqa: BLE001 - any failure means f is not usable here
        raise ValueError(f"loss {name!r}: f must map a float tensor elementwise ({exc})") from exc
    if not isinstance(values, torch.Tensor) or values.shape != grid.shape:
        raise ValueError(f"loss {name!r}: f must return a tensor of the input's shape")
    if not torch.all(torch.isfinite(values)):
        raise ValueError(f"loss {name!r}: f must be finite on [-{GRID_LIMIT:g}, {GRID_LIMIT:g}]")
    second = values[2:] - 2 * values[1:-1] + values[:-2]
    if second.min() < -CONVEXITY_SLACK * max(1.0, float(values.abs().max())):
        raise ValueError(f"loss {name!r}: f must be convex")
    eps = SLOPE_STEP
    slope = (f(torch.tensor([eps], dtype=torch.float64)) - f(torch.tensor([-eps]))) / (2 * eps)
    if float(slope) >= 0:
        raise ValueError(f"loss {name!r}: f must decrease at 0 (f'(0) < 0), got {float(slope)}")

    def loss(delta: torch.Tensor, beta: float) -> torch.Tensor:
        return f(beta * delta)

    loss.__name__ = f"gpo_{name}"
    return loss


#: Named losses accepted by ``PreferenceOptimizer(loss=...)``.
LOSSES: dict[str, LossFn] = {
    "dpo": dpo_loss,
    "ipo": ipo_loss,
    "slic": slic_loss,
    "exponential": gpo_loss(_exponential, "exponential"),
    "truncated_quadratic": gpo_loss(_truncated_quadratic, "truncated_quadratic"),
}


def resolve_loss(loss: str | Callable[[torch.Tensor], torch.Tensor]) -> tuple[str, LossFn]:
    """Turn a loss name, or a convex ``f`` for :func:`gpo_loss`, into ``(name, loss_fn)``."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(
                f"loss={loss!r} is not known: must be one of {sorted(LOSSES)} or a convex callable"
            )
        return loss, LOSSES[loss]
    if callable(loss):
        name = getattr(loss, "__name__", "custom")
        return f"gpo_{name}", gpo_loss(loss, name)
    raise ValueError(f"loss={loss!r} must be a name in {sorted(LOSSES)} or a convex callable")

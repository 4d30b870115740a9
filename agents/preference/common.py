"""What the preference learners share: small torch policies, the training loop, ``predict``.

Policies are tables of logits (``"tabular"``) or log-linear in given
features (``pi_theta(a | x) ~ pi_ref(a | x) exp(theta . phi(x, a))``, so
``theta = 0`` is the reference policy). Training is full-batch Adam over the
distinct ``(x, y_w, y_l)`` triples of a dataset weighted by their counts, in
float64 on one CPU thread: deterministic, and seconds for the sizes here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from rlsuite.agents.base import OfflineLearner
from rlsuite.agents.callbacks import Callback
from rlsuite.envs.validation import (
    check_int,
    check_probabilities,
    check_real,
    check_seed,
    sample_categorical,
)
from rlsuite.offline_data.preferences import PreferenceDataset

__all__ = [
    "LogLinearPolicy",
    "PreferencePolicyLearner",
    "TabularPolicy",
    "TrainingLogger",
    "check_probs_table",
]

DTYPE = torch.float64

#: L-BFGS settings of :meth:`PreferencePolicyLearner._train_to_convergence`.
#: The strong-Wolfe line search chooses the step, so the nominal step is 1 (as
#: in torch's default); each iteration may need a few function evaluations; 20
#: curvature pairs (torch's default is 100, SciPy's 10). Values kept as they were,
#: so recorded studies reproduce.
LBFGS_STEP = 1.0
LBFGS_EVALS_PER_ITERATION = 4
LBFGS_HISTORY = 20
#: Stop once the loss changes by less than this between iterations (float64
#: losses of order 1: about 1e4 ulps, below any difference a study reports).
LOSS_CHANGE_TOLERANCE = 1e-12
#: Floor of the initial gradient scale, which divides the gradient tolerance: an
#: initial gradient of exactly 0 (already optimal) must not divide by zero.
TINY_SCALE = 1e-300


def check_probs_table(name: str, probs: Any) -> np.ndarray:
    """A ``(n_contexts, n_responses)`` row-stochastic array, or ``ValueError`` naming ``name``."""
    return check_probabilities(name, probs, ndim=2)


def _log(probs: np.ndarray) -> torch.Tensor:
    with np.errstate(divide="ignore"):
        return torch.as_tensor(np.log(probs), dtype=DTYPE)


class TabularPolicy(nn.Module):
    """One free logit per ``(x, a)``, initialised at ``log pi_ref``."""

    init_logits: torch.Tensor  # a registered buffer

    def __init__(self, init_logits: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("init_logits", init_logits.clone())
        self.logits = nn.Parameter(init_logits.clone())

    def log_probs(self) -> torch.Tensor:
        """``log pi(a | x)``, shape ``(n_contexts, n_responses)``."""
        return torch.log_softmax(self.logits, dim=-1)

    def parameter_norm(self) -> float:
        """Euclidean norm of the logits' change from initialisation."""
        return float(torch.linalg.vector_norm(self.logits.detach() - self.init_logits))


class LogLinearPolicy(nn.Module):
    """``pi_theta(a | x) ~ exp(base_logits(x, a) + theta . phi(x, a))``."""

    features: torch.Tensor  # registered buffers
    base_logits: torch.Tensor

    def __init__(self, features: torch.Tensor, base_logits: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("features", features)
        self.register_buffer("base_logits", base_logits)
        self.theta = nn.Parameter(torch.zeros(features.shape[-1], dtype=DTYPE))

    def log_probs(self) -> torch.Tensor:
        """``log pi(a | x)``, shape ``(n_contexts, n_responses)``."""
        return torch.log_softmax(self.base_logits + self.features @ self.theta, dim=-1)

    def parameter_norm(self) -> float:
        """``||theta||``."""
        return float(torch.linalg.vector_norm(self.theta.detach()))


class TrainingLogger(Callback):
    """Record loss, ``||theta||``, the mean implicit-reward margin and ``pi`` every ``every`` steps.

    The margin is ``beta * mean(log pi/pi_ref(y_w) - log pi/pi_ref(y_l))`` over
    the dataset's pairs, the quantity Fisch et al. show diverging under DPO.
    """

    def __init__(self, dataset: PreferenceDataset, every: int = 10) -> None:
        super().__init__()
        self.dataset = dataset
        self.every = check_int("every", every)
        self.history: dict[str, list[Any]] = {
            "step": [],
            "loss": [],
            "parameter_norm": [],
            "margin": [],
            "probs": [],
        }

    def _on_step(self) -> bool:
        step = int(self.locals["step"])
        if step % self.every == 0 or step == self.model.n_steps:
            self.history["step"].append(step)
            self.history["loss"].append(float(self.locals["loss"]))
            self.history["parameter_norm"].append(self.model.parameter_norm())
            self.history["margin"].append(self.model.log_ratio_margin(self.dataset))
            self.history["probs"].append(self.model.probs())
        return True


class PreferencePolicyLearner(OfflineLearner):
    """Base of the offline preference learners: a policy, its reference, training, ``predict``.

    Parameters
    ----------
    beta : float
        KL-regularisation strength, ``> 0``.
    reference_probs : array or None
        ``pi_ref(a | x)``; ``None`` means uniform (sized by the first dataset).
    policy : "tabular" or array
        ``"tabular"`` or features ``phi`` of shape ``(n_contexts, n_responses, d)``
        for a log-linear policy.
    n_steps : int
        Full-batch Adam steps of :meth:`fit`.
    learning_rate : float
        Adam learning rate (``lr`` is its deprecated name).
    seed : None, int >= 0 or numpy.random.Generator
        Seed of the sampling in :meth:`predict` (training is deterministic).
    gradient_tolerance : float or None
        ``None`` (default): ``n_steps`` Adam steps. A float ``> 0``: train to
        convergence instead, with full-batch L-BFGS (strong-Wolfe line search)
        until the largest gradient entry is ``<= gradient_tolerance`` times
        its value at ``pi_ref`` (relative, since the loss's gradient scales
        with ``beta``) or the loss stops changing (``1e-12``), with ``n_steps`` only as a safety
        limit on iterations. ``n_iterations_``, ``gradient_norm_`` (relative max-abs)
        and ``converged_`` (stopped before the limit) record how it ended, so
        a study can tell a converged fit from a capped one.
    """

    _renamed_parameters = {"lr": "learning_rate"}

    def __init__(
        self,
        beta: float,
        reference_probs: Any = None,
        policy: str | np.ndarray = "tabular",
        n_steps: int = 1000,
        learning_rate: float = 0.05,
        seed: int | np.random.Generator | None = None,
        *,
        gradient_tolerance: float | None = None,
    ) -> None:
        self.beta = check_real("beta", beta, 0.0, low_open=True)
        self.gradient_tolerance = (
            None
            if gradient_tolerance is None
            else check_real("gradient_tolerance", gradient_tolerance, 0.0, low_open=True)
        )
        self.n_iterations_: int | None = None
        self.gradient_norm_: float | None = None
        self.converged_: bool | None = None
        self.reference_probs = (
            None
            if reference_probs is None
            else check_probs_table("reference_probs", reference_probs)
        )
        if isinstance(policy, str):
            if policy != "tabular":
                raise ValueError(f"policy={policy!r} must be 'tabular' or a feature array")
            self.features: np.ndarray | None = None
        else:
            self.features = np.asarray(policy, dtype=np.float64)
            if self.features.ndim != 3 or not np.all(np.isfinite(self.features)):
                raise ValueError("policy features must be finite, shape (X, A, d)")
        self.n_steps = check_int("n_steps", n_steps)
        self.learning_rate = check_real("learning_rate", learning_rate, 0.0, low_open=True)
        self.seed = check_seed(seed)
        self.rng = np.random.default_rng(self.seed)
        self.policy: TabularPolicy | LogLinearPolicy | None = None

    # ------------------------------------------------------------------ model
    def _setup(self, dataset: PreferenceDataset) -> None:
        shape = (dataset.n_contexts, dataset.n_responses)
        if self.reference_probs is None:
            self.reference_probs = np.full(shape, 1.0 / shape[1])
        if self.reference_probs.shape != shape:
            raise ValueError(
                f"reference_probs has shape {self.reference_probs.shape}, data {shape}"
            )
        self._ref_logp = _log(self.reference_probs)
        if self.features is None:
            self.policy = TabularPolicy(self._ref_logp.clone())
        else:
            if self.features.shape[:2] != shape:
                raise ValueError(f"features have shape {self.features.shape}, data {shape}")
            self.policy = LogLinearPolicy(
                torch.as_tensor(self.features, dtype=DTYPE), self._ref_logp
            )
        x, win, lose, counts = dataset.unique_triples()
        self._x, self._w, self._l = (torch.as_tensor(v) for v in (x, win, lose))
        self._weights = torch.as_tensor(counts / counts.sum(), dtype=DTYPE)

    def _log_ratio(self, base_logp: torch.Tensor) -> torch.Tensor:
        """``Delta`` of every distinct triple against a base policy's log-probabilities."""
        assert self.policy is not None
        ratio = self.policy.log_probs() - base_logp
        return ratio[self._x, self._w] - ratio[self._x, self._l]

    def _train(self, objective: Callable[[], torch.Tensor], callback: Any = None) -> None:
        """Minimise ``objective()`` with full-batch Adam for ``n_steps`` steps."""
        assert self.policy is not None
        if self.gradient_tolerance is not None:
            self._train_to_convergence(objective, callback)
            return
        callbacks = self._callbacks(callback)
        optimizer = torch.optim.Adam(self.policy.parameters(), lr=self.learning_rate)
        for step in range(1, self.n_steps + 1):
            optimizer.zero_grad()
            loss = objective()
            loss.backward()
            optimizer.step()
            callbacks.update_locals({"step": step, "loss": loss.detach()})
            if not callbacks.on_step():
                break
        self.n_iterations_, self.converged_ = step, False

    def _train_to_convergence(self, objective: Callable[[], torch.Tensor], callback: Any) -> None:
        """L-BFGS until the gradient or the loss change is below tolerance (``n_steps`` a limit)."""
        assert self.policy is not None and self.gradient_tolerance is not None
        params = list(self.policy.parameters())
        initial = objective()
        initial_grad = torch.autograd.grad(initial, params)
        scale = float(max(g.abs().max() for g in initial_grad))
        optimizer = torch.optim.LBFGS(
            params,
            lr=LBFGS_STEP,
            max_iter=self.n_steps,
            max_eval=LBFGS_EVALS_PER_ITERATION * self.n_steps,
            tolerance_grad=self.gradient_tolerance * max(scale, TINY_SCALE),
            tolerance_change=LOSS_CHANGE_TOLERANCE,
            history_size=LBFGS_HISTORY,
            line_search_fn="strong_wolfe",
        )

        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            loss = objective()
            loss.backward()
            return loss

        optimizer.step(closure)
        loss = closure()
        self.n_iterations_ = int(optimizer.state[params[0]]["n_iter"])
        grad_max = float(max(p.grad.abs().max() for p in params if p.grad is not None))
        self.gradient_norm_ = grad_max / max(scale, TINY_SCALE)
        self.converged_ = self.n_iterations_ < self.n_steps
        callbacks = self._callbacks(callback)
        callbacks.update_locals({"step": self.n_iterations_, "loss": loss.detach()})
        callbacks.on_step()

    # ---------------------------------------------------------------- queries
    def _require_fit(self) -> TabularPolicy | LogLinearPolicy:
        if self.policy is None:
            raise RuntimeError(f"{type(self).__name__} must be fit before use")
        return self.policy

    def probs(self) -> np.ndarray:
        """``pi(a | x)`` as a ``(n_contexts, n_responses)`` array."""
        with torch.no_grad():
            return self._require_fit().log_probs().exp().numpy().copy()

    def parameter_norm(self) -> float:
        """``||theta||`` (log-linear) or the logits' distance from ``log pi_ref`` (tabular)."""
        return self._require_fit().parameter_norm()

    def log_ratio_margin(self, dataset: PreferenceDataset) -> float:
        """Mean implicit-reward margin ``beta * Delta_ref`` over ``dataset``'s pairs."""
        with torch.no_grad():
            ratio = (self._require_fit().log_probs() - self._ref_logp).numpy()
        margins = (
            ratio[dataset.contexts, dataset.chosen] - ratio[dataset.contexts, dataset.rejected]
        )
        return float(self.beta * margins.mean())

    def _predict_batch(self, observations: np.ndarray, deterministic: bool) -> np.ndarray:
        """Responses for a batch of one-hot contexts."""
        probs = self.probs()[observations.argmax(axis=-1)]
        return probs.argmax(axis=1) if deterministic else sample_categorical(probs, self.rng)

"""Privacy budgets around a learner, and a callback that reports epsilon during training.

:class:`PrivacyBudget` wraps any private learner (``fit``, ``predict``,
``planned_privacy``, ``epsilon_spent``, ``delta_spent``). Before each
``fit`` it asks the learner for its plan (which calibrates without data and
raises if the target is unreachable), adds the planned ``(epsilon, delta)``
to what earlier fits were charged (basic composition, valid for any
mechanisms), refuses with :class:`PrivacyBudgetExceeded` if the total would
pass the budget, and otherwise *charges the plan before the learner sees
any data*. The charge stands whether ``fit`` returns or raises (an
exception in a callback, ``KeyboardInterrupt``): the noise, and possibly a
data-dependent release, may already have happened. Nothing is clamped: a
learner is never silently trained with a different budget.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.agents.callbacks import Callback
from rlsuite.agents.private._common import check_privacy
from rlsuite.envs.validation import check_int

__all__ = ["EpsilonLogger", "PrivacyBudget", "PrivacyBudgetExceeded"]


class PrivacyBudgetExceeded(RuntimeError):
    """Training would spend more privacy than the budget allows."""


class EpsilonLogger(Callback):
    """Record ``(step, epsilon)`` every ``log_every`` training steps (SB3 template method).

    Learners put ``epsilon_fn`` (a function returning the epsilon spent so far)
    in the callback locals; computing it can be costly, hence ``log_every``.
    With ``max_epsilon`` set, returning ``False`` stops training once the
    running epsilon exceeds it.
    """

    def __init__(self, log_every: int = 50, max_epsilon: float | None = None) -> None:
        super().__init__()
        self.log_every = check_int("log_every", log_every)
        self.max_epsilon = max_epsilon
        self.history: list[tuple[int, float]] = []
        self.stopped = False

    def _on_step(self) -> bool:
        if self.n_calls % self.log_every:
            return True
        epsilon = float(self.locals["epsilon_fn"]())
        self.history.append((int(self.locals.get("step", self.n_calls)), epsilon))
        if self.max_epsilon is not None and epsilon > self.max_epsilon:
            self.stopped = True
            return False
        return True

    @property
    def epsilons(self) -> np.ndarray:
        """Logged epsilons in order."""
        return np.array([eps for _, eps in self.history])


class PrivacyBudget:
    """Refuse to train a private learner past ``(epsilon, delta)``; charge before data is read.

    Parameters
    ----------
    learner : object
        A private learner (e.g. :class:`~rlsuite.agents.private.ExpertDPSGD`).
    epsilon, delta : float
        The total budget; ``epsilon > 0``, ``delta`` in ``(0, 1)``.

    Attributes
    ----------
    spent_epsilon, spent_delta : float
        Total charged so far (the planned worst case of every fit started).
    charges : list of tuple
        ``(epsilon, delta, outcome)`` per fit started; ``outcome`` is
        ``"completed"``, ``"raised"`` or ``"running"``.
    """

    def __init__(self, learner: Any, epsilon: float, delta: float) -> None:
        self.learner = learner
        self.epsilon_budget, self.delta_budget = check_privacy(epsilon, delta)
        self.spent_epsilon = 0.0
        self.spent_delta = 0.0
        self.charges: list[tuple[float, float, str]] = []

    @property
    def remaining(self) -> tuple[float, float]:
        """Budget left after the fits so far (basic composition)."""
        return self.epsilon_budget - self.spent_epsilon, self.delta_budget - self.spent_delta

    def fit(self, dataset: Any, callback: Callback | list[Callback] | None = None):
        """Charge the learner's plan, then fit it; refuse (reading nothing) if it does not fit."""
        planned_epsilon, planned_delta = self.learner.planned_privacy()
        left_epsilon, left_delta = self.remaining
        if planned_epsilon > left_epsilon or planned_delta > left_delta:
            raise PrivacyBudgetExceeded(
                f"{type(self.learner).__name__} plans (epsilon={planned_epsilon:g}, "
                f"delta={planned_delta:g}) but only (epsilon={left_epsilon:g}, "
                f"delta={left_delta:g}) of the budget ({self.epsilon_budget:g}, "
                f"{self.delta_budget:g}) is left; lower the learner's epsilon or raise the budget"
            )
        # Reserve = commit: charged before any data is read, never refunded.
        self.spent_epsilon += planned_epsilon
        self.spent_delta += planned_delta
        self.charges.append((planned_epsilon, planned_delta, "running"))
        outcome = "raised"
        try:
            self.learner.fit(dataset, callback=callback)
            outcome = "completed"
        finally:
            self.charges[-1] = (planned_epsilon, planned_delta, outcome)
        return self

    def predict(self, *args: Any, **kwargs: Any):
        """Delegate to the wrapped learner (SB3 ``PolicyPredictor``)."""
        return self.learner.predict(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.learner, name)

"""Callbacks in Stable-Baselines3's template-method shape.

``on_step()`` counts the call and delegates to ``_on_step() -> bool``;
returning ``False`` stops ``learn`` or ``fit`` of every learner family
(:class:`rlsuite.agents.base.OnlineAgent`, :class:`~rlsuite.agents.base.OfflineLearner`).
The same shape serves regret logging here, training logs of the preference
learners, and privacy budgets of the private learners.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["BanditCallback", "Callback", "CallbackList", "RegretLogger"]


class Callback:
    """Base callback of every learner: subclasses override :meth:`_on_step`."""

    def __init__(self) -> None:
        self.model: Any = None
        self.n_calls = 0
        self.training_ended = False
        self.locals: dict[str, Any] = {}

    def init_callback(self, model: Any) -> None:
        """Attach the learner before training starts."""
        self.model = model
        self._on_training_start()

    def _on_training_start(self) -> None:
        pass

    def update_locals(self, locals_: dict[str, Any]) -> None:
        """Receive the variables of the current step (``rewards``, ``infos``)."""
        self.locals.update(locals_)

    def on_step(self) -> bool:
        """Called after every step (env step, gradient step, round); ``False`` stops training."""
        self.n_calls += 1
        return self._on_step()

    def _on_step(self) -> bool:
        return True

    def on_training_end(self) -> None:
        """Called once when ``learn`` / ``fit`` finishes (also after an early stop)."""
        self.training_ended = True
        self._on_training_end()

    def _on_training_end(self) -> None:
        pass


#: The name the bandit family used first; the same class as :class:`Callback`.
BanditCallback = Callback


class CallbackList(Callback):
    """Several callbacks run in order; training stops if any returns ``False``."""

    def __init__(self, callbacks: Callback | list[Callback] | None) -> None:
        super().__init__()
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, Callback):
            callbacks = [callbacks]
        elif not isinstance(callbacks, (list, tuple)):
            raise TypeError(
                f"callback={callbacks!r} must be None, a Callback or a list of Callbacks"
            )
        for item in callbacks:
            if not isinstance(item, Callback):
                raise TypeError(
                    f"callback={item!r} must be an rlsuite.agents.callbacks.Callback, "
                    f"not {type(item).__name__}"
                )
        self.callbacks = list(callbacks)

    def init_callback(self, model: Any) -> None:
        """Attach the learner to every callback."""
        super().init_callback(model)
        for callback in self.callbacks:
            callback.init_callback(model)

    def update_locals(self, locals_: dict[str, Any]) -> None:
        """Forward the step's variables."""
        for callback in self.callbacks:
            callback.update_locals(locals_)

    def on_training_end(self) -> None:
        """Tell every callback that training has finished."""
        super().on_training_end()
        for callback in self.callbacks:
            callback.on_training_end()

    def _on_step(self) -> bool:
        # Every callback sees the step even if an earlier one asks to stop.
        return all([callback.on_step() for callback in self.callbacks])


class RegretLogger(Callback):
    """Record per-round pseudo-regret (from ``info["regret"]``) of every run.

    After training, :attr:`regret` has shape ``(steps, n_runs)`` and
    :meth:`cumulative_regret` its running sum.
    """

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[np.ndarray] = []

    def _on_step(self) -> bool:
        infos = self.locals.get("infos") or {}
        if "regret" not in infos:
            raise KeyError("RegretLogger needs info['regret'] from the env")
        self._rows.append(np.atleast_1d(np.asarray(infos["regret"], dtype=np.float64)))
        return True

    @property
    def regret(self) -> np.ndarray:
        """Instant pseudo-regret, shape ``(steps, n_runs)``."""
        return np.vstack(self._rows) if self._rows else np.zeros((0, 1))

    def cumulative_regret(self) -> np.ndarray:
        """Cumulative pseudo-regret, shape ``(steps, n_runs)``."""
        return np.cumsum(self.regret, axis=0)

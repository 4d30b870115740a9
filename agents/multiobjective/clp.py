"""Conditional Language Policy (CLP) on a multi-objective bandit.

Wang et al., "Conditional Language Policy: A General Framework for Steerable
Multi-Objective Finetuning", Findings of EMNLP 2024 (arXiv 2407.15762).

One network serves every trade-off ``w`` on the simplex. It is conditioned on
``w`` twice (CLP's combination of prompt conditioning and parameter-space
conditioning):

1. through the input: the torso of the 2-hidden-layer MLP reads ``[obs, w]``;
2. through the logit layer ("logit mixing"): it keeps one copy
   ``(W_i, b_i)`` per objective, all starting from the pretrained layer, and
   uses ``logits = (sum_i w_i W_i) h + sum_i w_i b_i`` for the torso output
   ``h``; the torso parameters are shared (unconditioned).

Training is CLP's multi-task objective: every prompt in a batch gets its own
``w ~ Dirichlet(alpha)`` (``alpha = (1, 1)`` by default) and the network
ascends the KL-regularised scalarised return
``w · E_pi[r] - beta KL(pi || pi_ref)``. By default the gradient is the
paper's sampled one: responses drawn from ``pi(.|x, w)``, noisy reward
vectors from the env, a score-function (REINFORCE) estimator with a
leave-one-out baseline (:func:`~rlsuite.agents.multiobjective.common.reinforce_loss`);
``gradient="exact"`` uses the full-information gradient instead.

Deviations: the paper trains a language model (T5/Gemma scale) with
sampled responses; here a response is one of ``n_actions`` actions of a
contextual bandit and the policy a small MLP, and the "pretrained" model is
the same MLP distilled onto ``pi_ref``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlsuite.agents.multiobjective.common import SteerablePolicy
from rlsuite.envs.validation import check_real

__all__ = ["CLP"]


class CLP(SteerablePolicy):
    """Steerable policy conditioned on ``w`` through its input and by logit mixing.

    Parameters
    ----------
    env : gymnasium.Env
        A :class:`~rlsuite.envs.multi_objective_bandit.MultiObjectiveBanditEnv`.
    dirichlet_alpha : float or sequence of float
        Concentration of the training distribution of ``w``; a scalar is
        repeated for every objective. All entries must be positive.
    **kwargs
        ``kl_coef``, ``hidden_sizes``, ``learning_rate``, ``batch_size``,
        ``pretrain_steps``, ``gradient``, ``samples_per_context``, ``seed``: see
        :class:`~rlsuite.agents.multiobjective.common.SteerablePolicy`.

    Examples
    --------
    >>> import gymnasium as gym, rlsuite.envs
    >>> env = gym.make("rlsuite/MultiObjectiveBandit-v0")
    >>> agent = CLP(env, seed=0).learn(env, 128_000)  # doctest: +SKIP
    >>> agent.set_weights([0.3, 0.7])  # doctest: +SKIP
    >>> action, _ = agent.predict(env.reset()[0], deterministic=True)  # doctest: +SKIP
    """

    input_conditioning = True
    logit_mixing = True

    def __init__(
        self, env: gym.Env, *, dirichlet_alpha: float | Sequence[float] = 1.0, **kwargs: Any
    ) -> None:
        super().__init__(env, **kwargs)
        alpha = np.broadcast_to(np.asarray(dirichlet_alpha, dtype=np.float64), (self.n_objectives,))
        for value in alpha:
            check_real("dirichlet_alpha", float(value), 0.0, low_open=True)
        self.dirichlet_alpha = alpha.copy()
        self._optimiser_state: torch.optim.Optimizer | None = None

    def _learn(self, n_updates: int) -> None:
        """``n_updates`` gradient steps, each prompt at its own Dirichlet weight."""
        if self._optimiser_state is None:
            self._optimiser_state = self._optimiser(self.network)
        sample = lambda n: self._dirichlet_weights(n, self.dirichlet_alpha)  # noqa: E731
        for _ in range(n_updates):
            if not self._update(self.network, self._optimiser_state, sample):
                break

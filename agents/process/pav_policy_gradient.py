"""Policy gradient on the effective reward ``Q^pi + alpha * A^mu`` (Setlur et al., 2025)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from tqdm.auto import tqdm

from rlsuite.agents.base import OnlineAgent
from rlsuite.agents.callbacks import Callback
from rlsuite.agents.process.values import (
    Prover,
    as_prover,
    matching_states,
    policy_values,
    prover_advantage,
)
from rlsuite.envs.planted_sequence import PlantedSequenceEnv, matching_automaton
from rlsuite.envs.validation import (
    CategoricalTable,
    check_choice,
    check_int,
    check_real,
    check_seed,
    sample_categorical,
    seed_to_int,
)

__all__ = ["PAVPolicyGradient"]

GRADIENTS = ("sampled", "exact")


class PAVPolicyGradient(OnlineAgent):
    """Tabular softmax policy gradient with process advantage verifier (PAV) rewards.

    The objective of Setlur et al. (2025, eq. 5) credits step ``h`` with the
    effective reward ``Q^pi(s_h, a_h) + alpha * A^mu(s_h, a_h)``: the outcome
    value under the current policy ``pi`` plus ``alpha`` times the progress the
    step makes under a prover ``mu``. With ``prover=None`` the prover is the
    policy itself (``mu = pi``), so the effective reward is
    ``Q^pi + alpha * A^pi``: outcome-only RL, the paper's baseline.

    Parameterisation
        ``pi(a | k) = softmax(theta[k])_a`` with ``theta`` of shape
        ``(L + 1, V)``, ``k`` the KMP matching state of the response so far
        (:func:`~rlsuite.envs.planted_sequence.matching_automaton`). The
        matching state is the smallest state on which the outcome depends, so
        the table can express the optimal policy and every prover ``mu_gamma``
        (whose logits are ``log gamma`` on the next target token). It starts
        at ``mu_init_gamma`` (uniform by default). Appendix B of the paper does
        not pin the didactic policy's parameterisation down; this tabular one
        is our choice.

    Gradient estimates (``gradient``)
        ``"sampled"``: each iteration writes ``batch_size`` responses in the
        env; step ``h`` of response ``i`` gets weight
        ``(R_i - b_i) + alpha * A^mu(s_h, a_h)``, where ``R_i`` is the outcome
        (a Monte Carlo estimate of ``Q^pi``) and ``b_i`` the leave-one-out mean
        outcome of the batch (an unbiased baseline); with ``mu = pi`` the
        weight is ``(1 + alpha) (R_i - b_i)``. ``A^mu`` is exact, i.e. a
        perfect PAV. ``"exact"``: the expected gradient, from exact ``Q^pi``
        and state occupancies (the tabular check; no sampling).
        Either way ``theta += learning_rate * gradient`` (plain gradient
        ascent: adaptive steps such as Adam would amplify the ``~1e-5``
        outcome-only gradient and hide the exploration problem).

    Parameters
    ----------
    vocab_size, target_length : int
        Must match the env (15 and 5 by default).
    prover : Prover, float or None
        ``mu``; a number ``gamma`` means ``GammaProver(gamma)``; ``None`` means
        ``mu = pi`` (outcome-only).
    alpha : float
        Weight of the prover's advantage, in ``[0, inf)``.
    learning_rate : float
        Step size, in ``(0, inf)``.
    batch_size : int
        Responses per iteration (``>= 2`` for the leave-one-out baseline).
    init_gamma : float
        The initial policy is ``mu_init_gamma`` (``>= 1``; 1 is uniform).
    gradient : {"sampled", "exact"}
        See above.
    seed : int or None
        Seeds the agent's generator and the env's first reset (which draws ``y*``).

    Attributes
    ----------
    success_curve : list of float
        Exact success probability of ``pi`` before each iteration, then after the last.
    """

    def __init__(
        self,
        vocab_size: int = 15,
        target_length: int = 5,
        *,
        prover: Prover | float | None = None,
        alpha: float = 1.0,
        learning_rate: float = 1.0,
        batch_size: int = 64,
        init_gamma: float = 1.0,
        gradient: str = "sampled",
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.vocab_size = check_int("vocab_size", vocab_size, low=2)
        self.target_length = check_int("target_length", target_length)
        self.prover = None if prover is None else as_prover(prover)
        self.alpha = check_real("alpha", alpha, low=0.0)
        self.learning_rate = check_real("learning_rate", learning_rate, low=0.0, low_open=True)
        self.batch_size = check_int("batch_size", batch_size, low=2)
        self.init_gamma = check_real("init_gamma", init_gamma, low=1.0)
        self.gradient = check_choice("gradient", gradient, GRADIENTS)
        self.seed = check_seed(seed)
        self.rng = np.random.default_rng(self.seed)
        self.logits = np.zeros((self.target_length + 1, self.vocab_size))
        self.target: np.ndarray | None = None
        self.automaton: np.ndarray | None = None
        self.length: int | None = None
        self.success_curve: list[float] = []
        self._prover_advantage: np.ndarray | None = None

    # ---------------------------------------------------------------- policy
    def policy_probs(self) -> np.ndarray:
        """``pi(a | k)``, shape ``(L + 1, V)``."""
        z = np.exp(self.logits - self.logits.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def action_probs(self, target: np.ndarray, vocab_size: int) -> np.ndarray:
        """The :class:`~rlsuite.agents.process.values.Prover` protocol: a trained policy proves."""
        if self.target is None or not np.array_equal(np.asarray(target), self.target):
            raise ValueError(f"target={target!r} is not the target this policy was trained on")
        return self.policy_probs()

    def set_target(self, target: Any, length: int) -> None:
        """Fix ``y*`` and the response length, and reset the policy to ``mu_init_gamma``."""
        target = np.asarray(target, dtype=np.int64)
        if target.shape != (self.target_length,):
            raise ValueError(f"target={target!r} must have target_length={self.target_length}")
        self.target = target
        self.length = check_int("length", length, low=self.target_length)
        self.automaton = matching_automaton(target, self.vocab_size)
        self.logits = np.zeros((self.target_length + 1, self.vocab_size))
        self.logits[np.arange(self.target_length), target] = np.log(self.init_gamma)
        self._prover_advantage = None
        if self.prover is not None:
            self._prover_advantage = prover_advantage(
                self.prover, target, self.vocab_size, self.length
            )

    def success_probability(self) -> float:
        """Exact probability that ``pi`` writes ``y*`` (the accuracy)."""
        assert self.automaton is not None and self.length is not None
        return float(policy_values(self.automaton, self.policy_probs(), self.length).v[0, 0])

    # ----------------------------------------------------------------- learn
    def learn(
        self,
        env: gym.Env,
        total_timesteps: int,
        callback: Callback | list[Callback] | None = None,
        progress_bar: bool = False,
    ) -> PAVPolicyGradient:
        """Train for ``total_timesteps // (batch_size * length)`` iterations (at least 1).

        ``env`` should be a bare :class:`PlantedSequenceEnv` (the agent adds the
        process reward itself). ``y*`` is read from the first reset's info.
        Callbacks see ``iteration`` and ``success_probability`` in ``locals``.
        """
        total_timesteps = check_int("total_timesteps", total_timesteps)
        base = env.unwrapped
        if not isinstance(base, PlantedSequenceEnv):
            raise ValueError(f"env={env!r} must be a PlantedSequenceEnv")
        if (base.vocab_size, base.target_length) != (self.vocab_size, self.target_length):
            raise ValueError(
                f"env has vocab_size={base.vocab_size}, target_length={base.target_length}; "
                f"agent has {self.vocab_size}, {self.target_length}"
            )
        _, info = env.reset(seed=seed_to_int(self.seed))
        if self.target is None or not np.array_equal(info["target"], self.target):
            self.set_target(info["target"], base.length)
        iterations = max(1, total_timesteps // (self.batch_size * base.length))
        callbacks = self._callbacks(callback)
        for iteration in tqdm(range(iterations), disable=not progress_bar, desc="PAV-PG"):
            self.success_curve.append(self.success_probability())
            grad = (
                self._exact_gradient() if self.gradient == "exact" else self._sampled_gradient(env)
            )
            self.logits += self.learning_rate * grad
            callbacks.update_locals(
                {"iteration": iteration, "success_probability": self.success_curve[-1]}
            )
            if not callbacks.on_step():
                break
        self.success_curve.append(self.success_probability())
        callbacks.on_training_end()
        return self

    def _step_weights(self, q_pi: np.ndarray, v_pi: np.ndarray) -> np.ndarray:
        """Effective reward ``Q^pi + alpha * A`` per (h, k, a), ``A = A^mu`` or ``A^pi``."""
        advantage = q_pi - v_pi[:-1, :, None]
        if self._prover_advantage is not None:
            advantage = self._prover_advantage
        return q_pi + self.alpha * advantage

    def _exact_gradient(self) -> np.ndarray:
        assert self.automaton is not None and self.length is not None
        probs = self.policy_probs()
        values = policy_values(self.automaton, probs, self.length)
        weights = self._step_weights(values.q, values.v)
        occupancy: np.ndarray = np.zeros(self.target_length + 1)
        occupancy[0] = 1.0
        grad = np.zeros_like(self.logits)
        for h in range(self.length):
            centred = weights[h] - (probs * weights[h]).sum(axis=1, keepdims=True)
            grad += occupancy[:, None] * probs * centred
            flow = occupancy[:, None] * probs
            occupancy = np.bincount(
                self.automaton.ravel(), flow.ravel(), minlength=self.target_length + 1
            )
        return grad

    def _sampled_gradient(self, env: gym.Env) -> np.ndarray:
        assert self.length is not None
        assert self.automaton is not None
        probs = self.policy_probs()
        table = CategoricalTable(probs)
        # The policy acts on the KMP matching state, which the automaton gives for
        # every response at once: all responses' tokens are drawn step by step in
        # one call per step (one uniform per response and step, in the order a
        # per-response loop would draw them), then played in the env, whose own
        # matching state must agree.
        uniforms = self.rng.random((self.batch_size, self.length))
        states = np.empty((self.batch_size, self.length), dtype=np.int64)
        actions = np.empty((self.batch_size, self.length), dtype=np.int64)
        k = np.zeros(self.batch_size, dtype=np.int64)
        for h in range(self.length):
            states[:, h] = k
            actions[:, h] = table.from_uniforms(uniforms[:, h], rows=k)
            k = self.automaton[k, actions[:, h]]
        outcomes = np.zeros(self.batch_size)
        for i in range(self.batch_size):
            _, info = env.reset()
            for h, a in enumerate(actions[i].tolist()):
                if int(info["matching_state"]) != states[i, h]:
                    raise RuntimeError(
                        "the env's matching_state left the agent's automaton: its target "
                        "changed since set_target (a v0 env reset with a new seed?)"
                    )
                _, reward, _, _, info = env.step(a)
                outcomes[i] += reward
        baseline = (outcomes.sum() - outcomes) / (self.batch_size - 1)
        centred = (outcomes - baseline)[:, None]
        if self._prover_advantage is None:
            weights = (1.0 + self.alpha) * np.broadcast_to(centred, states.shape)
        else:
            steps = np.broadcast_to(np.arange(self.length), states.shape)
            weights = centred + self.alpha * self._prover_advantage[steps, states, actions]
        # d log softmax(theta[k])_a / d theta[k] = onehot(a) - pi(. | k)
        grad = np.zeros_like(self.logits)
        np.add.at(grad, (states.ravel(), actions.ravel()), weights.ravel())
        np.add.at(grad, states.ravel(), -weights.ravel()[:, None] * probs[states.ravel()])
        return grad / self.batch_size

    # ------------------------------------------------------------------- SB3
    def _predict_batch(self, observations: np.ndarray, deterministic: bool) -> np.ndarray:
        """Next tokens for a batch of observations (responses so far)."""
        if self.automaton is None:
            raise RuntimeError("the target is unknown: call learn() or set_target() first")
        batch = np.asarray(observations, dtype=np.int64)
        states = [matching_states(self.automaton, row[row < self.vocab_size])[-1] for row in batch]
        probs = self.policy_probs()[np.asarray(states, dtype=np.int64)]
        return probs.argmax(axis=1) if deterministic else sample_categorical(probs, self.rng)

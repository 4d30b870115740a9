"""Contextual preference bandit with a Bradley-Terry labeller.

Its offline preference data (:class:`PreferenceDataset`,
:func:`make_preference_dataset`) live in :mod:`rlsuite.offline_data.preferences`
and are re-exported here for older imports.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlsuite.envs._single_backed import SingleEnvBackedVectorEnv
from rlsuite.envs._vector import end_rounds, one_hot_contexts
from rlsuite.envs.validation import (
    MAX_SIZE,
    check_action,
    check_actions,
    check_entries,
    check_episode_running,
    check_int,
    check_optional_int,
    check_options,
    check_problem_seed,
    check_real,
    check_real_array,
    check_reset_seed,
)

__all__ = [
    "SAMPLING_POLICIES",
    "PreferenceBanditEnv",
    "PreferenceBanditVectorEnv",
    "sampling_probs",
]

#: Names accepted by :func:`sampling_probs` / :func:`make_preference_dataset`.
SAMPLING_POLICIES = ("uniform", "skewed", "censored")


def _check_probs(name: str, probs: Any, shape: tuple[int, int]) -> np.ndarray:
    arr = check_real_array(name, probs, shape)
    if arr.min() < 0 or not np.allclose(arr.sum(axis=1), 1.0):
        raise ValueError(f"{name} must hold non-negative rows that sum to 1")
    return arr.copy()


def _kl_rows(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``KL(p_x || q_x)`` per row; ``inf`` where ``p`` puts mass outside ``q``'s support."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    return terms.sum(axis=1)


def _draw_problem(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    reward_range: float,
    fixed_rewards: np.ndarray | None,
    reference_kind: str | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Rewards ``(..., X, A)`` (fixed or drawn) and, for a random reference, its probabilities.

    Draws from ``rng``: rewards first (each row spans exactly
    ``[0, reward_range]``), then the reference logits.
    """
    if fixed_rewards is None:
        raw = rng.uniform(0.0, 1.0, shape)
        low, high = raw.min(axis=-1, keepdims=True), raw.max(axis=-1, keepdims=True)
        rewards = reward_range * (raw - low) / (high - low)
    else:
        rewards = np.broadcast_to(fixed_rewards, shape).copy()
    reference = None
    if reference_kind == "random":
        logits = rng.normal(0.0, 1.0, shape)
        probs = np.exp(logits - logits.max(axis=-1, keepdims=True))
        reference = probs / probs.sum(axis=-1, keepdims=True)
    return rewards, reference


class PreferenceBanditEnv(gym.Env[np.ndarray, np.int64]):
    """Contexts x responses with a true reward and a Bradley-Terry preference labeller.

    ## Description
    A prompt (context) ``x`` out of ``n_contexts`` is shown; the agent answers
    with a response ``a`` out of ``n_responses`` and receives the true reward
    ``r*(x, a)``. Offline preference learners never see rewards: they get
    pairs labelled by the Bradley-Terry model
    ``P(a > b | x) = sigmoid((r*(x, a) - r*(x, b)) / temperature)`` from
    :func:`make_preference_dataset`, and are then evaluated here, e.g. by
    SB3's ``evaluate_policy``. This is the bandit of Agarwal, Dann & Marinov
    (ICML 2025) and Fisch et al. (TMLR 2025) with the language model replaced
    by a table of responses.

    ## Action Space
    ``Discrete(n_responses)``. Anything else raises ``ValueError``.

    ## Observation Space
    | Index | Observation                 | Min | Max |
    |-------|-----------------------------|-----|-----|
    | x     | 1 if the context is ``x``   | 0   | 1   |

    A one-hot ``Box(0, 1, (n_contexts,), float32)`` of the context.

    ## Rewards
    ``r*(x, a)`` as a Python float (noiseless). ``info`` carries
    ``expected_reward``, ``expected_rewards`` (``r*(x, .)``), ``optimal_action``,
    ``regret``, ``context``; with a reference policy ``reference_probs``
    (``pi_ref(. | x)``) and, after a step, ``log_reference_prob``; when a policy
    was registered with :meth:`set_policy` as well, ``kl_to_reference`` =
    ``KL(pi(. | x) || pi_ref(. | x))`` of the shown context.

    ## Reward Distribution
    Deterministic given ``(x, a)``: no noise, all moments exist. The
    randomness of the problem is in the preference labels (logistic noise of
    scale ``temperature`` on reward differences; ``temperature=0`` gives
    deterministic labels, ties split by a fair coin).

    ## Starting State
    The context is drawn uniformly. Unless ``rewards`` is given, ``r*(x, .)``
    is drawn i.i.d. ``U[0, 1]`` per context and rescaled affinely so that its
    minimum is 0 and its maximum ``reward_range`` (the ``R`` of Agarwal et
    al.). ``reference_policy="random"`` draws ``pi_ref(. | x) =
    softmax(N(0, 1))`` at the same time (a stand-in for an SFT model that is
    neither uniform nor the sampling policy). Both are drawn in ``__init__``
    from ``problem_seed`` (the first draws of ``default_rng(problem_seed)``,
    so ``problem_seed=s`` poses the problem that v0 drew on ``reset(seed=s)``);
    ``reset(seed=...)`` seeds only the contexts. ``problem_seed=None`` is the
    v0 behaviour: drawn on the first reset and redrawn whenever ``reset`` gets
    a seed.

    ## Episode End
    One step per episode (terminated) by default; ``horizon=T`` gives one
    episode of ``T`` rounds, truncated at ``T``, with a fresh context each round.

    ## Arguments
    ``gym.make("rlsuite/PreferenceBandit-v1", n_contexts=20, n_responses=16,
    reward_range=1.0, temperature=1.0, rewards=None, reference_policy=None,
    horizon=None, problem_seed=0)``. ``rewards`` is an ``(n_contexts,
    n_responses)`` array; ``reference_policy`` is ``None``, ``"uniform"``,
    ``"random"`` or an array of row-stochastic probabilities;
    ``n_contexts * n_responses`` is at most ``10**7``. ``step()`` before
    ``reset()`` or after the episode ended raises.

    ## Version History
    * v1: the problem is fixed by ``problem_seed`` at construction instead of
      being redrawn by every seeded ``reset``; the native vector env's copies
      share it (issue 16). ``step()`` after the episode ended raises.
    * v0: initial version; registered with ``problem_seed=None`` (deprecated).
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        n_contexts: int = 20,
        n_responses: int = 16,
        reward_range: float = 1.0,
        temperature: float = 1.0,
        rewards: Any = None,
        reference_policy: Any = None,
        horizon: int | None = None,
        problem_seed: int | None = 0,
    ) -> None:
        self.n_contexts = check_int("n_contexts", n_contexts, high=MAX_SIZE)
        self.n_responses = check_int("n_responses", n_responses, low=2, high=MAX_SIZE)
        check_entries(
            "n_contexts * n_responses",
            (self.n_contexts, self.n_responses),
            limit=MAX_SIZE,
            holder="the reward table",
        )
        self.reward_range = check_real("reward_range", reward_range, 0.0, 1e6, low_open=True)
        self.temperature = check_real("temperature", temperature, 0.0)
        self.horizon = check_optional_int("horizon", horizon)
        self.problem_seed = check_problem_seed(problem_seed)
        shape = (self.n_contexts, self.n_responses)
        self.fixed_rewards: np.ndarray | None = None
        if rewards is not None:
            self.fixed_rewards = check_real_array("rewards", rewards, shape)
        self._reference_kind: str | None = None
        self.reference_probs: np.ndarray | None = None
        if isinstance(reference_policy, str):
            if reference_policy not in ("uniform", "random"):
                raise ValueError(
                    f"reference_policy={reference_policy!r} must be None, 'uniform', "
                    "'random' or an array of probabilities"
                )
            self._reference_kind = reference_policy
            if reference_policy == "uniform":
                self.reference_probs = np.full(shape, 1.0 / self.n_responses)
        elif reference_policy is not None:
            self.reference_probs = _check_probs("reference_policy", reference_policy, shape)
        self.action_space = spaces.Discrete(self.n_responses)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(self.n_contexts,), dtype=np.float32)
        self.rewards: np.ndarray | None = self.fixed_rewards
        self.policy_probs: np.ndarray | None = None
        self.context = 0
        self._t = 0
        self._started = self._ended = False
        if self.problem_seed is not None:
            self._draw(np.random.default_rng(self.problem_seed))

    @property
    def draws_at_reset(self) -> bool:
        """v0 (``problem_seed=None``): the first or a seeded reset draws the problem."""
        return self.problem_seed is None

    # ---------------------------------------------------------------- ground truth
    def set_policy(self, probs: Any | None) -> None:
        """Register the evaluated policy ``pi(a | x)`` so ``info`` reports its KL to ``pi_ref``."""
        shape = (self.n_contexts, self.n_responses)
        self.policy_probs = None if probs is None else _check_probs("probs", probs, shape)

    def expected_return(self, probs: Any) -> float:
        """``E_x E_{a ~ pi(. | x)} r*(x, a)`` under the uniform context distribution."""
        self._require_reset()
        probs = _check_probs("probs", probs, (self.n_contexts, self.n_responses))
        return float((probs * self.rewards).sum(axis=1).mean())

    def kl_to_reference(self, probs: Any) -> float:
        """``E_x KL(pi(. | x) || pi_ref(. | x))``; raises if no reference is set."""
        self._require_reset()
        if self.reference_probs is None:
            raise RuntimeError("no reference policy: pass reference_policy to the constructor")
        probs = _check_probs("probs", probs, (self.n_contexts, self.n_responses))
        return float(_kl_rows(probs, self.reference_probs).mean())

    def _require_reset(self) -> None:
        if self.rewards is None:
            raise RuntimeError("call reset() before using the reward table")

    # -------------------------------------------------------------------- gym API
    def _obs(self) -> np.ndarray:
        return one_hot_contexts(self.context, self.n_contexts)

    def _draw(self, rng: np.random.Generator) -> None:
        rewards, reference = _draw_problem(
            rng,
            (self.n_contexts, self.n_responses),
            self.reward_range,
            self.fixed_rewards,
            self._reference_kind,
        )
        self.rewards = rewards
        if reference is not None:
            self.reference_probs = reference

    def _round_info(self) -> dict[str, Any]:
        assert self.rewards is not None
        row = self.rewards[self.context]
        info: dict[str, Any] = {
            "context": self.context,
            "expected_rewards": row.copy(),
            "optimal_action": int(np.argmax(row)),
        }
        if self.reference_probs is not None:
            info["reference_probs"] = self.reference_probs[self.context].copy()
            if self.policy_probs is not None:
                rows = (self.policy_probs[self.context][None], info["reference_probs"][None])
                info["kl_to_reference"] = float(_kl_rows(*rows)[0])
        return info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw a context; ``seed`` seeds the contexts (and, for v0, redraws the problem)."""
        super().reset(seed=check_reset_seed(seed))
        check_options(options)
        if self.draws_at_reset and (seed is not None or not self._started):
            self._draw(self.np_random)
        self.context = int(self.np_random.integers(self.n_contexts))
        self._t = 0
        self._started, self._ended = True, False
        return self._obs(), self._round_info()

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Answer the shown context with response ``action``; the reward is ``r*(x, a)``."""
        check_episode_running(self._started, self._ended)
        assert self.rewards is not None
        a = check_action(action, self.n_responses)
        info = self._round_info()
        row = self.rewards[self.context]
        info["expected_reward"] = float(row[a])
        info["regret"] = float(row.max() - row[a])
        if self.reference_probs is not None:
            info["log_reference_prob"] = float(np.log(self.reference_probs[self.context, a]))
        reward = float(row[a])
        self._t += 1
        terminated = self.horizon is None
        truncated = self.horizon is not None and self._t >= self.horizon
        self._ended = terminated or truncated
        if not terminated:
            self.context = int(self.np_random.integers(self.n_contexts))
        return self._obs(), reward, terminated, truncated, info


class PreferenceBanditVectorEnv(SingleEnvBackedVectorEnv[PreferenceBanditEnv]):
    """``R`` copies of :class:`PreferenceBanditEnv` stepped in numpy.

    The constructor takes ``num_envs`` and the single env's arguments, which
    a :class:`PreferenceBanditEnv` (``self.single_env``) validates and uses to
    draw the problem (reward table and, for ``reference_policy="random"``,
    reference policy): every copy poses that one problem and draws its own
    contexts. With ``problem_seed=None`` (v0) each copy instead draws its own
    problem on the first reset and on every seeded reset. Episodes
    auto-reset in the same step (``AutoresetMode.SAME_STEP``): the returned
    observation is always the next round's context, named by
    ``infos["next_round_context"]``. ``infos`` holds ``context``,
    ``expected_reward``, ``regret``, ``optimal_action`` (``(R,)``),
    ``expected_rewards`` (``(R, n_responses)``) and, with a reference policy,
    ``reference_probs`` and ``log_reference_prob``. The single env's
    ``set_policy`` / ``kl_to_reference`` are not mirrored.
    """

    single_env_class = PreferenceBanditEnv

    def __init__(self, num_envs: int = 1, **kwargs: Any) -> None:
        super().__init__(num_envs, **kwargs)
        self.template = self.single_env  # the name before the shared base
        self.n_contexts, self.n_responses = self.template.n_contexts, self.template.n_responses
        self._check_size("n_responses", self.n_responses)
        if self.template.draws_at_reset:  # v0 draws a table per copy
            self._check_size("n_contexts * n_responses", self.n_contexts * self.n_responses)
        self._rows = np.arange(self.num_envs)
        self.rewards: np.ndarray | None = None
        self.reference_probs: np.ndarray | None = None
        if not self.template.draws_at_reset:
            shape = (self.num_envs, self.n_contexts, self.n_responses)
            assert self.template.rewards is not None
            self.rewards = np.broadcast_to(self.template.rewards, shape)
            if self.template.reference_probs is not None:
                self.reference_probs = np.broadcast_to(self.template.reference_probs, shape)
        self.contexts: np.ndarray | None = None

    def _obs(self) -> np.ndarray:
        assert self.contexts is not None
        return one_hot_contexts(self.contexts, self.n_contexts)

    def _round_info(self) -> dict[str, Any]:
        assert self.rewards is not None and self.contexts is not None
        rows = self.rewards[self._rows, self.contexts]
        info: dict[str, Any] = {
            "context": self.contexts.copy(),
            "expected_rewards": rows,
            "optimal_action": rows.argmax(axis=1),
        }
        if self.reference_probs is not None:
            info["reference_probs"] = self.reference_probs[self._rows, self.contexts]
        return info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw every copy's context; ``seed`` seeds them (and, for v0, redraws the problems)."""
        first = self._start_reset(seed, options)
        if self.template.draws_at_reset and (seed is not None or first):
            shape = (self.num_envs, self.n_contexts, self.n_responses)
            self.rewards, reference = _draw_problem(
                self.np_random,
                shape,
                self.template.reward_range,
                self.template.fixed_rewards,
                self.template._reference_kind,
            )
            fixed = self.template.reference_probs
            if reference is None and fixed is not None:
                reference = np.broadcast_to(fixed, shape)
            self.reference_probs = reference
        self.contexts = self.np_random.integers(self.n_contexts, size=self.num_envs)
        return self._obs(), self._round_info()

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Answer every copy's context; rewards are ``r*(x, a)``."""
        self._check_running()
        actions = check_actions(actions, self.num_envs, self.n_responses)
        info = self._round_info()
        expected = info["expected_rewards"][self._rows, actions]
        info["expected_reward"] = expected
        info["regret"] = info["expected_rewards"].max(axis=1) - expected
        if self.reference_probs is not None:
            info["log_reference_prob"] = np.log(info["reference_probs"][self._rows, actions])
        terminated, truncated = end_rounds(self._t, self.horizon)
        self.contexts = self.np_random.integers(self.n_contexts, size=self.num_envs)
        info["next_round_context"] = self.contexts.copy()
        return self._obs(), expected.copy(), terminated, truncated, info


def sampling_probs(
    rewards: np.ndarray, policy: str | np.ndarray = "uniform", strength: float = 2.0
) -> np.ndarray:
    """The data-sampling policy ``mu(a | x)`` for a reward table.

    ``"uniform"``: every response equally. ``"skewed"``: away from the best
    responses, ``mu(a | x) ~ exp(-strength * r*(x, a) / range_x)`` (full
    support). ``"censored"``: uniform over all but the ``n_responses // 4``
    best responses of each context, which ``mu`` never samples. An array is
    checked and returned as is.
    """
    rewards = np.asarray(rewards, dtype=np.float64)
    n_contexts, n_responses = rewards.shape
    if not isinstance(policy, str):
        return _check_probs("sampling_policy", policy, rewards.shape)
    if policy not in SAMPLING_POLICIES:
        raise ValueError(
            f"sampling_policy={policy!r} must be one of {SAMPLING_POLICIES} or an array"
        )
    strength = check_real("strength", strength, 0.0)
    if policy == "uniform":
        return np.full(rewards.shape, 1.0 / n_responses)
    if policy == "skewed":
        span = np.ptp(rewards, axis=1, keepdims=True)
        logits = (
            -strength
            * (rewards - rewards.min(axis=1, keepdims=True))
            / np.where(span > 0, span, 1.0)
        )
        probs = np.exp(logits)
        return probs / probs.sum(axis=1, keepdims=True)
    n_hidden = max(1, n_responses // 4)
    best = np.argsort(-rewards, axis=1, kind="stable")[:, :n_hidden]
    probs = np.ones(rewards.shape)
    np.put_along_axis(probs, best, 0.0, axis=1)
    return probs / probs.sum(axis=1, keepdims=True)


def __getattr__(name: str) -> Any:
    # The preference data moved to rlsuite.offline_data.preferences (which
    # imports this module, hence the lazy re-export for old imports).
    if name in ("PreferenceDataset", "make_preference_dataset"):
        from rlsuite.offline_data import preferences

        return getattr(preferences, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Contextual bandit with a vector reward and a KL-regularised, steerable objective."""

from __future__ import annotations

import math
import sys
import warnings
from types import FrameType
from typing import Any, cast

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlsuite.envs._single_backed import SingleEnvBackedVectorEnv
from rlsuite.envs._vector import end_rounds, one_hot_contexts
from rlsuite.envs.noise import Bernoulli, NoiseModel, make_noise
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
    check_reset_seed,
)

#: Smallest ``kl_coef``: ``1 / kl_coef`` must be a finite float64.
MIN_KL_COEF = 1e-300
#: Largest noise std (or scale, for heavy tails): draws reach about 1e16 times
#: the scale, which must stay below float32's 3.4e38.
MAX_FLOAT32_NOISE_SCALE = 1e20

__all__ = [
    "LinearScalarization",
    "MultiObjectiveBanditEnv",
    "MultiObjectiveBanditVectorEnv",
    "check_weights",
]


def check_weights(weights: Any, n_objectives: int, name: str = "weights") -> np.ndarray:
    """Return ``weights`` as a float64 vector on the probability simplex.

    Raises ``ValueError`` unless ``weights`` has shape ``(n_objectives,)``, is
    finite and non-negative and sums to 1 (to within ``1e-6``).
    """
    arr = np.asarray(weights, dtype=np.float64)
    if arr.shape != (n_objectives,):
        raise ValueError(
            f"{name} has shape {arr.shape}, must be ({n_objectives},) = (n_objectives,)"
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or abs(arr.sum() - 1.0) > 1e-6:
        raise ValueError(f"{name}={arr.tolist()!r} must be non-negative and sum to 1 (the simplex)")
    return arr


#: Gymnasium's vectorizers, which store one float reward per copy
_SCALAR_VECTORIZERS = ("gymnasium.vector.sync_vector_env", "gymnasium.vector.async_vector_env")


def refuse_scalar_vectorizers(env_id: str) -> None:
    """Raise if the caller of ``step`` is Gymnasium's ``SyncVectorEnv`` / ``AsyncVectorEnv``.

    They keep one float reward per copy, so a vector reward crashes the sync
    one ("setting an array element with a sequence") and makes the async one
    return rewards of varying shape. Gymnasium has no hook for this, so the
    env looks at the frames above its ``step`` (skipping Gymnasium's
    wrappers); MO-Gymnasium's ``MOSyncVectorEnv`` steps from its own module
    and passes.
    """
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module in _SCALAR_VECTORIZERS:
            raise TypeError(
                f"{env_id} returns a vector reward, which Gymnasium's SyncVectorEnv / "
                "AsyncVectorEnv (gym.make_vec with 'sync' or 'async') cannot hold. Use the "
                "native vector env, gym.make_vec(id, num_envs, "
                "vectorization_mode='vector_entry_point'), or mo_gymnasium's "
                "MOSyncVectorEnv; for a scalar reward use "
                "'rlsuite/ScalarizedMultiObjectiveBandit-v0' with weights=..."
            )
        if not module.startswith(("gymnasium.core", "gymnasium.wrappers")):
            return
        frame = frame.f_back


class MultiObjectiveBanditEnv(gym.Env[np.ndarray, np.int64]):
    r"""A contextual bandit whose reward is a vector of ``n_objectives`` objectives.

    ## Description
    A small stand-in for multi-objective finetuning of a language policy
    (Wang et al., "Conditional Language Policy", EMNLP Findings 2024): a
    context plays the role of a prompt, an action the role of a response, and
    each objective a reward model (e.g. "informative" vs "concise"). Every
    context ``x`` has ``n_actions`` responses with mean reward vectors
    ``mu(x, a) = rho (cos phi, sin phi)`` (two objectives) with
    ``phi ~ U[0, pi/2]`` and ``rho ~ U[0.2, 1]``, so improving one objective
    costs the other. A reference policy ``pi_ref(a|x) = softmax(z_x)_a`` with
    ``z ~ N(0, reference_scale^2)`` plays the supervised-finetuned model.
    For ``n_objectives > 2`` the directions are uniform on the positive
    orthant of the unit sphere.

    The objective a steerable policy is judged by, for a weight ``w`` on the
    simplex, is the KL-regularised return of CLP's Eq. (1):

    .. math::

        J_w(\pi) = E_x\big[E_{a\sim\pi(\cdot|x)}[w\cdot\mu(x,a)]
                   - \beta\,\mathrm{KL}(\pi(\cdot|x)\,\|\,\pi_{ref}(\cdot|x))\big]
                 = w \cdot J(\pi),

    with ``x`` uniform, ``beta = kl_coef`` and per-objective values
    ``J_i(pi) = E[mu_i] - beta KL`` (:meth:`objective_values`). Its maximiser
    is ``pi*_w(a|x) ∝ pi_ref(a|x) exp(w·mu(x,a)/beta)``
    (:meth:`optimal_policy`); the points ``J(pi*_w)`` trace the exact Pareto
    front, since ``{J(pi)}`` minus the positive orthant is convex.

    ## Action Space
    ``Discrete(n_actions)``: the response. Anything else raises ``ValueError``.

    ## Observation Space
    | Index | Observation                        | Min | Max |
    |-------|------------------------------------|-----|-----|
    | x     | 1 if the context is ``x`` else 0   | 0   | 1   |

    A one-hot ``Box(0, 1, (n_contexts,), float32)``.

    ## Rewards
    A ``float32`` vector of shape ``(n_objectives,)`` inside ``reward_space``,
    following MO-Gymnasium's convention (so ``mo_gymnasium.wrappers.LinearReward``
    and :class:`LinearScalarization` turn it into a scalar). The KL term is not
    part of the sampled reward: it depends on the policy, so the learner adds
    it using ``info["reference_log_probs"]``. ``info`` carries ``context``,
    ``expected_rewards`` (``(n_actions, n_objectives)`` means of the context),
    ``reference_log_probs`` (``log pi_ref(.|x)``) and, after a step,
    ``expected_reward`` (the mean vector of the action taken) and
    ``kl_coef``. ``optimal_action``/``regret`` need a weight: the
    :class:`LinearScalarization` wrapper adds them.

    ## Reward Distribution
    ``noise="bernoulli"`` (default): each objective is an independent
    ``Bernoulli(mu_i(x, a))`` draw, like a binary judge, so rewards lie in
    ``{0, 1}`` and all moments exist. Any other family of
    :mod:`rlsuite.envs.noise` adds its centred noise to each mean
    independently (``reward_space`` is then unbounded).

    ## Starting State
    The instance (means and reference policy) is drawn in ``__init__`` from
    ``problem_seed``, so learners that reseed the env keep the same problem;
    ``reset`` draws a context uniformly with ``self.np_random``, or starts in
    ``options={"context": i}`` (``0 <= i < n_contexts``; several responses to
    one prompt).

    ## Episode End
    With ``horizon=None`` every round is one episode (terminated). With
    ``horizon=T`` one episode runs ``T`` rounds, a fresh context each round
    (then ``info`` also has ``next_round_*`` copies of the keys describing
    the next observation), and is truncated at ``T``.

    ## Arguments
    ``gym.make("rlsuite/MultiObjectiveBandit-v0", n_contexts=16, n_actions=32,
    n_objectives=2, kl_coef=0.1, reference_scale=1.0, noise="bernoulli",
    problem_seed=0, horizon=None)``; ``n_contexts * n_actions * n_objectives``
    is at most ``10**7``, ``kl_coef >= 1e-300`` and the noise scale at most
    ``1e20`` (rewards are float32). ``step()`` before ``reset()`` or after the episode
    ended raises.

    ## Version History
    * v0: initial version. ``instance_seed`` was renamed ``problem_seed``, the
      name every rlsuite env uses; ``instance_seed`` still works for one
      version (deprecated, it warns). The problems drawn are unchanged.
      Registered with ``disable_env_checker=True`` (the passive checker warns
      on every ``gym.make`` that a vector reward is not a float);
      ``gym.make_vec`` in ``sync`` / ``async`` mode raises a ``TypeError``
      naming the native vector env and ``MOSyncVectorEnv``.
      ``reset(options={"context": i})`` was added (the problems and context
      streams without it are unchanged).
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        n_contexts: int = 16,
        n_actions: int = 32,
        n_objectives: int = 2,
        kl_coef: float = 0.1,
        reference_scale: float = 1.0,
        noise: str | NoiseModel = "bernoulli",
        problem_seed: int = 0,
        horizon: int | None = None,
        instance_seed: int | None = None,
    ) -> None:
        self.n_contexts = check_int("n_contexts", n_contexts, low=1, high=MAX_SIZE)
        self.n_actions = check_int("n_actions", n_actions, low=2, high=MAX_SIZE)
        self.n_objectives = check_int("n_objectives", n_objectives, low=2, high=MAX_SIZE)
        check_entries(
            "n_contexts * n_actions * n_objectives",
            (self.n_contexts, self.n_actions, self.n_objectives),
            limit=MAX_SIZE,
            holder="the mean-reward table",
        )
        # 1 / kl_coef scales the logits of optimal_policy: it must be finite.
        self.kl_coef = check_real("kl_coef", kl_coef, MIN_KL_COEF)
        # exp(w . mu / kl_coef) of optimal_policy is computed in log space, so
        # only a scale so large that the logits overflow float64 is refused.
        self.reference_scale = check_real("reference_scale", reference_scale, 0.0, 1e100)
        self.noise = make_noise(noise)
        scale = self.noise.std if math.isfinite(self.noise.std) else getattr(self.noise, "scale", 1)
        if not scale <= MAX_FLOAT32_NOISE_SCALE:
            raise ValueError(
                f"noise={self.noise!r} is out of range: rewards are float32, so the noise "
                f"scale must be at most {MAX_FLOAT32_NOISE_SCALE:g}"
            )
        if instance_seed is not None:
            warnings.warn(
                "instance_seed is deprecated, use problem_seed (the name every rlsuite env uses)",
                DeprecationWarning,
                stacklevel=2,
            )
            seed = check_problem_seed(instance_seed, allow_none=False)
            if problem_seed not in (0, seed):
                raise ValueError(
                    f"instance_seed={instance_seed!r} and problem_seed={problem_seed!r} "
                    "disagree: pass problem_seed only"
                )
            problem_seed = seed
        self.problem_seed = check_problem_seed(problem_seed, allow_none=False)
        self.horizon = check_optional_int("horizon", horizon)
        self.reward_dim = self.n_objectives
        self.action_space = spaces.Discrete(self.n_actions)
        self.observation_space = spaces.Box(0.0, 1.0, (self.n_contexts,), np.float32)
        bounded = isinstance(self.noise, Bernoulli)
        self.reward_space = spaces.Box(
            0.0 if bounded else -np.inf,
            1.0 if bounded else np.inf,
            (self.n_objectives,),
            np.float32,
        )
        self.expected_reward_table, self.reference_log_probs = self._draw_instance()
        self.noise.validate_means(self.expected_reward_table)
        self._context = 0
        self._t = 0
        self._vectorizer_checked = False
        self._started = self._ended = False

    @property
    def instance_seed(self) -> int:
        """Deprecated name of :attr:`problem_seed`."""
        return self.problem_seed

    def _draw_instance(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(self.problem_seed)
        shape = (self.n_contexts, self.n_actions)
        if self.n_objectives == 2:
            angle = rng.uniform(0.0, np.pi / 2, shape)
            direction = np.stack([np.cos(angle), np.sin(angle)], axis=-1)
        else:
            direction = np.abs(rng.normal(size=(*shape, self.n_objectives)))
            direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
        means = rng.uniform(0.2, 1.0, shape)[..., None] * direction
        logits = self.reference_scale * rng.normal(size=shape)
        log_probs = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
        return means, log_probs

    # ----------------------------------------------------------- ground truth
    def context_observations(self) -> np.ndarray:
        """Observations of every context, ``(n_contexts, n_contexts)`` float32."""
        return np.eye(self.n_contexts, dtype=np.float32)

    def optimal_policy(self, weights: Any) -> np.ndarray:
        """``pi*_w``: the ``(n_contexts, n_actions)`` maximiser of ``J_w``."""
        w = check_weights(weights, self.n_objectives)
        logits = self.reference_log_probs + self.expected_reward_table @ w / self.kl_coef
        return np.exp(logits - np.logaddexp.reduce(logits, axis=1, keepdims=True))

    def hypervolume_reference(self) -> np.ndarray:
        """The env's fixed hypervolume reference point.

        The nadir of the exact front, ``min_j J_i(pi*_{e_j})`` per objective,
        minus 10% of the front's range in that objective, so that every
        near-optimal steerable policy's points count.
        """
        corners = np.stack(
            [self.objective_values(self.optimal_policy(e)) for e in np.eye(self.n_objectives)]
        )
        nadir, ideal = corners.min(axis=0), corners.max(axis=0)
        return nadir - 0.1 * (ideal - nadir)

    def objective_values(self, policy: Any) -> np.ndarray:
        """``J_i(pi) = E_x[E_pi mu_i - beta KL(pi || pi_ref)]`` for each objective.

        ``policy`` is an ``(n_contexts, n_actions)`` table of probabilities.
        """
        probs = np.asarray(policy, dtype=np.float64)
        if probs.shape != (self.n_contexts, self.n_actions):
            raise ValueError(
                f"policy has shape {probs.shape}, must be (n_contexts, n_actions) = "
                f"({self.n_contexts}, {self.n_actions})"
            )
        if np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-5):
            raise ValueError("policy rows must be probability distributions")
        log_ratio = np.log(np.where(probs > 0, probs, 1.0)) - self.reference_log_probs
        kl = np.sum(probs * log_ratio, axis=1)
        rewards = np.einsum("ca,cam->cm", probs, self.expected_reward_table)
        return (rewards - self.kl_coef * kl[:, None]).mean(axis=0)

    # --------------------------------------------------------------- gym API
    def _obs(self) -> np.ndarray:
        return one_hot_contexts(self._context, self.n_contexts)

    def _round_info(self) -> dict[str, Any]:
        return {
            "context": self._context,
            "expected_rewards": self.expected_reward_table[self._context].copy(),
            "reference_log_probs": self.reference_log_probs[self._context].copy(),
        }

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode in a uniformly drawn context, or in ``options["context"]``.

        Pinning the context lets a learner draw several responses to one
        prompt (e.g. a leave-one-out baseline); the context stream of
        ``np_random`` is not advanced then.
        """
        super().reset(seed=check_reset_seed(seed))
        pinned = check_options(options, allowed=("context",)).get("context")
        if pinned is None:
            self._context = int(self.np_random.integers(self.n_contexts))
        else:
            self._context = check_int("options['context']", pinned, low=0, high=self.n_contexts - 1)
        self._t = 0
        self._started, self._ended = True, False
        return self._obs(), self._round_info()

    def step(self, action: Any) -> tuple[np.ndarray, np.ndarray, bool, bool, dict[str, Any]]:
        """Answer the current context with ``action``; the reward is a float32 vector."""
        if not self._vectorizer_checked:
            if getattr(self, "reward_space", None) is not None:  # not the scalarised subclass
                refuse_scalar_vectorizers("rlsuite/MultiObjectiveBandit")
            self._vectorizer_checked = True
        check_episode_running(self._started, self._ended)
        a = check_action(action, self.n_actions)
        means = self.expected_reward_table[self._context, a]
        reward = self.noise.sample_rewards(self.np_random, means).astype(np.float32)
        info = self._round_info()
        info["expected_reward"] = means.copy()
        info["kl_coef"] = self.kl_coef
        self._t += 1
        terminated = self.horizon is None
        truncated = self.horizon is not None and self._t >= self.horizon
        self._ended = terminated or truncated
        if self.horizon is not None:
            self._context = int(self.np_random.integers(self.n_contexts))
            info.update({f"next_round_{k}": v for k, v in self._round_info().items()})
        return self._obs(), reward, terminated, truncated, info


class MultiObjectiveBanditVectorEnv(SingleEnvBackedVectorEnv):
    """``R`` independent copies of :class:`MultiObjectiveBanditEnv` stepped in numpy.

    All copies share one instance (means and reference policy, fixed by
    ``problem_seed`` as in the single env) and draw their contexts
    independently from the vector env's ``np_random``. Episodes auto-reset in
    the same step (``AutoresetMode.SAME_STEP``), so the returned observation is
    always the next round's context and ``infos["next_round_context"]`` names
    it. Rewards are ``(R, n_objectives)`` float32, MO-Gymnasium's layout for
    vector envs; ``infos`` holds ``context`` ``(R,)``, ``expected_rewards``
    ``(R, n_actions, n_objectives)``, ``reference_log_probs`` ``(R, n_actions)``
    and ``expected_reward`` ``(R, n_objectives)`` of the rounds just played.
    """

    single_env_class = MultiObjectiveBanditEnv

    def __init__(self, num_envs: int = 1, **kwargs: Any) -> None:
        super().__init__(num_envs, **kwargs)
        self.instance = self.single_env  # the name before the shared base
        self.n_contexts, self.n_actions = self.instance.n_contexts, self.instance.n_actions
        self.n_objectives, self.kl_coef = self.instance.n_objectives, self.instance.kl_coef
        self._check_size("n_actions * n_objectives", self.n_actions * self.n_objectives)
        self.noise = self.instance.noise
        self.reward_space = self.instance.reward_space
        self.contexts: np.ndarray | None = None

    def _obs(self) -> np.ndarray:
        assert self.contexts is not None
        return one_hot_contexts(self.contexts, self.n_contexts)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every copy in a uniformly drawn context."""
        self._start_reset(seed, options)
        self.contexts = self.np_random.integers(self.n_contexts, size=self.num_envs)
        return self._obs(), self._round_info()

    def _round_info(self) -> dict[str, Any]:
        assert self.contexts is not None
        return {
            "context": self.contexts.copy(),
            "expected_rewards": self.instance.expected_reward_table[self.contexts],
            "reference_log_probs": self.instance.reference_log_probs[self.contexts],
        }

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Answer every copy's context; then show the next round's contexts."""
        self._check_running()
        assert self.contexts is not None
        actions = check_actions(actions, self.num_envs, self.n_actions)
        means = self.instance.expected_reward_table[self.contexts, actions]
        rewards = self.noise.sample_rewards(self.np_random, means).astype(np.float32)
        infos = self._round_info()
        infos["expected_reward"] = means
        infos["kl_coef"] = np.full(self.num_envs, self.kl_coef)
        terminated, truncated = end_rounds(self._t, self.horizon)
        self.contexts = self.np_random.integers(self.n_contexts, size=self.num_envs)
        infos["next_round_context"] = self.contexts.copy()
        return self._obs(), rewards, terminated, truncated, infos


class LinearScalarization(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Scalarise a vector reward as ``w · r`` (a float), like MO-Gymnasium's ``LinearReward``.

    The wrapped env must have a ``reward_space`` of shape ``(m,)``; ``weights``
    must lie on the simplex. ``info`` gains ``vector_reward`` and, where the
    env reports ``expected_rewards`` (all actions) and ``expected_reward``,
    their scalarised ``expected_reward``, ``optimal_action`` and ``regret``
    (``max_a w·mu(x,a) - w·mu(x,a_t)``, without the KL term).

    Parameters
    ----------
    env : gymnasium.Env
        An env with a vector reward and a ``reward_space``.
    weights : array-like or None
        Weight of each objective; ``None`` means uniform ``1/m``.
    """

    def __init__(self, env: gym.Env, weights: Any = None) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, weights=weights)
        gym.Wrapper.__init__(self, env)
        reward_space = getattr(env.unwrapped, "reward_space", None)
        if reward_space is None or len(reward_space.shape) != 1:
            raise ValueError("env must have a 1-D reward_space (MO-Gymnasium convention)")
        m = reward_space.shape[0]
        self.weights = check_weights(np.full(m, 1.0 / m) if weights is None else weights, m)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Step the env and return ``w · r`` as the reward."""
        obs, reward, terminated, truncated, info = self.env.step(action)
        info = dict(info)
        info["vector_reward"] = reward
        if "expected_rewards" in info and "expected_reward" in info:
            values = np.asarray(info["expected_rewards"]) @ self.weights
            taken = float(np.asarray(info["expected_reward"]) @ self.weights)
            info["expected_reward"] = taken
            info["optimal_action"] = int(np.argmax(values))
            info["regret"] = float(values.max() - taken)
        scalar = float(np.dot(cast(np.ndarray, reward), self.weights))
        return obs, scalar, terminated, truncated, info

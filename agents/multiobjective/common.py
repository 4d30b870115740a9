"""Pieces shared by the steerable multi-objective learners.

All learners fine-tune a "pretrained" network on the KL-regularised objective
of :class:`rlsuite.envs.multi_objective_bandit.MultiObjectiveBanditEnv`:

``J_w(pi) = E_x[ sum_a pi(a|x,w) (w · mu(x,a)) - beta KL(pi(.|x,w) || pi_ref(.|x)) ]``.

Two gradient estimators (``gradient=``):

* ``"reinforce"`` (default, the paper's regime): for every prompt ``x`` of a
  batch and its weight ``w``, ``samples_per_context`` responses are sampled
  from ``pi(.|x, w)`` and played in the env, which returns one *noisy* reward
  vector each (its ``noise`` parameter); the score-function estimator
  ``mean_j (R_j - b_j) grad log pi(a_j|x,w)`` with the sampled
  KL-regularised return ``R_j = w · r_j - beta log(pi(a_j)/pi_ref(a_j))``
  and the leave-one-out (RLOO) baseline ``b_j`` = mean of the other
  responses' returns to the same prompt (with one response per prompt: of
  the other prompts in the batch). It never reads the env's means.
* ``"exact"``: the full-information gradient of ``J_w`` from
  ``info["expected_rewards"]`` (all actions' means), the earlier setting.

Budget: ``learn(env, total_timesteps)`` spends ``total_timesteps`` env
interactions (sampled rewards; with ``"exact"``, contexts whose mean table
is read), ``batch_size * samples_per_context`` per gradient step, whatever
the method (rewarded soups splits them across its experts).
:attr:`SteerablePolicy.num_timesteps` and ``n_gradient_steps`` count them.

The pretrained network is the same architecture distilled onto ``pi_ref``
(known, as an SFT model's log-probabilities are), the analogue of the
supervised-finetuned checkpoint every method starts from in CLP; its steps
are not env interactions.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from rlsuite.agents.base import OnlineAgent
from rlsuite.agents.callbacks import Callback, CallbackList
from rlsuite.envs.multi_objective_bandit import check_weights
from rlsuite.envs.validation import (
    check_int,
    check_real,
    check_seed,
    sample_categorical,
    seed_to_int,
)

__all__ = [
    "GRADIENTS",
    "SteerableMLP",
    "SteerablePolicy",
    "SteeredPolicy",
    "kl_regularised_objective",
    "leave_one_out_baseline",
    "reinforce_loss",
]

#: The gradient estimators of :class:`SteerablePolicy`.
GRADIENTS = ("reinforce", "exact")


def _space_shape(space: gym.Space) -> tuple[int, ...]:
    """``space.shape``; a space without a shape cannot feed the network."""
    if space.shape is None:
        raise ValueError(f"observation space {space!r} has no shape")
    return space.shape


class SteerableMLP(nn.Module):
    r"""Two hidden tanh layers and a logit layer, optionally conditioned on ``w``.

    * Input conditioning ("prompting"): the torso reads ``[obs, w]``.
    * Logit mixing: the logit layer has one copy ``(W_i, b_i)`` per objective
      and uses ``W(w) = sum_i w_i W_i``, ``b(w) = sum_i w_i b_i``, so
      ``logits = sum_i w_i (W_i h + b_i)`` with ``h`` the shared torso output
      (CLP's parameter-space conditioning restricted to the last layer).
    """

    def __init__(
        self,
        obs_dim: int,
        n_actions: int,
        n_objectives: int,
        hidden_sizes: Sequence[int],
        input_conditioning: bool,
        logit_mixing: bool,
    ) -> None:
        super().__init__()
        self.input_conditioning = input_conditioning
        self.logit_mixing = logit_mixing
        in_dim = obs_dim + (n_objectives if input_conditioning else 0)
        layers: list[nn.Module] = []
        for width in hidden_sizes:
            layers += [nn.Linear(in_dim, width), nn.Tanh()]
            in_dim = width
        self.torso = nn.Sequential(*layers)
        head = nn.Linear(in_dim, n_actions)
        n_heads = n_objectives if logit_mixing else 1
        # Every head starts as a copy, as CLP copies the pretrained layer.
        self.head_weight = nn.Parameter(head.weight.detach().repeat(n_heads, 1, 1))
        self.head_bias = nn.Parameter(head.bias.detach().repeat(n_heads, 1))

    def forward(
        self, obs: torch.Tensor, weights: torch.Tensor, mix_weights: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Logits ``(B, n_actions)`` for observations ``(B, d)`` and weights ``(B, m)``.

        ``mix_weights`` (default ``weights``) mixes the logit heads; pretraining
        passes uniform ones so identical heads get identical updates.
        """
        inputs = torch.cat([obs, weights], dim=1) if self.input_conditioning else obs
        hidden = self.torso(inputs)
        if not self.logit_mixing:
            return hidden @ self.head_weight[0].T + self.head_bias[0]
        mix = weights if mix_weights is None else mix_weights
        per_head = torch.einsum("bh,mah->bma", hidden, self.head_weight) + self.head_bias
        return torch.einsum("bm,bma->ba", mix, per_head)


def kl_regularised_objective(
    logits: torch.Tensor,
    weights: torch.Tensor,
    expected_rewards: torch.Tensor,
    reference_log_probs: torch.Tensor,
    kl_coef: float,
) -> torch.Tensor:
    """Exact per-row ``E_pi[w·mu] - beta KL(pi || pi_ref)``, shape ``(B,)``."""
    log_probs = torch.log_softmax(logits, dim=1)
    scalar_rewards = torch.einsum("bam,bm->ba", expected_rewards, weights)
    per_action = scalar_rewards - kl_coef * (log_probs - reference_log_probs)
    return (log_probs.exp() * per_action).sum(dim=1)


def leave_one_out_baseline(returns: torch.Tensor, group_size: int) -> torch.Tensor:
    """Per-sample baseline: the mean return of the *other* samples of its group.

    ``returns`` has shape ``(n_groups * group_size,)``, groups contiguous
    (the responses to one prompt). With ``group_size == 1`` the group is the
    whole batch. The baseline of a sample never depends on that sample, so
    subtracting it leaves the score-function estimator unbiased.
    """
    if group_size >= 2:
        grouped = returns.reshape(-1, group_size)
        others = (grouped.sum(dim=1, keepdim=True) - grouped) / (group_size - 1)
        return others.reshape(-1)
    if returns.shape[0] < 2:
        raise ValueError("a leave-one-out baseline needs at least 2 samples in the batch")
    return (returns.sum() - returns) / (returns.shape[0] - 1)


def reinforce_loss(
    logits: torch.Tensor,
    actions: torch.Tensor,
    vector_rewards: torch.Tensor,
    weights: torch.Tensor,
    reference_log_probs: torch.Tensor,
    kl_coef: float,
    group_size: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Score-function surrogate loss and the sampled KL-regularised returns.

    Parameters
    ----------
    logits : Tensor, shape (N, n_actions)
        ``pi(.|x_j, w_j)`` logits of each sample (grad attached).
    actions : Tensor of int64, shape (N,)
        The sampled responses.
    vector_rewards : Tensor, shape (N, m)
        The env's noisy reward vectors.
    weights : Tensor, shape (N, m)
        Each sample's weight.
    reference_log_probs : Tensor, shape (N, n_actions)
        ``log pi_ref(.|x_j)``.
    kl_coef : float
        ``beta``.
    group_size : int
        Samples per prompt (contiguous), for :func:`leave_one_out_baseline`.

    Returns
    -------
    loss, returns
        ``-mean_j (R_j - b_j) log pi(a_j)`` (its gradient is minus the
        unbiased estimate of ``grad mean_x J_w``) and ``R_j``, shape ``(N,)``.
    """
    log_probs = torch.log_softmax(logits, dim=1)
    taken = log_probs.gather(1, actions[:, None]).squeeze(1)
    reference = reference_log_probs.gather(1, actions[:, None]).squeeze(1)
    with torch.no_grad():
        returns = (vector_rewards * weights).sum(dim=1) - kl_coef * (taken - reference)
        advantages = returns - leave_one_out_baseline(returns, group_size)
    return -(advantages * taken).mean(), returns


class SteeredPolicy:
    """A steerable policy fixed at one weight; SB3 ``PolicyPredictor``."""

    def __init__(self, policy: SteerablePolicy, weights: Any) -> None:
        self.policy = policy
        self.weights = check_weights(weights, policy.n_objectives)

    def predict(
        self,
        observation: np.ndarray,
        state: Any = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = False,
    ) -> tuple[np.ndarray, Any]:
        """Actions for a single or batched observation at this weight."""
        return self.policy._predict_at(observation, self.weights, deterministic), state


class SteerablePolicy(OnlineAgent):
    """Base of the steerable learners: env bookkeeping, pretraining, the update loop.

    Subclasses implement :meth:`_logits` and :meth:`_learn` (the updates of
    one :meth:`learn` call, each through :meth:`_update`). Callbacks see
    ``objective``, ``num_timesteps`` and ``n_gradient_steps`` after every
    gradient step.

    Parameters
    ----------
    env : gymnasium.Env
        A :class:`MultiObjectiveBanditEnv` (possibly wrapped).
    kl_coef : float or None
        ``beta``; ``None`` takes the env's ``kl_coef``.
    hidden_sizes : sequence of int
        Widths of the hidden layers.
    learning_rate : float
        Adam step size.
    batch_size : int
        Prompts (each with its own weight) per gradient step.
    pretrain_steps : int
        Adam steps distilling ``pi_ref`` into the network before fine-tuning.
    gradient : {"reinforce", "exact"}
        The gradient estimator (see the module docstring).
    samples_per_context : int
        Responses sampled per prompt with ``"reinforce"`` (the leave-one-out
        group); ``1`` uses the other prompts of the batch as the baseline.
        Ignored by ``"exact"``.
    seed : int >= 0 or numpy.random.Generator
        Seeds the network initialisation, weight sampling and action sampling,
        and the env's first reset (its context stream, not its instance).
    """

    input_conditioning = True
    logit_mixing = True

    def __init__(
        self,
        env: gym.Env,
        *,
        kl_coef: float | None = None,
        hidden_sizes: Sequence[int] = (64, 64),
        learning_rate: float = 3e-3,
        batch_size: int = 64,
        pretrain_steps: int = 300,
        gradient: str = "reinforce",
        samples_per_context: int = 4,
        seed: int | np.random.Generator = 0,
    ) -> None:
        if not isinstance(env, gym.Env):
            raise TypeError(f"env={env!r} must be a gymnasium.Env")
        unwrapped = env.unwrapped
        reward_space = getattr(unwrapped, "reward_space", None)
        if reward_space is None or not isinstance(env.action_space, gym.spaces.Discrete):
            raise ValueError("env must have a Discrete action space and a vector reward_space")
        self.env = env
        self.n_objectives = int(reward_space.shape[0])
        self.n_actions = int(env.action_space.n)
        self.obs_dim = int(np.prod(_space_shape(env.observation_space)))
        default_kl = getattr(unwrapped, "kl_coef", None)
        if kl_coef is None and default_kl is None:
            raise ValueError("kl_coef=None needs an env with a kl_coef attribute")
        kl_coef = default_kl if kl_coef is None else kl_coef
        self.kl_coef = check_real("kl_coef", kl_coef, 0.0, low_open=True)
        self.hidden_sizes = tuple(check_int("hidden_sizes", h) for h in hidden_sizes)
        if not self.hidden_sizes:
            raise ValueError("hidden_sizes=() must name at least one hidden layer")
        self.learning_rate = check_real("learning_rate", learning_rate, 0.0, low_open=True)
        self.batch_size = check_int("batch_size", batch_size)
        self.pretrain_steps = check_int("pretrain_steps", pretrain_steps, low=0)
        if not isinstance(gradient, str):
            raise TypeError(f"gradient={gradient!r} must be a str, one of {GRADIENTS}")
        if gradient not in GRADIENTS:
            raise ValueError(f"gradient={gradient!r} is not one of {GRADIENTS}")
        self.gradient = gradient
        self.samples_per_context = check_int("samples_per_context", samples_per_context)
        if gradient == "reinforce" and self.batch_size * self.samples_per_context < 2:
            raise ValueError(
                f"batch_size * samples_per_context = {self.batch_size * self.samples_per_context}"
                " is out of range: the leave-one-out baseline needs at least 2 samples"
            )
        if check_seed(seed) is None:
            raise TypeError("seed=None is not supported: the env's first reset needs a seed")
        self.seed = seed_to_int(check_seed(seed))
        self.rng = np.random.default_rng(self.seed)
        self._callback_list: CallbackList | None = None
        self.weights = np.full(self.n_objectives, 1.0 / self.n_objectives)
        self._env_seeded = False
        self._pretrained = False
        #: env interactions spent in fine-tuning, and gradient steps taken
        self.num_timesteps = 0
        self.n_gradient_steps = 0
        #: each gradient step's objective (mean sampled return with "reinforce")
        self.history: list[float] = []
        with torch.random.fork_rng():
            torch.manual_seed(self.seed)
            self.network = SteerableMLP(
                self.obs_dim,
                self.n_actions,
                self.n_objectives,
                self.hidden_sizes,
                self.input_conditioning,
                self.logit_mixing,
            )

    # ----------------------------------------------------------------- acting
    def set_weights(self, weights: Any) -> None:
        """Steer :meth:`predict` to the trade-off ``weights`` (on the simplex)."""
        self.weights = check_weights(weights, self.n_objectives)

    def steered(self, weights: Any) -> SteeredPolicy:
        """A view acting at ``weights`` (several views can share one learner)."""
        return SteeredPolicy(self, weights)

    def action_probs(self, observations: np.ndarray, weights: Any = None) -> np.ndarray:
        """``pi(.|x, w)`` for a batch of observations, shape ``(B, n_actions)``."""
        w = self.weights if weights is None else check_weights(weights, self.n_objectives)
        obs = torch.as_tensor(np.asarray(observations, np.float32).reshape(-1, self.obs_dim))
        w_batch = torch.as_tensor(np.tile(w, (obs.shape[0], 1)), dtype=torch.float32)
        with torch.no_grad():
            probs = torch.softmax(self._logits(obs, w_batch), dim=1).double().numpy()
        return probs / probs.sum(axis=1, keepdims=True)

    def _obs_ndim(self) -> int:
        return len(_space_shape(self.env.observation_space))

    def _predict_batch(self, observations: np.ndarray, deterministic: bool) -> np.ndarray:
        """Actions at the weight set by :meth:`set_weights`."""
        return self._predict_at(observations, self.weights, deterministic)

    def _predict_at(self, observation: np.ndarray, weights: np.ndarray, deterministic: bool):
        obs = np.asarray(observation, dtype=np.float32)
        single = obs.ndim == len(_space_shape(self.env.observation_space))
        probs = self.action_probs(obs, weights)
        actions = probs.argmax(axis=1) if deterministic else sample_categorical(probs, self.rng)
        return actions[0] if single else actions

    def _logits(self, obs: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return self.network(obs, weights)

    # --------------------------------------------------------------- training
    def learn(
        self,
        env: gym.Env | int,
        total_timesteps: int | None = None,
        callback: Callback | list[Callback] | None = None,
        progress_bar: bool = False,
    ) -> SteerablePolicy:
        """Pretrain on ``pi_ref`` (first call only), then fine-tune on ``total_timesteps``.

        ``total_timesteps`` counts env interactions (see the module
        docstring); ``batch_size * samples_per_context`` make one gradient
        step (``batch_size`` with ``gradient="exact"``). ``env`` is the env the
        learner was built for or one with the same spaces (its contexts are
        then drawn from it). ``learn(total_timesteps)`` without the env is
        deprecated. ``progress_bar`` is accepted for SB3 compatibility.
        """
        if total_timesteps is None and not isinstance(env, gym.Env):
            warnings.warn(
                f"{type(self).__name__}.learn(total_timesteps) is deprecated; "
                "use learn(env, total_timesteps)",
                DeprecationWarning,
                stacklevel=2,
            )
            total_timesteps = env
            env = self.env
        if not isinstance(env, gym.Env):
            raise TypeError(f"env={env!r} must be a gymnasium.Env")
        if (env.observation_space, env.action_space) != (
            self.env.observation_space,
            self.env.action_space,
        ):
            raise ValueError(
                f"env={env!r} has other spaces than the env this learner was built for"
            )
        if env is not self.env:
            self.env, self._env_seeded = env, False
        n_updates = self._n_updates(total_timesteps)
        self._callback_list = self._callbacks(callback)
        try:
            self.pretrain()
            self._learn(n_updates)
        finally:
            self._callback_list.on_training_end()
            self._callback_list = None
        return self

    def pretrain(self) -> SteerablePolicy:
        """Distil ``pi_ref`` into the network (once; :meth:`learn` calls it first)."""
        if not self._pretrained:
            self._pretrained = True
            self._pretrain(self.network)
            self._after_pretrain()
        return self

    def _after_pretrain(self) -> None:
        """Hook run once after pretraining (rewarded soups copies its experts here)."""

    def _learn(self, n_updates: int) -> None:
        raise NotImplementedError

    def _reset(self, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        seed = None if self._env_seeded else self.seed
        self._env_seeded = True
        return self.env.reset(seed=seed, options=options)

    def _prompts(self, n: int) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
        """``n`` prompts from env resets: observations, ``log pi_ref``, context ids."""
        obs, ref, contexts = [], [], []
        for _ in range(n):
            o, info = self._reset()
            obs.append(o)
            ref.append(info["reference_log_probs"])
            contexts.append(info["context"])
        return _tensor(obs).reshape(n, -1), _tensor(ref), np.asarray(contexts)

    def _collect(self, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``n`` contexts with their mean tables (``"exact"`` only): obs, means, ``log pi_ref``."""
        obs, rewards, ref = [], [], []
        for _ in range(n):
            o, info = self._reset()
            if "expected_rewards" not in info:
                raise ValueError(
                    "gradient='exact' needs info['expected_rewards'] (every action's mean "
                    "reward vector); this env does not report it: use gradient='reinforce'"
                )
            obs.append(o)
            rewards.append(info["expected_rewards"])
            ref.append(info["reference_log_probs"])
        return _tensor(obs).reshape(n, -1), _tensor(rewards), _tensor(ref)

    def _play(self, contexts: np.ndarray, actions: np.ndarray) -> torch.Tensor:
        """One env interaction per ``(context, action)``: the noisy reward vectors."""
        rewards = []
        for context, action in zip(contexts.tolist(), actions.tolist()):
            self._reset({"context": context})
            _, reward, _, _, _ = self.env.step(action)
            rewards.append(reward)
        return _tensor(rewards).reshape(len(rewards), self.n_objectives)

    def _dirichlet_weights(self, n: int, alpha: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(self.rng.dirichlet(alpha, size=n), dtype=torch.float32)

    def _pretrain(self, network: SteerableMLP) -> None:
        """Distil ``pi_ref`` into ``network`` (the shared "SFT" starting point)."""
        optimiser = torch.optim.Adam(network.parameters(), lr=self.learning_rate)
        uniform = np.ones(self.n_objectives)
        for _ in range(self.pretrain_steps):
            obs, ref, _ = self._prompts(self.batch_size)
            # Random w teaches input-conditioned nets that the base ignores w.
            w = self._dirichlet_weights(self.batch_size, uniform)
            tied = torch.full_like(w, 1.0 / self.n_objectives)
            log_probs = torch.log_softmax(network(obs, w, tied), dim=1)
            loss = (ref.exp() * (ref - log_probs)).sum(dim=1).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()

    def _optimiser(self, network: SteerableMLP) -> torch.optim.Optimizer:
        return torch.optim.Adam(network.parameters(), lr=self.learning_rate)

    def _update(
        self, network: SteerableMLP, optimiser: torch.optim.Optimizer, sample_weights: Any
    ) -> bool:
        """One gradient step on ``J_w``; ``sample_weights(n)`` gives the ``(n, m)`` weights.

        Returns ``False`` when a callback asks to stop.
        """
        if self.gradient == "exact":
            obs, rewards, ref = self._collect(self.batch_size)
            w = sample_weights(self.batch_size)
            objective = kl_regularised_objective(network(obs, w), w, rewards, ref, self.kl_coef)
            loss, value = -objective.mean(), float(objective.detach().mean())
            self.num_timesteps += self.batch_size
        else:
            k = self.samples_per_context
            obs, ref, contexts = self._prompts(self.batch_size)
            w = sample_weights(self.batch_size)
            obs, ref, w = (t.repeat_interleave(k, dim=0) for t in (obs, ref, w))
            logits = network(obs, w)
            with torch.no_grad():
                probs = torch.softmax(logits, dim=1).double().numpy()
            actions = sample_categorical(probs / probs.sum(axis=1, keepdims=True), self.rng)
            rewards = self._play(np.repeat(contexts, k), actions)
            loss, returns = reinforce_loss(
                logits, torch.as_tensor(actions), rewards, w, ref, self.kl_coef, k
            )
            value = float(returns.mean())
            self.num_timesteps += len(actions)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        self.n_gradient_steps += 1
        self.history.append(value)
        if self._callback_list is None:
            return True
        self._callback_list.update_locals(
            {
                "objective": value,
                "num_timesteps": self.num_timesteps,
                "n_gradient_steps": self.n_gradient_steps,
            }
        )
        return bool(self._callback_list.on_step())

    @property
    def steps_per_update(self) -> int:
        """Env interactions per gradient step."""
        return self.batch_size * (self.samples_per_context if self.gradient == "reinforce" else 1)

    def _n_updates(self, total_timesteps: int | None) -> int:
        total_timesteps = check_int("total_timesteps", total_timesteps)
        return max(1, total_timesteps // self.steps_per_update)

    @staticmethod
    def _copy(network: SteerableMLP) -> SteerableMLP:
        return copy.deepcopy(network)


def _tensor(values: Any) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values), dtype=torch.float32)

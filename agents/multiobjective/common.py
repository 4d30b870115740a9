"""Pieces shared by the steerable multi-objective learners.

All learners fine-tune a "pretrained" network on the KL-regularised objective
of :class:`rlsuite.envs.multi_objective_bandit.MultiObjectiveBanditEnv`:

``J_w(pi) = E_x[ sum_a pi(a|x,w) (w · mu(x,a)) - beta KL(pi(.|x,w) || pi_ref(.|x)) ]``.

The expectation over actions is computed exactly from ``info["expected_rewards"]``
(a bandit has few actions); contexts are drawn by resetting the env. The
pretrained network is the same architecture distilled onto ``pi_ref``, the
analogue of the supervised-finetuned checkpoint every method starts from
in CLP.
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

__all__ = ["SteerableMLP", "SteerablePolicy", "SteeredPolicy", "kl_regularised_objective"]


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
    one :meth:`learn` call). Callbacks see ``objective`` after every update.

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
        Contexts (each with its own weight) per gradient step.
    pretrain_steps : int
        Adam steps distilling ``pi_ref`` into the network before fine-tuning.
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
        self.obs_dim = int(np.prod(env.observation_space.shape))
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
        if check_seed(seed) is None:
            raise TypeError("seed=None is not supported: the env's first reset needs a seed")
        self.seed = seed_to_int(check_seed(seed))
        self.rng = np.random.default_rng(self.seed)
        self._callback_list: CallbackList | None = None
        self.weights = np.full(self.n_objectives, 1.0 / self.n_objectives)
        self._env_seeded = False
        self._pretrained = False
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
        return len(self.env.observation_space.shape)

    def _predict_batch(self, observations: np.ndarray, deterministic: bool) -> np.ndarray:
        """Actions at the weight set by :meth:`set_weights`."""
        return self._predict_at(observations, self.weights, deterministic)

    def _predict_at(self, observation: np.ndarray, weights: np.ndarray, deterministic: bool):
        obs = np.asarray(observation, dtype=np.float32)
        single = obs.ndim == len(self.env.observation_space.shape)
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
        """Pretrain on ``pi_ref`` (first call only), then fine-tune on ``total_timesteps`` contexts.

        ``env`` is the env the learner was built for or one with the same
        spaces (its contexts are then drawn from it). ``learn(total_timesteps)``
        without the env is deprecated. ``progress_bar`` is accepted for SB3
        compatibility; the updates are too few and fast to need one.
        """
        if total_timesteps is None and not isinstance(env, gym.Env):
            warnings.warn(
                f"{type(self).__name__}.learn(total_timesteps) is deprecated; "
                "use learn(env, total_timesteps)",
                DeprecationWarning,
                stacklevel=2,
            )
            env, total_timesteps = self.env, env
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
            self._learn(n_updates)
        finally:
            self._callback_list.on_training_end()
            self._callback_list = None
        return self

    def _learn(self, n_updates: int) -> None:
        raise NotImplementedError

    def _collect(self, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``n`` contexts from env resets: observations, mean rewards, ``log pi_ref``."""
        obs, rewards, ref = [], [], []
        for _ in range(n):
            seed = None if self._env_seeded else self.seed
            o, info = self.env.reset(seed=seed)
            self._env_seeded = True
            obs.append(o)
            rewards.append(info["expected_rewards"])
            ref.append(info["reference_log_probs"])
        as_tensor = lambda x: torch.as_tensor(np.asarray(x), dtype=torch.float32)  # noqa: E731
        return as_tensor(obs).reshape(n, -1), as_tensor(rewards), as_tensor(ref)

    def _dirichlet_weights(self, n: int, alpha: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(self.rng.dirichlet(alpha, size=n), dtype=torch.float32)

    def _pretrain(self, network: SteerableMLP) -> None:
        """Distil ``pi_ref`` into ``network`` (the shared "SFT" starting point), once."""
        if self._pretrained:
            return
        self._pretrained = True
        optimiser = torch.optim.Adam(network.parameters(), lr=self.learning_rate)
        uniform = np.ones(self.n_objectives)
        for _ in range(self.pretrain_steps):
            obs, _, ref = self._collect(self.batch_size)
            # Random w teaches input-conditioned nets that the base ignores w.
            w = self._dirichlet_weights(self.batch_size, uniform)
            tied = torch.full_like(w, 1.0 / self.n_objectives)
            log_probs = torch.log_softmax(network(obs, w, tied), dim=1)
            loss = (ref.exp() * (ref - log_probs)).sum(dim=1).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()

    def _finetune(self, network: SteerableMLP, n_updates: int, sample_weights: Any) -> list[float]:
        """Gradient ascent on ``J_w``; ``sample_weights(n)`` gives the ``(n, m)`` weights."""
        optimiser = torch.optim.Adam(network.parameters(), lr=self.learning_rate)
        history = []
        for _ in range(n_updates):
            obs, rewards, ref = self._collect(self.batch_size)
            w = sample_weights(self.batch_size)
            objective = kl_regularised_objective(network(obs, w), w, rewards, ref, self.kl_coef)
            loss = -objective.mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            history.append(float(objective.detach().mean()))
            if self._callback_list is not None:
                self._callback_list.update_locals({"objective": history[-1]})
                if not self._callback_list.on_step():
                    break
        return history

    def _n_updates(self, total_timesteps: int) -> int:
        total_timesteps = check_int("total_timesteps", total_timesteps)
        return max(1, total_timesteps // self.batch_size)

    @staticmethod
    def _copy(network: SteerableMLP) -> SteerableMLP:
        return copy.deepcopy(network)

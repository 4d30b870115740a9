"""What the private learners share: the expert dataset view, the policy MLP, BC, ``predict``.

Every learner's ``fit`` accepts a :class:`minari.MinariDataset` whose
episodes store ``infos["expert_id"]`` (as written by
:func:`rlsuite.offline_data.collect` with ``policy_key="expert_id"``) or an
in-memory sequence of episodes (objects or dicts with ``observations``,
``actions`` and ``expert_id``, e.g. from
:func:`rlsuite.offline_data.experts.generate_expert_episodes`).
:func:`as_expert_data` turns either into one :class:`ExpertData`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from rlsuite.agents.base import OfflineLearner, isolated_torch_rng
from rlsuite.agents.callbacks import Callback, CallbackList
from rlsuite.envs.validation import (
    check_int,
    check_real,
    check_seed,
    require_extra,
    sample_categorical,
    seed_to_int,
)

__all__ = [
    "ExpertData",
    "PrivateLearner",
    "as_expert_data",
    "check_seed",
    "check_privacy",
    "make_policy_net",
    "require_privacy_extra",
    "train_bc",
]


def require_privacy_extra(module: str) -> Any:
    """Import ``module`` (``opacus`` or ``dp_accounting``) or say which extra installs it."""
    return require_extra(module, "privacy", "the private learners")


def check_privacy(epsilon: Any, delta: Any) -> tuple[float, float]:
    """Validate a privacy target: ``epsilon > 0`` and ``delta`` in ``(0, 1)``."""
    epsilon = check_real("epsilon", epsilon, 0.0, low_open=True)
    delta = check_real("delta", delta, 0.0, 1.0, low_open=True, high_open=True)
    return epsilon, delta


@dataclass
class ExpertData:
    """All transitions of a dataset, each tagged with its expert (the privacy unit).

    ``expert_index`` maps the original ids to ``0..n_experts-1``.
    """

    observations: np.ndarray
    actions: np.ndarray
    expert_index: np.ndarray
    expert_ids: np.ndarray
    n_actions: int
    env_id: str | None
    #: ``episode_bounds[k]:episode_bounds[k + 1]`` are episode ``k``'s rows (in order)
    episode_bounds: np.ndarray | None = None

    @property
    def n_experts(self) -> int:
        """Number of distinct experts."""
        return len(self.expert_ids)

    @property
    def obs_dim(self) -> int:
        """Length of one observation."""
        return int(self.observations.shape[1])

    def per_expert(self, max_transitions: int, rng: np.random.Generator):
        """Pad every expert's transitions to ``(n_experts, k, ...)`` tensors plus a mask.

        Experts with more than ``max_transitions`` transitions keep a random
        subset; the choice depends on that expert's data only, so it does not
        change the expert-level sensitivity.
        """
        order = np.argsort(self.expert_index, kind="stable")
        bounds = np.searchsorted(self.expert_index[order], np.arange(self.n_experts + 1))
        k = int(min(max_transitions, np.diff(bounds).max()))
        obs = np.zeros((self.n_experts, k, self.obs_dim), dtype=np.float32)
        actions = np.zeros((self.n_experts, k), dtype=np.int64)
        mask = np.zeros((self.n_experts, k), dtype=np.float32)
        for e in range(self.n_experts):
            rows = order[bounds[e] : bounds[e + 1]]
            if len(rows) > k:
                rows = rng.choice(rows, size=k, replace=False)
            obs[e, : len(rows)] = self.observations[rows]
            actions[e, : len(rows)] = self.actions[rows]
            mask[e, : len(rows)] = 1.0
        return torch.from_numpy(obs), torch.from_numpy(actions), torch.from_numpy(mask)


def _episode_field(episode: Any, name: str) -> Any:
    if isinstance(episode, Mapping):
        return episode.get(name)
    return getattr(episode, name, None)


def _expert_of(episode: Any, key: str) -> int:
    value = _episode_field(episode, key)
    if value is None:
        infos = _episode_field(episode, "infos") or {}
        value = infos.get(key) if isinstance(infos, Mapping) else None
    if value is None:
        raise ValueError(
            f"dataset episode has no {key!r} (neither a field nor infos[{key!r}]); "
            "expert-level privacy needs to know which expert produced each episode"
        )
    ids = np.unique(np.asarray(value).reshape(-1))
    if len(ids) != 1:
        raise ValueError(f"episode {key!r} must be constant, got values {ids[:5]}")
    return int(ids[0])


def as_expert_data(dataset: Any, expert_key: str = "expert_id") -> ExpertData:
    """Flatten a Minari dataset or a sequence of episodes into :class:`ExpertData`."""
    env_id, n_actions = None, None
    if hasattr(dataset, "iterate_episodes"):  # minari.MinariDataset
        episodes = list(dataset.iterate_episodes())
        env_id = getattr(getattr(dataset, "env_spec", None), "id", None)
        n_actions = int(getattr(dataset.action_space, "n", 0)) or None
    elif isinstance(dataset, Sequence) and not isinstance(dataset, (str, bytes)):
        episodes = list(dataset)
    else:
        raise ValueError(
            f"dataset={type(dataset).__name__} must be a minari.MinariDataset or a "
            "sequence of episodes with observations, actions and expert_id"
        )
    if not episodes:
        raise ValueError("dataset has no episodes")
    obs, actions, owners = [], [], []
    for episode in episodes:
        expert = _expert_of(episode, expert_key)
        ep_actions = np.asarray(_episode_field(episode, "actions")).reshape(-1).astype(np.int64)
        ep_obs = np.asarray(_episode_field(episode, "observations"), dtype=np.float32)
        obs.append(ep_obs[: len(ep_actions)].reshape(len(ep_actions), -1))
        actions.append(ep_actions)
        owners.append(np.full(len(ep_actions), expert, dtype=np.int64))
        env_id = env_id or _episode_field(episode, "env_id")
    all_owners = np.concatenate(owners)
    expert_ids, expert_index = np.unique(all_owners, return_inverse=True)
    all_actions = np.concatenate(actions)
    return ExpertData(
        observations=np.concatenate(obs),
        actions=all_actions,
        expert_index=expert_index.astype(np.int64),
        expert_ids=expert_ids,
        n_actions=n_actions or int(all_actions.max()) + 1,
        env_id=env_id,
        episode_bounds=np.cumsum([0] + [len(a) for a in actions]),
    )


def make_policy_net(obs_dim: int, n_actions: int, hidden_sizes: Sequence[int]) -> nn.Module:
    """The small tanh MLP every learner uses (logits over discrete actions)."""
    layers: list[nn.Module] = []
    width = obs_dim
    for size in hidden_sizes:
        layers += [nn.Linear(width, size), nn.Tanh()]
        width = size
    return nn.Sequential(*layers, nn.Linear(width, n_actions))


def train_bc(
    net: nn.Module,
    observations: np.ndarray,
    actions: np.ndarray,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    generator: torch.Generator,
) -> None:
    """Non-private behaviour cloning (cross-entropy, Adam, uniform minibatches)."""
    if len(actions) == 0:
        return
    obs_t = torch.as_tensor(observations, dtype=torch.float32)
    act_t = torch.as_tensor(actions, dtype=torch.int64)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(steps):
        rows = torch.randint(len(act_t), (min(batch_size, len(act_t)),), generator=generator)
        loss = nn.functional.cross_entropy(net(obs_t[rows]), act_t[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


class PrivateLearner(OfflineLearner):
    """Base of the learners: seeding, ``predict`` (SB3 ``PolicyPredictor``), privacy report.

    Privacy attributes (every learner):

    ``target_epsilon``, ``target_delta``
        The guarantee asked for in the constructor; one :meth:`fit` never
        spends more.
    ``epsilon_spent``, ``delta_spent``
        What the last :meth:`fit` spent, from the same accountant that
        calibrated the noise. From the moment :meth:`fit` may read data until
        it completes they hold the planned (worst-case) values, so an
        interrupted fit is never reported as cheaper than it may have been.
        ``0`` before any fit; ``inf`` for a non-private learner.

    Subclasses implement :meth:`plan` (every check and calibration that needs
    no data: it runs before the data is read, and raises there) and
    :meth:`_train` (returns the trained network); :meth:`fit` drops any previous
    model first and installs the new one only when training completed, so a
    fit that raised (including ``KeyboardInterrupt``) leaves no usable model.
    """

    #: ``hidden=h`` (one width for both layers) is the deprecated ``hidden_sizes=(h, h)``.
    _renamed_parameters = {
        "hidden": ("hidden_sizes", lambda width: (width, width)),
        "lr": "learning_rate",
    }

    def __init__(
        self,
        *,
        hidden_sizes: Sequence[int] = (64, 64),
        seed: int | np.random.Generator | None = None,
    ) -> None:
        if isinstance(hidden_sizes, (str, bytes)) or not isinstance(hidden_sizes, Sequence):
            raise TypeError(f"hidden_sizes={hidden_sizes!r} must be a sequence of ints")
        self.hidden_sizes = tuple(check_int("hidden_sizes", h) for h in hidden_sizes)
        self.seed = check_seed(seed)
        # Sampled predict draws from here, so a loaded learner acts as the saved one.
        self.rng = np.random.default_rng(self.seed)
        self.net: nn.Module | None = None
        self.fit_completed = False
        self.epsilon_spent = 0.0
        self.delta_spent = 0.0
        self.epsilon_history: list[tuple[int, float]] = []

    # ----------------------------------------------------------------- privacy
    def plan(self) -> tuple[float, float]:
        """Calibrate without data and return the ``(epsilon, delta)`` one fit spends at most.

        Raises ``ValueError`` if the target cannot be met; nothing is read.
        """
        return self.target_epsilon, self.target_delta  # type: ignore[attr-defined]

    def planned_privacy(self) -> tuple[float, float]:
        """Same as :meth:`plan` (the name :class:`PrivacyBudget` calls)."""
        return self.plan()

    @property
    def epsilon(self) -> float:
        """Deprecated alias of :attr:`epsilon_spent`."""
        warnings.warn(
            "`.epsilon` is deprecated; use `.epsilon_spent` (or `.target_epsilon`)",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.epsilon_spent

    @property
    def delta(self) -> float:
        """Deprecated alias of :attr:`delta_spent`."""
        warnings.warn(
            "`.delta` is deprecated; use `.delta_spent` (or `.target_delta`)",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.delta_spent

    # --------------------------------------------------------------------- fit
    def _base_seed(self) -> int:
        """The integer every generator of a ``fit`` derives from (``seed=None`` -> 0)."""
        if not hasattr(self, "_fit_seed"):
            seed = seed_to_int(self.seed)
            self._fit_seed = 0 if seed is None else seed
        return self._fit_seed

    def _generators(self) -> tuple[np.random.Generator, torch.Generator]:
        seed = self._base_seed()
        return np.random.default_rng(seed), torch.Generator().manual_seed(seed)

    def fit(self, dataset: Any, callback: Any = None) -> PrivateLearner:
        """Plan (no data read), then train on ``dataset``; see the subclasses.

        ``callback`` follows the SB3 template (``on_step() -> bool``); a
        callback that returns ``False`` ends training early with a usable
        model and the (smaller) epsilon of the steps taken.
        """
        self.net, self.fit_completed = None, False
        planned_epsilon, planned_delta = self.plan()
        # From here on data may be read: until the fit completes, report the plan.
        self.epsilon_spent, self.delta_spent = planned_epsilon, planned_delta
        callbacks = self._callbacks(callback)
        # torch seeding inside _train must not leak into the caller's global generator.
        with isolated_torch_rng():
            net = self._train(dataset, callbacks)
        callbacks.on_training_end()
        spent_epsilon, spent_delta = self._spent()
        if spent_epsilon > planned_epsilon or spent_delta > planned_delta:
            raise RuntimeError(  # an accounting bug, never a user error: keep no model
                f"{type(self).__name__} spent (epsilon={spent_epsilon:g}, delta={spent_delta:g})"
                f" above its plan ({planned_epsilon:g}, {planned_delta:g})"
            )
        self.epsilon_spent, self.delta_spent = spent_epsilon, spent_delta
        self.net, self.fit_completed = net, True
        return self

    def _train(self, dataset: Any, callbacks: CallbackList) -> nn.Module:  # pragma: no cover
        raise NotImplementedError

    def _fit(self, dataset: Any, callback: Callback | list[Callback] | None) -> None:
        """Not used: :meth:`fit` is overridden and trains through :meth:`_train`."""
        raise NotImplementedError(
            f"{type(self).__name__} trains in fit() (plan, then _train); _fit is not used"
        )

    def _spent(self) -> tuple[float, float]:  # pragma: no cover
        """``(epsilon, delta)`` of the events the completed fit ran."""
        raise NotImplementedError

    def _predict_batch(self, observations: np.ndarray, deterministic: bool) -> np.ndarray:
        """Greedy (or sampled) actions for a batch ``(n_envs, obs_dim)``."""
        if self.net is None:
            raise RuntimeError(
                f"{type(self).__name__} has no model: fit() has not completed "
                "(never called, or it raised or was interrupted)"
            )
        with torch.no_grad():
            logits = self.net(torch.from_numpy(np.asarray(observations, dtype=np.float32)))
        if deterministic:
            return logits.argmax(dim=-1).numpy()
        return sample_categorical(torch.softmax(logits, dim=-1).double().numpy(), self.rng)

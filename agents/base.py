"""The one agent protocol of rlsuite, SB3-shaped.

Every learner is an :class:`Agent`: SB3's ``predict`` (so ``evaluate_policy``
works) from one implementation, and ``save(path)`` / ``Agent.load(path)``.
Learners that interact with an env are :class:`OnlineAgent` (``learn(env,
total_timesteps, callback=None, progress_bar=False)``); learners of a fixed
dataset are :class:`OfflineLearner` (``fit(dataset, callback=None)``). Both
return ``self`` and take callbacks of :class:`rlsuite.agents.callbacks.Callback`.

:class:`BanditAgent` keeps the state of ``n_runs`` independent copies of
itself (one by default). Subclasses implement the batched pair

* :meth:`BanditAgent.select_actions` ``(obs[R, ...]) -> actions[R]`` and
* :meth:`BanditAgent._update_batch` ``(obs, actions, rewards, infos)``

plus :meth:`BanditAgent._reset_state`. The public
:meth:`~BanditAgent.update_batch` checks its input (finite rewards, actions in
range, observations of the right shape) before calling ``_update_batch``;
the single-run forms (:meth:`~BanditAgent.select_action`,
:meth:`~BanditAgent.update`), ``predict`` and :meth:`~BanditAgent.learn` on a
single or vector env are derived here, once. All randomness comes from
``self.rng``, seeded at construction and by :meth:`reset`.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import os
import pickle
import sys
import tempfile
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import gymnasium as gym
import numpy as np
from gymnasium.vector import VectorEnv
from tqdm.auto import tqdm
from typing_extensions import Self

from rlsuite.agents._lazy import load_entry_point
from rlsuite.agents.callbacks import Callback, CallbackList
from rlsuite.envs.validation import UNSIGNED_OF_WIDTH, check_int, check_seed, seed_to_int

__all__ = [
    "Agent",
    "ArmCounts",
    "BanditAgent",
    "OfflineLearner",
    "OnlineAgent",
    "batch_info",
    "isolated_torch_rng",
]

AgentT = TypeVar("AgentT", bound="Agent")

#: What one env step of ``learn`` gives: next obs, next round's info, rewards, step infos.
_Step = tuple[Any, dict[str, Any], np.ndarray, Any]

#: Marks a saved file as an rlsuite agent (and its layout version).
_SAVE_FORMAT = ("rlsuite-agent", 1)

#: The float64 dtype (native byte order, a singleton): an identity test is the cheapest check.
_FLOAT64 = np.dtype(np.float64)
_max = np.maximum.reduce
_sum = np.add.reduce


def batch_info(info: dict[str, Any] | None) -> dict[str, Any] | None:
    """Turn a single env's ``info`` into the batched form with a leading axis of 1."""
    if info is None:
        return None
    return {key: np.asarray(value)[None] for key, value in info.items() if key != "noise"}


@contextlib.contextmanager
def isolated_torch_rng() -> Iterator[None]:
    """Run a block whose torch seeding must not leak into the caller's global RNG.

    Learners seed torch's initialisation inside this block; the global CPU
    generator is restored afterwards (``torch.random.fork_rng``). Without
    torch imported nothing is done.
    """
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        yield


def _is_env(value: Any) -> bool:
    return isinstance(value, (gym.Env, VectorEnv))


def _deprecated_names(cls: type) -> dict[str, tuple[str, Callable[[Any], Any] | None]]:
    names: dict[str, tuple[str, Callable[[Any], Any] | None]] = {}
    for klass in reversed(cls.__mro__):
        for old, new in vars(klass).get("_renamed_parameters", {}).items():
            names[old] = new if isinstance(new, tuple) else (new, None)
    return names


def _translate_renamed(cls: type, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Map deprecated keyword names to the current ones, with a ``DeprecationWarning``."""
    renamed = _deprecated_names(cls)
    if not renamed.keys() & kwargs.keys():
        return kwargs
    kwargs = dict(kwargs)
    for old, (new, convert) in renamed.items():
        if old not in kwargs:
            continue
        if new in kwargs:
            raise TypeError(f"{cls.__name__} got both {old!r} (deprecated) and {new!r}")
        warnings.warn(
            f"{cls.__name__}({old}=...) is deprecated and will be removed in the next "
            f"version; use {new}=...",
            DeprecationWarning,
            stacklevel=4,
        )
        value = kwargs.pop(old)
        kwargs[new] = value if convert is None else convert(value)
    return kwargs


def _recording_init(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap ``__init__`` to translate renamed keywords and record the outermost call's args."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self: Agent, *args: Any, **kwargs: Any) -> None:
        kwargs = _translate_renamed(type(self), kwargs)
        if "_constructor_args" not in self.__dict__:
            bound = signature.bind(self, *args, **kwargs)
            recorded: dict[str, Any] = {}
            for name, value in list(bound.arguments.items())[1:]:
                kind = signature.parameters[name].kind
                if kind is inspect.Parameter.VAR_KEYWORD:
                    recorded.update(value)
                elif kind is inspect.Parameter.VAR_POSITIONAL:
                    raise TypeError(f"{type(self).__name__} must not take *args")
                else:
                    recorded[name] = value
            self.__dict__["_constructor_args"] = recorded
        init(self, *args, **kwargs)

    return wrapper


class Agent(ABC):
    """Base of every learner: ``predict`` from one implementation, ``save`` / ``load``.

    Subclasses implement :meth:`_predict_batch` (actions for a batch of
    observations). The constructor's arguments are recorded when the agent is
    built, so :meth:`save` writes them with the learned state and
    :meth:`load` rebuilds the agent through its constructor (which checks
    them again) before restoring the state.

    ``_renamed_parameters = {"old": "new"}`` (or ``{"old": ("new", convert)}``)
    on a subclass keeps an old keyword working for one version with a
    ``DeprecationWarning``.
    """

    #: Old keyword -> new keyword (or ``(new, convert)``), kept for one version.
    _renamed_parameters: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _recording_init(cls.__dict__["__init__"])  # type: ignore[method-assign]

    def _callbacks(self, callback: Callback | list[Callback] | None) -> CallbackList:
        """The callbacks of one ``learn`` / ``fit`` call, attached to this agent (once)."""
        if isinstance(callback, CallbackList) and callback.model is self:
            return callback
        callbacks = CallbackList(callback)
        callbacks.init_callback(self)
        return callbacks

    # ------------------------------------------------------------- predict
    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = False,
    ) -> tuple[np.ndarray, Any]:
        """SB3 ``PolicyPredictor``: actions for one observation or a batch (leading axis)."""
        obs = np.asarray(observation)
        ndim = self._obs_ndim()
        if obs.ndim not in (ndim, ndim + 1):
            raise ValueError(
                f"observation has shape {obs.shape}; {type(self).__name__} expects one "
                f"observation with {ndim} axes or a batch of them"
            )
        single = obs.ndim == ndim
        actions = self._predict_batch(obs[None] if single else obs, bool(deterministic))
        return (actions[0] if single else actions), state

    @abstractmethod
    def _predict_batch(self, observations: np.ndarray, deterministic: bool) -> np.ndarray:
        """Actions for a batch of observations (leading axis)."""

    def _obs_ndim(self) -> int:
        """Number of axes of one observation."""
        return 1

    # ----------------------------------------------------------- save/load
    def _saved_state(self) -> dict[str, Any]:
        """Everything learned: the instance's attributes except envs and the constructor args."""
        return {
            key: value
            for key, value in vars(self).items()
            if key != "_constructor_args" and not _is_env(value)
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the constructor arguments and the learned state to ``path`` (atomically).

        The file is a pickle (numpy arrays, generators and torch modules as
        they are), as SB3's and torch's save files are: load only files you trust.
        Constructor arguments that are envs are not saved; pass them to :meth:`load`.
        """
        args = {
            key: None if _is_env(value) else value
            for key, value in vars(self).get("_constructor_args", {}).items()
        }
        payload = {
            "format": _SAVE_FORMAT,
            "class": f"{type(self).__module__}:{type(self).__qualname__}",
            "constructor_args": args,
            "env_args": [
                k for k, v in vars(self).get("_constructor_args", {}).items() if _is_env(v)
            ],
            "state": self._saved_state(),
        }
        path = Path(path)
        handle, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(payload, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls: type[AgentT], path: str | os.PathLike[str], **constructor_args: Any) -> AgentT:
        """Rebuild an agent saved by :meth:`save`; ``constructor_args`` override saved ones.

        Envs given to the constructor (e.g. ``env`` of the steerable learners)
        are not saved and must be passed again here.
        """
        with open(path, "rb") as file:
            payload = pickle.load(file)  # noqa: S301 - documented: trusted files only
        if not isinstance(payload, dict) or payload.get("format") != _SAVE_FORMAT:
            raise ValueError(f"path={str(path)!r} is not an rlsuite agent file")
        target = load_entry_point(payload["class"])
        if not (isinstance(target, type) and issubclass(target, cls)):
            raise TypeError(f"{str(path)!r} holds a {payload['class']}, not a {cls.__name__}")
        missing = [k for k in payload["env_args"] if k not in constructor_args]
        if missing:
            raise ValueError(
                f"{target.__name__} was built with an env; pass {missing[0]}=<env> to load()"
            )
        agent = target(**{**payload["constructor_args"], **constructor_args})
        agent.__dict__.update(payload["state"])
        return agent


class OnlineAgent(Agent):
    """An agent that learns by interacting with an env (bandits, PAV, CLP, mixture search)."""

    @abstractmethod
    def learn(
        self,
        env: Any,
        total_timesteps: int,
        callback: Callback | list[Callback] | None = None,
        progress_bar: bool = False,
    ) -> Self:
        """Interact with ``env`` for ``total_timesteps`` steps and learn; return ``self``."""


class OfflineLearner(Agent):
    """A learner of a fixed dataset (offline, private, preference, reward model).

    Subclasses implement :meth:`_fit`; :meth:`fit` runs it with torch's global
    generator isolated (:func:`isolated_torch_rng`) and returns ``self``.
    """

    def fit(self, dataset: Any, callback: Callback | list[Callback] | None = None) -> Self:
        """Learn from ``dataset``; callbacks can stop training by returning ``False``."""
        callbacks = self._callbacks(callback)
        with isolated_torch_rng():
            self._fit(dataset, callbacks)
        callbacks.on_training_end()
        return self

    @abstractmethod
    def _fit(self, dataset: Any, callback: Callback | list[Callback] | None) -> None:
        """Learn from ``dataset`` (see :meth:`fit`)."""


class BanditAgent(OnlineAgent):
    """Base class for bandit learners.

    Parameters
    ----------
    n_arms : int
        Number of actions, at least 2.
    seed : None, int >= 0 or numpy.random.Generator
        Seed of the agent's own generator (used for exploration and ties).
    n_runs : int
        Number of independent copies whose state is kept (``R`` in the
        batched methods).
    """

    n_runs: int

    def __init__(
        self, n_arms: int, *, seed: int | np.random.Generator | None = None, n_runs: int = 1
    ) -> None:
        self.n_arms = check_int("n_arms", n_arms, low=2)
        self.seed = check_seed(seed)
        self.reset(n_runs=n_runs, seed=self.seed)

    @property
    def observation_shape(self) -> tuple[int, ...] | None:
        """Shape of one run's observation (``None``: any); the MAB envs' ``(1,)`` by default."""
        return (1,)

    # ------------------------------------------------------------------ state
    def reset(
        self, n_runs: int | None = None, seed: int | np.random.Generator | None = None
    ) -> None:
        """Forget everything learned; optionally change ``n_runs`` and reseed."""
        self.n_runs = check_int("n_runs", self.n_runs if n_runs is None else n_runs)
        seed = check_seed(seed)
        if seed is not None or not hasattr(self, "rng"):
            self.rng = np.random.default_rng(seed)
        self.t = 0
        self._reset_state()

    @abstractmethod
    def _reset_state(self) -> None:
        """Allocate per-run statistics with a leading axis of ``self.n_runs``."""

    # ---------------------------------------------------------------- batched
    @abstractmethod
    def select_actions(self, obs: np.ndarray) -> np.ndarray:
        """Choose one action per run; ``obs`` has a leading axis of ``n_runs``."""

    def update_batch(
        self,
        obs: Any,
        actions: Any,
        rewards: Any,
        infos: dict[str, Any] | None = None,
    ) -> None:
        """Learn from one round of every run, after checking the input.

        ``obs`` has shape ``(n_runs, *observation_shape)``, ``actions`` are
        ``n_runs`` integers in ``[0, n_arms)`` and ``rewards`` ``n_runs``
        finite reals: anything else raises before any statistic changes.
        """
        if not self._batch_is_valid(obs, actions, rewards):
            # The slow checks raise with the message naming what is wrong, or
            # convert lists / other dtypes that the fast path does not take.
            obs = self._check_batch_obs(obs)
            actions = self._check_batch_actions(actions)
            rewards = self._check_batch_rewards(rewards)
        self._update_batch(obs, actions, rewards, infos)

    def _batch_is_valid(self, obs: Any, actions: Any, rewards: Any) -> bool:
        """Cheap check for the common case: arrays of the right shape and dtype.

        ``True`` means the batch passes every check in the ``_check_batch_*``
        methods; ``False`` means "take the slow path", never "invalid". One
        reduction per array instead of several keeps the R = 1 loop near its floor.
        """
        n_runs = self.n_runs
        if not (
            type(obs) is np.ndarray
            and type(actions) is np.ndarray
            and type(rewards) is np.ndarray
            and actions.dtype.kind in "iu"
            and rewards.dtype is _FLOAT64
            and actions.shape == (n_runs,)
            and rewards.shape == (n_runs,)
            and obs.ndim > 0
            and obs.shape[0] == n_runs
        ):
            return False
        shape = self.observation_shape
        if shape is not None and obs.shape[1:] != shape:
            return False
        if n_runs == 1:
            # Python scalar compares beat any NumPy reduction on one element.
            return 0 <= actions.item(0) < self.n_arms and math.isfinite(rewards.item(0))
        # Viewed as unsigned, negative actions become huge, so one max checks both ends
        # (the ufunc's own reduce: ``ndarray.max`` adds a Python layer).
        unsigned = actions.view(UNSIGNED_OF_WIDTH[actions.itemsize])
        # A finite sum implies every term is finite (NaN and inf propagate); a sum that
        # overflows for huge finite rewards merely falls back to the full check. The ufunc's
        # reduce: in the step loop it costs less than ``ndarray.sum`` and than a BLAS ``dot``.
        return int(_max(unsigned)) < self.n_arms and math.isfinite(_sum(rewards))

    @abstractmethod
    def _update_batch(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        infos: dict[str, Any] | None = None,
    ) -> None:
        """Learn from one round of every run (input already checked)."""

    def _check_batch_obs(self, obs: Any) -> np.ndarray:
        obs = np.asarray(obs)
        shape = self.observation_shape
        if (
            obs.ndim == 0
            or obs.shape[0] != self.n_runs
            or (shape is not None and obs.shape[1:] != shape)
        ):
            expected = f"(n_runs, *{shape})" if shape is not None else "(n_runs, ...)"
            raise ValueError(
                f"obs has shape {obs.shape}; {type(self).__name__} with n_runs={self.n_runs} "
                f"expects {expected}"
            )
        return obs

    def _check_batch_actions(self, actions: Any) -> np.ndarray:
        actions = np.asarray(actions)
        if actions.shape != (self.n_runs,) or not np.issubdtype(actions.dtype, np.integer):
            raise ValueError(
                f"actions={actions!r} must be {self.n_runs} integers (one per run) in "
                f"[0, {self.n_arms - 1}]"
            )
        if actions.min() < 0 or actions.max() >= self.n_arms:
            raise ValueError(
                f"actions={actions!r} is out of range: each action must be in "
                f"[0, {self.n_arms - 1}]"
            )
        return actions

    def _check_batch_rewards(self, rewards: Any) -> np.ndarray:
        try:
            rewards = np.asarray(rewards, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(f"rewards={rewards!r} must be real numbers") from error
        if rewards.shape != (self.n_runs,):
            raise ValueError(
                f"rewards has shape {rewards.shape}; must be ({self.n_runs},), one per run"
            )
        if not np.all(np.isfinite(rewards)):
            raise ValueError(f"rewards={rewards!r} must be finite (no NaN or inf)")
        return rewards

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """Actions of the learned policy without exploration (default: ``select_actions``)."""
        return self.select_actions(obs)

    # ------------------------------------------------------------ single run
    def select_action(self, obs: Any) -> int:
        """Choose an action for a single run."""
        self._require_single_run("select_action")
        return int(self.select_actions(np.asarray(obs)[None])[0])

    def update(
        self, obs: Any, action: Any, reward: Any, info: dict[str, Any] | None = None
    ) -> None:
        """Learn from one round of a single run."""
        self._require_single_run("update")
        if np.ndim(action) != 0 or np.ndim(reward) != 0:
            raise ValueError(
                f"action={action!r} and reward={reward!r} must be scalars for a single run"
            )
        self.update_batch(np.asarray(obs)[None], np.asarray([action]), [reward], batch_info(info))

    def _require_single_run(self, method: str) -> None:
        if self.n_runs != 1:
            raise ValueError(
                f"{method} needs n_runs=1 but this agent has n_runs={self.n_runs}; "
                "use the batched form"
            )

    # ------------------------------------------------------------------- SB3
    def _predict_batch(self, batch: np.ndarray, deterministic: bool) -> np.ndarray:
        """Actions of every run.

        A batch larger than ``n_runs`` (e.g. several envs in ``evaluate_policy``)
        is answered by run 0's state when ``n_runs == 1``.
        """
        if self.n_runs == 1 and batch.shape[0] != 1:
            return np.concatenate([self._act(row[None], deterministic) for row in batch])
        if batch.shape[0] != self.n_runs:
            raise ValueError(
                f"observation batch of {batch.shape[0]} does not match n_runs={self.n_runs}"
            )
        return self._act(batch, deterministic)

    def _act(self, batch: np.ndarray, deterministic: bool) -> np.ndarray:
        return self.greedy_actions(batch) if deterministic else self.select_actions(batch)

    def _obs_ndim(self) -> int:
        """Number of axes of one observation (1 for the ``(1,)`` MAB observation)."""
        shape = self.observation_shape
        return 1 if shape is None else len(shape)

    # ------------------------------------------------------------------ learn
    def learn(
        self,
        env: gym.Env | VectorEnv,
        total_timesteps: int,
        callback: Callback | list[Callback] | None = None,
        progress_bar: bool = False,
    ) -> BanditAgent:
        """Interact with ``env`` for ``total_timesteps`` rounds (per run) and learn.

        ``env`` is a single env (``n_runs`` must be 1) or a vector env with
        ``num_envs == n_runs``. Callbacks follow SB3's template method and can
        stop training by returning ``False`` from ``_on_step``.
        """
        total_timesteps = check_int("total_timesteps", total_timesteps)
        n_envs = env.num_envs if isinstance(env, VectorEnv) else 1
        if n_envs != self.n_runs:
            raise ValueError(f"env has {n_envs} runs but the agent has n_runs={self.n_runs}")
        callbacks = self._callbacks(callback)
        obs, info = env.reset(seed=seed_to_int(self.seed))
        for _ in tqdm(range(total_timesteps), disable=not progress_bar, desc=type(self).__name__):
            if isinstance(env, VectorEnv):
                obs, info, rewards, step_infos = self._vector_step(env, obs, info)
            else:
                obs, info, rewards, step_infos = self._single_step(env, obs, info)
            callbacks.update_locals({"rewards": rewards, "infos": step_infos})
            if not callbacks.on_step():
                break
        callbacks.on_training_end()
        return self

    def _single_step(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> _Step:
        action = self.select_action(obs)
        next_obs, reward, terminated, truncated, step_info = env.step(action)
        self.update(obs, action, reward, {**_round_info(info), **step_info})
        if terminated or truncated:
            next_obs, info = env.reset()
        else:
            info = _next_round_info(step_info)
        return next_obs, info, np.asarray([reward]), batch_info(step_info)

    # -------------------------------------------------------------- from a log
    def partial_fit(
        self,
        actions: Any,
        rewards: Any = None,
        contexts: Any = None,
        infos: dict[str, Any] | None = None,
    ) -> BanditAgent:
        """Fold a whole log into the statistics, as ``update`` round by round would.

        ``actions``/``rewards`` are ``(n,)`` for one run or ``(n, n_runs)``;
        ``contexts`` (required by agents that read the observation) is
        ``(n, *obs)`` or ``(n, n_runs, *obs)``; ``infos`` maps step-info keys
        (``noise_std`` for the variance-weighted agents) to ``(n,)`` or
        ``(n, n_runs)`` arrays. A ``BanditFeedback`` may be passed as
        ``actions``. Counting agents fold the log with one ``bincount``,
        linear ones with one Gram product; the default, for agents whose
        update depends on the state it changes, replays the log through
        :meth:`update_batch` (the same state, exactly).
        """
        from rlsuite.agents.log_input import log_arrays

        obs, actions, rewards, infos = log_arrays(self, actions, rewards, contexts, infos)
        self._fold_log(obs, actions, rewards, infos)
        return self

    def _fold_log(
        self,
        obs: np.ndarray | None,
        actions: np.ndarray,
        rewards: np.ndarray,
        infos: dict[str, np.ndarray] | None,
    ) -> None:
        """Default :meth:`partial_fit`: one :meth:`update_batch` per logged round."""
        if obs is None:
            obs = np.zeros((len(actions), self.n_runs) + (1,) * self._obs_ndim(), np.float32)
        for i in range(len(actions)):
            round_info = None if infos is None else {k: v[i] for k, v in infos.items()}
            self.update_batch(obs[i], actions[i], rewards[i], round_info)

    def _vector_step(self, env: VectorEnv, obs: np.ndarray, info: dict[str, Any]) -> _Step:
        actions = self.select_actions(obs)
        next_obs, rewards, _, _, step_infos = env.step(actions)
        self.update_batch(obs, actions, rewards, {**_round_info(info), **step_infos})
        return next_obs, _next_round_info(step_infos), rewards, step_infos


def _round_info(info: dict[str, Any]) -> dict[str, Any]:
    """Keys of a reset/step info that describe the round *shown* in the observation."""
    return {k: v for k, v in info.items() if k.startswith("round_")}


def _next_round_info(step_info: dict[str, Any]) -> dict[str, Any]:
    """A step's ``next_round_*`` keys describe the next round: rename them ``round_*``."""
    return {k[len("next_") :]: v for k, v in step_info.items() if k.startswith("next_round_")}


class ArmCounts:
    """Pull counts and reward sums of every arm per run: the counting bandits' statistics.

    A mixin of :class:`BanditAgent` subclasses (EpsilonGreedy, UCB1,
    ThompsonSampling): ``counts`` and ``sums`` are ``(n_runs, n_arms)`` float64
    arrays, or tensors of the agent's ``dtype`` on its ``device`` under
    ``backend="torch"``.
    """

    counts: Any
    sums: Any
    n_runs: int
    n_arms: int
    t: int
    #: set by :class:`rlsuite.envs.torch_backend.TorchBackendMixin`, listed before this one
    backend: str
    dtype: Any
    device: Any

    def _zero_counts(self) -> None:
        """Fresh all-zero ``counts`` and ``sums`` (and the run indices of the numpy path)."""
        shape = (self.n_runs, self.n_arms)
        if self.backend == "torch":
            from rlsuite.envs.torch_backend import torch_module

            torch = torch_module()
            self.counts = torch.zeros(shape, dtype=self.dtype, device=self.device)
            self.sums = torch.zeros(shape, dtype=self.dtype, device=self.device)
            return
        self.counts, self.sums = np.zeros(shape), np.zeros(shape)
        self._rows = np.arange(self.n_runs)

    def _add_pulls(self, actions: np.ndarray, rewards: np.ndarray) -> None:
        """One round of every run (numpy): one pull and its reward on the pulled arm."""
        self.counts[self._rows, actions] += 1.0
        self.sums[self._rows, actions] += rewards

    def _fold_counts(self, actions: np.ndarray, rewards: np.ndarray) -> None:
        """A ``(n, n_runs)`` log (numpy) in one ``bincount`` per statistic."""
        from rlsuite.agents.log_input import scatter_counts

        counts, sums = scatter_counts(actions, rewards, self.n_arms)
        self.counts += counts
        self.sums += sums
        self.t += len(actions)

"""Roll out K baseline policies in a Gymnasium env and store the episodes as one Minari dataset.

A **policy** is either

* a callable ``policy(obs, rng) -> action`` taking one (unbatched)
  observation and a ``numpy.random.Generator`` it must use for any
  randomness (so datasets are reproducible from ``seed``),
* a callable ``policy(obs) -> action`` (deterministic, or seeded by itself), or
* an SB3 model (anything with ``predict(obs, deterministic=...)``), which is
  queried with ``deterministic=True`` because SB3's sampling uses torch's
  global generator, not ours. Wrap it with :func:`sb3_policy` to sample.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from tqdm.auto import tqdm

from rlsuite.envs.validation import check_int
from rlsuite.offline_data.minari_io import check_new_dataset, require_minari, write_dataset

__all__ = [
    "Policy",
    "as_policy",
    "collect",
    "evaluate",
    "rollout",
    "save_episodes",
    "sb3_policy",
]

#: ``policy(obs, rng) -> action``
Policy = Callable[[Any, np.random.Generator], Any]

#: episodes of the uniform random policy that estimate ``ref_min_score`` by default
RANDOM_REFERENCE_EPISODES = 20

#: Exclusive bound of the per-episode ``env.reset`` seeds: they fit a signed 32-bit
#: integer wherever they are recorded; kept so recorded datasets reproduce.
EPISODE_SEED_BOUND = 2**31 - 1

#: Second words of :func:`evaluate`'s seed sequences ``[seed, word]``: its action
#: generator and its reset-seed generator are independent of each other and of
#: :func:`collect`'s (``[seed, i]`` per policy ``i``, small). Two primes, kept as
#: they were so recorded reference scores reproduce.
EVALUATE_ACTION_STREAM = 7919
EVALUATE_RESET_STREAM = 104729


def sb3_policy(model: Any, deterministic: bool = True) -> Policy:
    """Turn an SB3 model (or any ``PolicyPredictor``) into a ``policy(obs, rng)``."""

    def policy(obs: Any, rng: np.random.Generator) -> Any:
        action, _ = model.predict(obs, deterministic=deterministic)
        return action

    policy.__name__ = f"sb3_{type(model).__name__}"
    return policy


def as_policy(policy: Any) -> Policy:
    """Accept ``policy(obs, rng)``, ``policy(obs)`` or an SB3 model; return ``policy(obs, rng)``.

    The form is read from the callable's signature; anything else raises ``TypeError``.
    """
    if hasattr(policy, "predict"):
        return sb3_policy(policy)
    if not callable(policy):
        raise TypeError(
            f"policy={policy!r} must be a callable policy(obs, rng) or policy(obs), or an "
            "SB3 model (with predict)"
        )
    n_args = _positional_arguments(policy)
    if n_args == 2:
        return policy
    if n_args == 1:

        def with_rng(obs: Any, rng: np.random.Generator) -> Any:
            return policy(obs)

        with_rng.__name__ = getattr(policy, "__name__", type(policy).__name__)
        return with_rng
    raise TypeError(
        f"policy={policy!r} takes {n_args} positional arguments; it must be "
        "policy(obs, rng) or policy(obs)"
    )


def _positional_arguments(policy: Callable[..., Any]) -> int:
    """2 if ``policy`` can take ``(obs, rng)``, else 1 if it can take ``(obs)``, else its count."""
    try:
        parameters = inspect.signature(policy).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature: assume the full form
        return 2
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(p.default is p.empty for p in positional)
    varargs = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    for n_args in (2, 1):
        if required <= n_args and (varargs or len(positional) >= n_args):
            return n_args
    return required


def random_policy(action_space: gym.Space) -> Policy:
    """Uniform random actions drawn from ``rng`` (not from the space's own generator)."""
    if isinstance(action_space, gym.spaces.Discrete):
        n, start = int(action_space.n), int(action_space.start)
        return lambda obs, rng: np.int64(start + rng.integers(n))
    if isinstance(action_space, gym.spaces.Box):
        low, high = action_space.low, action_space.high
        return lambda obs, rng: rng.uniform(low, high).astype(action_space.dtype)
    raise ValueError(f"no random policy for action space {action_space}")


def rollout(
    env: gym.Env, policy: Policy, rng: np.random.Generator, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Play one episode; return observations (T+1), actions, rewards, terminations, truncations."""
    obs, _ = env.reset(seed=seed)
    observations, actions, rewards, terms, truncs = [obs], [], [], [], []
    done = False
    while not done:
        action = policy(obs, rng)
        obs, reward, terminated, truncated, _ = env.step(action)
        observations.append(obs)
        actions.append(action)
        rewards.append(reward)
        terms.append(terminated)
        truncs.append(truncated)
        done = terminated or truncated
    return (
        np.asarray(observations, dtype=env.observation_space.dtype),
        np.asarray(actions, dtype=env.action_space.dtype),
        np.asarray(rewards, dtype=np.float64),
        np.asarray(terms, dtype=bool),
        np.asarray(truncs, dtype=bool),
    )


def evaluate(
    env_id: str,
    policy: Any,
    n_episodes: int,
    seed: int = 0,
    env_kwargs: dict[str, Any] | None = None,
) -> np.ndarray:
    """Undiscounted returns of ``n_episodes`` episodes of ``policy`` (for reference scores)."""
    n_episodes = check_int("n_episodes", n_episodes)
    env = gym.make(env_id, disable_env_checker=True, **(env_kwargs or {}))
    fn = as_policy(policy)
    rng = np.random.default_rng([seed, EVALUATE_ACTION_STREAM])
    seeds = np.random.default_rng([seed, EVALUATE_RESET_STREAM]).integers(
        EPISODE_SEED_BOUND, size=n_episodes
    )
    returns = np.array([rollout(env, fn, rng, int(s))[2].sum() for s in seeds])
    env.close()
    return returns


def collect(
    env_id: str,
    policies: Mapping[str, Any],
    episodes_per_policy: int,
    dataset_id: str,
    seed: int = 0,
    *,
    policy_key: str = "policy_id",
    env_kwargs: dict[str, Any] | None = None,
    ref_min_score: float | None = None,
    ref_max_score: float | None = None,
    progress_bar: bool = False,
    overwrite: bool = False,
    same_seeds: bool = False,
    description: str | None = None,
    **metadata: Any,
) -> Any:
    """Collect ``episodes_per_policy`` episodes from every policy into one Minari dataset.

    Parameters
    ----------
    env_id : str
        Any registered Gymnasium id with a string entry point (``CartPole-v1``,
        ``rlsuite/Inlining-v0``, ...).
    policies : mapping of str to policy
        ``name -> policy(obs, rng) -> action`` or ``name -> SB3 model``. The
        order of the mapping fixes the policy indices.
    episodes_per_policy : int
        Episodes per policy (at least 1).
    dataset_id : str
        Minari id, e.g. ``"rlsuite/cartpole/mixed-v0"``.
    seed : int
        Episode ``j`` (over all policies, in order) resets the env with a seed
        drawn from ``seed``; policy ``i`` gets ``default_rng([seed, i])``.
    policy_key : str
        Info key holding the policy index: every episode stores
        ``infos[policy_key]``, an int64 array of length ``T + 1`` (one per
        observation, as Minari stores infos) equal to the index of its policy
        in ``list(policies)``; :func:`policy_names` maps it back to names.
    env_kwargs : dict or None
        Keyword arguments of ``gym.make`` (recorded in the dataset's env spec).
    ref_min_score, ref_max_score : float or None
        Reference returns for ``minari.get_normalized_score``. Defaults (D4RL's
        meaning): ``ref_min_score`` is the mean return of a uniform random
        policy over 20 seeded episodes, ``ref_max_score`` the best per-policy
        mean return in the collected data.
    progress_bar : bool
        Show a tqdm bar over episodes.
    overwrite : bool
        Replace an existing dataset with the same id (otherwise ``ValueError``).
    same_seeds : bool
        Every policy plays the same ``episodes_per_policy`` reset seeds (the
        same *contexts*, e.g. the same modules of ``rlsuite/Inlining-v0``), as
        BC-Max needs; the seed of each episode is in its Minari episode
        metadata (``dataset.storage.get_episode_metadata``).
    description : str or None
        Dataset description; a default one names the policies.
    **metadata
        JSON-serialisable extra metadata, stored as ``rlsuite_<key>``.

    Returns
    -------
    minari.MinariDataset
        The dataset, loadable later with ``minari.load_dataset(dataset_id)``.
    """
    require_minari()
    episodes_per_policy = check_int("episodes_per_policy", episodes_per_policy)
    if not isinstance(policies, Mapping) or len(policies) == 0:
        raise ValueError(f"policies={policies!r} must be a non-empty mapping name -> policy")
    if not isinstance(policy_key, str) or not policy_key:
        raise ValueError(f"policy_key={policy_key!r} must be a non-empty string")
    check_new_dataset(dataset_id, overwrite)
    names = [str(name) for name in policies]
    fns = [as_policy(policies[name]) for name in policies]
    env = gym.make(env_id, disable_env_checker=True, **(env_kwargs or {}))
    total = len(names) * episodes_per_policy
    reset_seeds = np.random.default_rng(seed).integers(EPISODE_SEED_BOUND, size=total)
    if same_seeds:
        reset_seeds = np.tile(reset_seeds[:episodes_per_policy], len(names))

    buffers, returns = [], np.empty((len(names), episodes_per_policy))
    with tqdm(total=total, disable=not progress_bar, desc=f"collect {dataset_id}") as bar:
        for i, fn in enumerate(fns):
            rng = np.random.default_rng([seed, i])
            for k in range(episodes_per_policy):
                j = i * episodes_per_policy + k
                obs, actions, rewards, terms, truncs = rollout(env, fn, rng, int(reset_seeds[j]))
                returns[i, k] = rewards.sum()
                episode = (obs, actions, rewards, terms, truncs)
                buffers.append(_policy_buffer(j, int(reset_seeds[j]), policy_key, i, *episode))
                bar.update()
    extra = {**metadata, "seed": int(seed), "same_seeds": bool(same_seeds)}
    dataset = _write_policy_dataset(
        env,
        env_id,
        env_kwargs,
        buffers,
        np.repeat(np.arange(len(names)), episodes_per_policy),
        returns.reshape(-1),
        names,
        dataset_id,
        policy_key,
        ref_min_score,
        ref_max_score,
        description,
        overwrite,
        seed,
        extra,
    )
    env.close()
    return dataset


def _policy_buffer(
    index: int,
    seed: int | None,
    policy_key: str,
    policy_index: int,
    observations: np.ndarray,
    actions: np.ndarray,
    rewards: np.ndarray,
    terminations: np.ndarray,
    truncations: np.ndarray,
) -> Any:
    """One Minari episode whose ``infos[policy_key]`` holds its policy index at every step."""
    from minari.data_collector import EpisodeBuffer

    return EpisodeBuffer(
        id=index,
        seed=seed,
        observations=observations,
        actions=actions,
        rewards=rewards,
        terminations=terminations,
        truncations=truncations,
        infos={policy_key: np.full(len(observations), policy_index, dtype=np.int64)},
    )


def _write_policy_dataset(
    env: gym.Env,
    env_id: str,
    env_kwargs: dict[str, Any] | None,
    buffers: list[Any],
    policy_index: np.ndarray,
    returns: np.ndarray,
    names: list[str],
    dataset_id: str,
    policy_key: str,
    ref_min_score: float | None,
    ref_max_score: float | None,
    description: str | None,
    overwrite: bool,
    seed: int,
    metadata: dict[str, Any],
) -> Any:
    """Fill in default reference scores and rlsuite metadata, then write atomically."""
    mean_returns = [
        float(returns[policy_index == i].mean()) if np.any(policy_index == i) else float("nan")
        for i in range(len(names))
    ]
    if ref_min_score is None:
        random_returns = evaluate(
            env_id, random_policy(env.action_space), RANDOM_REFERENCE_EPISODES, seed, env_kwargs
        )
        ref_min_score = float(random_returns.mean())
    if ref_max_score is None:
        ref_max_score = float(np.nanmax(mean_returns))
    if description is None:
        description = (
            f"{len(buffers)} episodes from {len(names)} policies on {env_id}; "
            f"infos['{policy_key}'][t] indexes metadata['rlsuite_policy_names']."
        )
    extra = {f"rlsuite_{key}": value for key, value in metadata.items()}
    extra.update(
        rlsuite_policy_key=policy_key,
        rlsuite_policy_names=names,
        rlsuite_policy_mean_returns=mean_returns,
    )
    return write_dataset(
        dataset_id,
        buffers,
        env_spec=env.spec,
        observation_space=env.observation_space,
        action_space=env.action_space,
        ref_min_score=float(ref_min_score),
        ref_max_score=float(ref_max_score),
        description=description,
        extra_metadata=extra,
        overwrite=overwrite,
    )


def _field(episode: Any, name: str, default: Any = None) -> Any:
    if isinstance(episode, Mapping):
        return episode.get(name, default)
    return getattr(episode, name, default)


def save_episodes(
    env_id: str,
    episodes: Sequence[Any],
    policy_names: Sequence[str],
    dataset_id: str,
    *,
    policy_ids: Sequence[int] | None = None,
    policy_key: str = "policy_id",
    env_kwargs: dict[str, Any] | None = None,
    ref_min_score: float | None = None,
    ref_max_score: float | None = None,
    overwrite: bool = False,
    description: str | None = None,
    **metadata: Any,
) -> Any:
    """Write episodes generated elsewhere (e.g. a batched simulator) like :func:`collect` does.

    Parameters
    ----------
    env_id : str
        Env the episodes come from (its spec and spaces are recorded).
    episodes : sequence
        Objects or mappings with ``observations`` (``T + 1`` rows), ``actions``
        and ``rewards`` (``T``), and either ``terminations`` / ``truncations``
        arrays or ``terminated`` / ``truncated`` flags of the last step;
        optionally ``seed``.
    policy_names : sequence of str
        Names of the policies; ``policy_ids`` index them.
    dataset_id : str
        Minari id.
    policy_ids : sequence of int or None
        Policy index of every episode; ``None`` reads each episode's
        ``policy_key`` field (e.g. ``expert_id``).
    policy_key, env_kwargs, ref_min_score, ref_max_score, overwrite, description, **metadata
        As in :func:`collect`.

    Returns
    -------
    minari.MinariDataset
        The dataset; episodes store ``infos[policy_key]`` like :func:`collect`.
    """
    require_minari()
    check_new_dataset(dataset_id, overwrite)
    names = [str(name) for name in policy_names]
    if not episodes or not names:
        raise ValueError("episodes and policy_names must be non-empty")
    if policy_ids is None:
        policy_ids = [_field(ep, policy_key) for ep in episodes]
    ids = np.asarray(policy_ids)
    if len(ids) != len(episodes) or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"policy_ids must hold one integer per episode ({len(episodes)})")
    if ids.min() < 0 or ids.max() >= len(names):
        raise ValueError(f"policy_ids must be in [0, {len(names) - 1}]")
    env = gym.make(env_id, disable_env_checker=True, **(env_kwargs or {}))
    buffers, returns = [], np.empty(len(episodes))
    for j, (episode, i) in enumerate(zip(episodes, ids)):
        rewards = np.asarray(_field(episode, "rewards"), dtype=np.float64)
        obs = np.asarray(_field(episode, "observations"), dtype=env.observation_space.dtype)
        if len(obs) != len(rewards) + 1:
            raise ValueError(f"episode {j}: {len(obs)} observations for {len(rewards)} rewards")
        terms, truncs = _end_flags(episode, len(rewards))
        seed = _field(episode, "seed")
        returns[j] = rewards.sum()
        actions = np.asarray(_field(episode, "actions"), dtype=env.action_space.dtype)
        seed = None if seed is None else int(seed)
        buffers.append(_policy_buffer(j, seed, policy_key, i, obs, actions, rewards, terms, truncs))
    dataset = _write_policy_dataset(
        env,
        env_id,
        env_kwargs,
        buffers,
        ids,
        returns,
        names,
        dataset_id,
        policy_key,
        ref_min_score,
        ref_max_score,
        description,
        overwrite,
        0,
        metadata,
    )
    env.close()
    return dataset


def _end_flags(episode: Any, length: int) -> tuple[np.ndarray, np.ndarray]:
    terms, truncs = _field(episode, "terminations"), _field(episode, "truncations")
    if terms is not None and truncs is not None:
        return np.asarray(terms, dtype=bool), np.asarray(truncs, dtype=bool)
    terms, truncs = np.zeros(length, dtype=bool), np.zeros(length, dtype=bool)
    terms[-1] = bool(_field(episode, "terminated", False))
    truncs[-1] = bool(_field(episode, "truncated", not terms[-1]))
    return terms, truncs

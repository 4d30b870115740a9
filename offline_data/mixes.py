"""D4RL-style datasets (random, medium, expert, medium-expert, medium-replay) in one call.

Meanings, following D4RL (Fu et al. 2020, section 5) with scripted baselines
in place of SAC checkpoints:

``random``
    ``n`` episodes of the uniform random policy.
``medium``
    ``n`` episodes of a policy at about a third of expert performance.
``expert``
    ``n`` episodes of the expert.
``medium-expert``
    ``n`` medium episodes followed by ``n`` expert episodes (D4RL mixes equal
    amounts, 2n episodes in all).
``medium-replay``
    What the replay buffer of an agent trained up to "medium" holds: ``n``
    episodes from a ladder of :data:`REPLAY_STEPS` policies that move from
    random to medium (step ``s`` plays the random policy's action with
    probability ``1 - s / (steps - 1)`` and the medium policy's otherwise).
    D4RL stores a real training run's buffer; the ladder is a cheap stand-in
    with the same mix of skill levels.

Every mix stores ``ref_min_score`` = mean return of the random policy and
``ref_max_score`` = mean return of the expert (D4RL's normalisation), which
``minari.combine_datasets`` would drop.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from rlsuite.envs.validation import check_choice, check_int
from rlsuite.offline_data.collect import as_policy, collect, evaluate

__all__ = ["MIX_KINDS", "REPLAY_STEPS", "MixturePolicy", "make_d4rl_datasets", "make_mix"]

MIX_KINDS = ("random", "medium", "expert", "medium-expert", "medium-replay")
#: number of policies on the random -> medium ladder of ``medium-replay``
REPLAY_STEPS = 10
#: episodes per policy that estimate the reference scores when not given
REFERENCE_EPISODES = 20


class MixturePolicy:
    """``policy(obs, rng)``: act like ``first`` with probability ``p``, else like ``second``."""

    def __init__(self, first: Any, second: Any, p: float) -> None:
        self.first, self.second, self.p = as_policy(first), as_policy(second), float(p)

    def __call__(self, obs: Any, rng: np.random.Generator) -> Any:
        """Act on one observation."""
        return self.first(obs, rng) if rng.random() < self.p else self.second(obs, rng)


def _mix_policies(kind: str, policies: Mapping[str, Any], n_episodes: int) -> tuple[dict, int]:
    """``(name -> policy, episodes per policy)`` of one mix."""
    if kind in ("random", "medium", "expert"):
        return {kind: policies[kind]}, n_episodes
    if kind == "medium-expert":
        return {"medium": policies["medium"], "expert": policies["expert"]}, n_episodes
    steps = min(REPLAY_STEPS, n_episodes)
    ladder = {
        f"replay-{s:02d}": MixturePolicy(
            policies["random"], policies["medium"], 1.0 - s / max(steps - 1, 1)
        )
        for s in range(steps)
    }
    return ladder, math.ceil(n_episodes / steps)


def reference_scores(
    env_id: str, policies: Mapping[str, Any], seed: int = 0, env_kwargs: dict | None = None
) -> tuple[float, float]:
    """D4RL reference scores: mean returns of ``policies["random"]`` and ``policies["expert"]``."""
    low = evaluate(env_id, policies["random"], REFERENCE_EPISODES, seed, env_kwargs).mean()
    high = evaluate(env_id, policies["expert"], REFERENCE_EPISODES, seed, env_kwargs).mean()
    return float(low), float(high)


def make_mix(
    env_id: str,
    kind: str,
    n_episodes: int,
    dataset_id: str,
    seed: int = 0,
    *,
    policies: Mapping[str, Any] | None = None,
    env_kwargs: dict | None = None,
    ref_scores: tuple[float, float] | None = None,
    progress_bar: bool = False,
    overwrite: bool = False,
) -> Any:
    """Build one D4RL-style dataset ``kind`` (see the module docstring) in one call.

    Parameters
    ----------
    env_id : str
        Gymnasium id.
    kind : str
        One of :data:`MIX_KINDS`.
    n_episodes : int
        Episodes per component (``medium-expert`` holds ``2 * n_episodes``).
    dataset_id : str
        Minari id.
    seed : int
        Seed of :func:`rlsuite.offline_data.collect`.
    policies : mapping or None
        Must hold ``random``, ``medium`` and ``expert`` policies; defaults to
        :func:`rlsuite.offline_data.baselines.baseline_policies` (CartPole-v1,
        Acrobot-v1).
    env_kwargs : dict or None
        Keyword arguments of ``gym.make``.
    ref_scores : (float, float) or None
        ``(ref_min_score, ref_max_score)``; estimated from 20 episodes of the
        random and the expert policy when ``None``.
    progress_bar, overwrite : bool
        As in :func:`rlsuite.offline_data.collect`.
    """
    check_choice("kind", kind, MIX_KINDS)
    n_episodes = check_int("n_episodes", n_episodes)
    policies = _default_policies(env_id, policies)
    if ref_scores is None:
        ref_scores = reference_scores(env_id, policies, seed, env_kwargs)
    mix, per_policy = _mix_policies(kind, policies, n_episodes)
    return collect(
        env_id,
        mix,
        per_policy,
        dataset_id,
        seed,
        env_kwargs=env_kwargs,
        ref_min_score=ref_scores[0],
        ref_max_score=ref_scores[1],
        progress_bar=progress_bar,
        overwrite=overwrite,
        description=f"D4RL-style '{kind}' dataset of {env_id} (see rlsuite.offline_data.mixes)",
        mix=kind,
    )


def make_d4rl_datasets(
    env_id: str,
    n_episodes: int,
    prefix: str,
    seed: int = 0,
    *,
    kinds: tuple[str, ...] = MIX_KINDS,
    version: int = 0,
    policies: Mapping[str, Any] | None = None,
    progress_bar: bool = False,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Build every mix in ``kinds`` as ``<prefix>/<kind>-v<version>`` with shared reference scores.

    Example: ``make_d4rl_datasets("CartPole-v1", 10, "rlsuite/cartpole")``
    creates ``rlsuite/cartpole/random-v0`` ... ``rlsuite/cartpole/medium-replay-v0``.
    """
    policies = _default_policies(env_id, policies)
    ref_scores = reference_scores(env_id, policies, seed)
    return {
        kind: make_mix(
            env_id,
            kind,
            n_episodes,
            f"{prefix}/{kind}-v{version}",
            seed,
            policies=policies,
            ref_scores=ref_scores,
            progress_bar=progress_bar,
            overwrite=overwrite,
        )
        for kind in kinds
    }


def _default_policies(env_id: str, policies: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if policies is None:
        from rlsuite.offline_data.baselines import baseline_policies

        return baseline_policies(env_id, ("random", "medium", "expert"))
    missing = {"random", "medium", "expert"} - set(policies)
    if missing:
        raise ValueError(f"policies is missing {sorted(missing)}; need random, medium, expert")
    return policies

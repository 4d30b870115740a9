"""Hand-written inlining heuristics for ``rlsuite/Inlining-v0``: the K baselines of BC-Max.

Each reads the call-site features of :data:`rlsuite.envs.inlining.FEATURES`
and each is best on a different module family (see the env's size model):

``CostThreshold``
    LLVM-like: inline when the callee is small (size <= 5, or <= 8 in a
    loop, the way LLVM raises the threshold for hot sites). Best on tiny
    helpers, where inlining every copy lets the helper be deleted; it bloats
    modules of mid-size shared utilities.
``SingleCaller``
    Inline when the callee is local and this is its only call site left, so
    it will be deleted. Best on big functions called once.
``SizeGreedy``
    Inline when this site alone shrinks: the inlined body after constant
    folding is smaller than the call. Best with constant arguments; blind to
    deletions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlsuite.envs.inlining import FEATURES, MAX_SIMPLIFY, SIMPLIFY_PER_CONST

__all__ = ["CostThreshold", "SingleCaller", "SizeGreedy", "inlining_baselines"]

_F = {name: i for i, name in enumerate(FEATURES)}


class _Heuristic:
    """Batched ``decide(obs[n, F]) -> actions[n]`` plus SB3 ``predict`` and ``policy(obs, rng)``."""

    def decide(self, obs: np.ndarray) -> np.ndarray:
        """Actions (1 = inline) for a batch of call-site features."""
        raise NotImplementedError

    def predict(
        self,
        observation: np.ndarray,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = False,
    ) -> tuple[np.ndarray, Any]:
        """SB3 ``PolicyPredictor`` form."""
        obs = np.asarray(observation, np.float32)
        single = obs.ndim == 1
        actions = self.decide(obs[None] if single else obs).astype(np.int64)
        return (actions[0] if single else actions), state

    def __call__(self, obs: np.ndarray, rng: np.random.Generator) -> int:
        """``policy(obs, rng)`` form used by :func:`rlsuite.offline_data.collect`."""
        return int(self.decide(np.asarray(obs, np.float32)[None])[0])


class CostThreshold(_Heuristic):
    """Inline iff ``callee_size <= threshold`` (``+ loop_bonus`` inside a loop)."""

    def __init__(self, threshold: float = 5.0, loop_bonus: float = 3.0) -> None:
        self.threshold, self.loop_bonus = float(threshold), float(loop_bonus)

    def decide(self, obs: np.ndarray) -> np.ndarray:  # noqa: D102
        limit = self.threshold + self.loop_bonus * obs[:, _F["in_loop"]]
        return (obs[:, _F["callee_size"]] <= limit).astype(np.int64)


class SingleCaller(_Heuristic):
    """Inline iff the callee is local and has exactly one call site left."""

    def decide(self, obs: np.ndarray) -> np.ndarray:  # noqa: D102
        local = obs[:, _F["callee_is_local"]] == 1
        return (local & (obs[:, _F["callee_users"]] == 1)).astype(np.int64)


class SizeGreedy(_Heuristic):
    """Inline iff the folded callee body is smaller than the call it replaces."""

    def decide(self, obs: np.ndarray) -> np.ndarray:  # noqa: D102
        size = obs[:, _F["callee_size"]]
        share = np.minimum(MAX_SIMPLIFY, SIMPLIFY_PER_CONST * obs[:, _F["n_const_args"]])
        inlined = size - np.floor(size * share)
        return (inlined < obs[:, _F["call_cost"]]).astype(np.int64)


def inlining_baselines() -> dict[str, _Heuristic]:
    """The K = 3 baselines, by name."""
    return {
        "cost_threshold": CostThreshold(),
        "single_caller": SingleCaller(),
        "size_greedy": SizeGreedy(),
    }

"""Contextual bandit from a classification data set (the supervised-to-bandit reduction)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlsuite.envs._single_backed import SingleEnvBackedVectorEnv
from rlsuite.envs._vector import end_rounds
from rlsuite.envs.noise import NoiseModel, make_noise
from rlsuite.envs.validation import (
    check_action,
    check_actions,
    check_bool,
    check_choice,
    check_episode_running,
    check_optional_int,
    check_options,
    check_problem_seed,
    check_reset_seed,
)

__all__ = ["DATASETS", "MulticlassBanditEnv", "MulticlassBanditVectorEnv", "load_classification"]

#: scikit-learn data sets shipped inside its wheel (nothing is downloaded)
DATASETS = ("digits", "wine", "breast_cancer", "iris")


@lru_cache(maxsize=len(DATASETS))
def load_classification(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Standardised float32 features and integer labels of a scikit-learn data set.

    Columns are z-scored with the data set's own mean and std; constant
    columns (digits' blank border pixels) carry no information and are dropped.
    """
    check_choice("dataset", name, DATASETS)
    from sklearn import datasets

    features, labels = getattr(datasets, f"load_{name}")(return_X_y=True)
    std = features.std(axis=0)
    informative = std > 0
    features = (features[:, informative] - features.mean(axis=0)[informative]) / std[informative]
    features = features.astype(np.float32)
    features.setflags(write=False)
    labels = np.asarray(labels, dtype=np.int64)
    labels.setflags(write=False)
    return features, labels


class MulticlassBanditEnv(gym.Env[np.ndarray, np.int64]):
    """A contextual bandit made from a classification data set.

    ## Description
    The supervised-to-bandit reduction of Dudík, Langford & Li (2011, "Doubly
    robust policy evaluation and learning") and of Open Bandit Pipeline's
    ``MultiClassToBanditReduction``: each round shows the features of a data
    row drawn uniformly, the action is a class, and the reward reveals only
    whether that class is the row's label. The data sets are the ones
    scikit-learn ships inside its wheel (``digits``: 1,797 rows, 64 pixels,
    10 classes; ``wine``: 178, 13, 3; ``breast_cancer``: 569, 30, 2;
    ``iris``: 150, 4, 3), so nothing is downloaded.

    ## Action Space
    ``Discrete(n_classes)``: the predicted class. Anything else raises ``ValueError``.

    ## Observation Space
    The row's ``d`` non-constant features, z-scored per column; with
    ``arm_features`` a constant 1 is appended (an intercept, ``dim = d + 1``),
    else ``dim = d``.

    | ``arm_features`` | shape                          | content                          |
    |------------------|--------------------------------|----------------------------------|
    | ``True``         | ``(n_classes, n_classes*dim)`` | row ``a``: ``x`` in block ``a``  |
    | ``False``        | ``(dim,)``                     | ``x``                            |

    A float32 ``Box`` bounded by the data's per-column range. The default
    per-arm (disjoint) layout is what the linear bandit agents (LinUCB, OFUL,
    ...) and the OPE reward model take; ``arm_features=False`` is the plain
    context of OBP and SB3.

    ## Rewards
    Mean ``1`` for the row's label and ``0`` for every other class, plus the
    noise below, as a Python float. Step ``info``: ``label``,
    ``expected_reward``, ``expected_rewards`` (one-hot label),
    ``optimal_action`` (the label), ``regret`` (``1 - expected_reward``) and
    ``noise_std`` where finite.

    ## Reward Distribution
    ``noise="bernoulli"`` (default) draws ``Bernoulli(mean)``, which for
    means in ``{0, 1}`` is the exact indicator of the classic reduction. Any
    other family of :mod:`rlsuite.envs.noise` adds its centred noise to the
    mean (``student_t``, ``pareto`` and ``lognormal`` give heavy tails;
    ``student_t`` with ``df <= 2`` has no variance).

    ## Starting State
    The problem (the data set, and with ``n_samples`` which rows of it) is
    fixed at construction by ``problem_seed``; ``reset(seed=...)`` seeds
    only which rows are shown and the reward noise.

    ## Episode End
    With ``horizon=None`` each round is one episode (terminated); with
    ``horizon=T`` one continuing episode of ``T`` rounds, truncated at ``T``.

    ## Arguments
    ``gym.make("rlsuite/MulticlassBandit-v0", dataset="digits",
    noise="bernoulli", n_samples=None, arm_features=True, problem_seed=0,
    horizon=None)``; ``n_samples=None`` keeps every row.

    ## Version History
    * v0: initial version.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        dataset: str = "digits",
        noise: str | NoiseModel = "bernoulli",
        n_samples: int | None = None,
        arm_features: bool = True,
        problem_seed: int = 0,
        horizon: int | None = None,
    ) -> None:
        features, labels = load_classification(dataset)
        self.dataset = dataset
        self.noise = make_noise(noise)
        self.problem_seed = check_problem_seed(problem_seed, allow_none=False)
        self.n_samples = check_optional_int("n_samples", n_samples)
        if self.n_samples is not None and self.n_samples > len(labels):
            raise ValueError(
                f"n_samples={self.n_samples} is out of range: dataset={dataset!r} has "
                f"{len(labels)} rows"
            )
        self.arm_features = check_bool("arm_features", arm_features)
        self.horizon = check_optional_int("horizon", horizon)
        if self.n_samples is not None:  # the problem: which rows, fixed by problem_seed
            rows = np.random.default_rng(self.problem_seed).choice(
                len(labels), self.n_samples, replace=False
            )
            features, labels = features[np.sort(rows)], labels[np.sort(rows)]
        if arm_features:  # an intercept for every arm of a linear model
            features = np.hstack([features, np.ones((len(features), 1), np.float32)])
        self.features, self.labels = features, labels
        self.n_classes = int(labels.max()) + 1
        self.dim = features.shape[1]
        self.noise.validate_means(np.eye(self.n_classes))
        self.action_space = spaces.Discrete(self.n_classes)
        # the data's own range, so checkers and SB3 see finite bounds
        low, high = features.min(axis=0), features.max(axis=0)
        if arm_features:  # the other blocks of a row are 0
            k = self.n_classes
            low = np.tile(np.minimum(low, 0.0), (k, k))
            high = np.tile(np.maximum(high, 0.0), (k, k))
        self.observation_space = spaces.Box(low, high, dtype=np.float32)
        self._row = 0
        self._t = 0
        self._started = self._ended = False

    def _observe(self, rows: np.ndarray) -> np.ndarray:
        """Observations of data rows ``rows`` (any shape), float32."""
        x = self.features[rows]
        if not self.arm_features:
            return x
        # disjoint arm features: row a holds x in block a, zeros elsewhere
        eye = np.eye(self.n_classes, dtype=np.float32)
        blocks = np.einsum("ab,...j->...abj", eye, x)
        return blocks.reshape(*x.shape[:-1], self.n_classes, self.n_classes * self.dim)

    def _truth(self, rows: np.ndarray, actions: np.ndarray) -> dict[str, Any]:
        expected_rewards = np.eye(self.n_classes)[self.labels[rows]]
        taken = (actions == self.labels[rows]).astype(np.float64)
        info = {
            "label": self.labels[rows].copy(),
            "expected_rewards": expected_rewards,
            "expected_reward": taken,
            "optimal_action": self.labels[rows].copy(),
            "regret": 1.0 - taken,
        }
        std = self.noise.reward_std(taken)
        if np.all(np.isfinite(std)):
            info["noise_std"] = std
        return info

    def _new_round(self) -> None:
        self._row = int(self.np_random.integers(len(self.labels)))

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode and show a uniformly drawn row."""
        super().reset(seed=check_reset_seed(seed))
        check_options(options)
        self._t = 0
        self._started, self._ended = True, False
        self._new_round()
        return self._observe(np.asarray(self._row)), {"noise": self.noise.describe()}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Predict class ``action`` for the row shown."""
        check_episode_running(self._started, self._ended)
        a = check_action(action, self.n_classes)
        truth = self._truth(np.asarray([self._row]), np.asarray([a]))
        info = {key: value[0] for key, value in truth.items()}
        reward = float(self.noise.sample_rewards(self.np_random, truth["expected_reward"])[0])
        info["label"], info["optimal_action"] = int(info["label"]), int(info["optimal_action"])
        for key in ("expected_reward", "regret", "noise_std"):
            if key in info:
                info[key] = float(info[key])
        self._t += 1
        terminated = self.horizon is None
        truncated = self.horizon is not None and self._t >= self.horizon
        self._ended = terminated or truncated
        if not self._ended:
            self._new_round()
        return self._observe(np.asarray(self._row)), reward, terminated, truncated, info


class MulticlassBanditVectorEnv(SingleEnvBackedVectorEnv[MulticlassBanditEnv]):
    """``R`` independent copies of :class:`MulticlassBanditEnv` stepped in numpy.

    The constructor takes ``num_envs`` and the single env's arguments, which a
    :class:`MulticlassBanditEnv` (``self.single_env``) validates and uses to
    fix the problem: all copies pose that one problem (same data set and rows,
    from ``problem_seed``) and draw their rows and noise from the vector env's
    ``np_random``. Episodes auto-reset in the same step
    (``AutoresetMode.SAME_STEP``): the returned observation is always the
    next round's row. ``infos`` holds the single env's keys with a leading
    ``R`` axis.
    """

    single_env_class = MulticlassBanditEnv

    def __init__(self, num_envs: int = 1, **kwargs: Any) -> None:
        super().__init__(num_envs, **kwargs)
        single = self.single_env
        self.dataset, self.noise, self.problem_seed = (
            single.dataset,
            single.noise,
            single.problem_seed,
        )
        self.n_samples, self.arm_features = single.n_samples, single.arm_features
        self.features, self.labels = single.features, single.labels
        self.n_classes, self.dim = single.n_classes, single.dim
        self.rows: np.ndarray | None = None

    def _new_round(self) -> None:
        self.rows = self.np_random.integers(len(self.labels), size=self.num_envs)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every copy and show the first rows."""
        self._start_reset(seed, options)
        self._new_round()
        assert self.rows is not None
        return self.single_env._observe(self.rows), {}

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Predict one class in every copy, then show the next rows."""
        self._check_running()
        assert self.rows is not None
        actions = check_actions(actions, self.num_envs, self.n_classes)
        infos = self.single_env._truth(self.rows, actions)
        rewards = self.noise.sample_rewards(self.np_random, infos["expected_reward"])
        terminated, truncated = end_rounds(self._t, self.horizon)
        self._new_round()
        return self.single_env._observe(self.rows), rewards, terminated, truncated, infos

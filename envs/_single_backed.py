"""One code path for a bandit env's parameters: its native vector env is built on a single env.

Gymnasium's ``CartPoleVectorEnv`` shares its parameters and dynamics with
``CartPoleEnv``; here a vector env goes one step further and *constructs* the
single env from its own keyword arguments. The single env validates every
argument (an unknown keyword such as ``n_arm=3`` is a ``TypeError`` there), draws
the problem from ``problem_seed`` and provides the spaces, so a parameter is
added, checked and documented in one place.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar, cast

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlsuite.envs.validation import (
    MAX_SIZE,
    check_episode_running,
    check_int,
    check_options,
    check_reset_seed,
)

__all__ = ["SingleEnvBackedVectorEnv"]

#: The single env class behind a vector env (``Any`` for an unparameterised subclass).
EnvT = TypeVar("EnvT", bound=gym.Env)


class SingleEnvBackedVectorEnv(VectorEnv, Generic[EnvT]):
    """Base of the native bandit vector envs: ``num_envs`` copies of ``single_env_class``.

    Subclasses set ``single_env_class`` and implement ``reset`` (calling
    :meth:`_start_reset` first) and ``step`` (calling :meth:`_check_running`
    first). ``self.single_env`` holds the validated parameters and the problem;
    ``_t`` counts each copy's rounds for ``rlsuite.envs._vector.end_rounds``.
    """

    metadata: dict[str, Any] = {
        "autoreset_mode": AutoresetMode.SAME_STEP,
        "render_modes": [],
    }
    single_env_class: ClassVar[type[gym.Env]]
    #: The validated single env (a subclass names its type: ``SingleEnvBackedVectorEnv[E]``).
    single_env: EnvT

    def __init__(self, num_envs: int = 1, **kwargs: Any) -> None:
        self.num_envs = check_int("num_envs", num_envs, high=MAX_SIZE)
        try:
            self.single_env = cast(EnvT, self.single_env_class(**kwargs))
        except TypeError as error:
            if "unexpected keyword" not in str(error):
                raise
            raise TypeError(
                f"{type(self).__name__}: {error}; it takes num_envs and the keywords of "
                f"{self.single_env_class.__name__}"
            ) from None
        self.horizon = getattr(self.single_env, "horizon", None)
        self.single_action_space = self.single_env.action_space
        self.single_observation_space = self.single_env.observation_space
        # batch_space allocates num_envs copies of the bounds: check the size first
        for name, space in (
            ("action", self.single_action_space),
            ("observation", self.single_observation_space),
        ):
            self._check_size(f"{name} size", int(np.prod(space.shape or (1,))))
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self._t = np.zeros(self.num_envs, dtype=np.int64)
        self._started = False

    def _check_size(self, name: str, per_copy: int) -> None:
        """Refuse ``num_envs * per_copy``-entry arrays beyond ``MAX_SIZE`` before allocating."""
        if self.num_envs * per_copy > MAX_SIZE:
            raise ValueError(
                f"num_envs * {name} = {self.num_envs} * {per_copy} is out of range: "
                f"the vector env's arrays must have at most {MAX_SIZE} entries"
            )

    def _start_reset(self, seed: int | None, options: Any) -> bool:
        """Seed, check ``options``, zero the round counters; ``True`` on the first reset."""
        super().reset(seed=check_reset_seed(seed))
        check_options(options)
        first = not self._started
        self._started = True
        self._t[:] = 0
        return first

    def _check_running(self) -> None:
        check_episode_running(self._started, False)  # copies auto-reset, so only order matters

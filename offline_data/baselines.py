"""Baseline policies for CartPole-v1 and Acrobot-v1 at several skill levels.

Each env has a scripted **expert** controller; lower skill levels are the
expert made epsilon-noisy (with probability ``epsilon`` a uniformly random
action). ``epsilon`` of each level was calibrated once with
:func:`calibrate_epsilon` so the level's mean return sits at a target
*normalised score* ``(R - R_random) / (R_expert - R_random)``:

========  ======  =========================================
level     target  meaning (as in D4RL)
========  ======  =========================================
random    0.0     uniform random actions (``epsilon = 1``)
weak      0.15    an agent early in training
medium    0.35    D4RL "medium": about a third of the expert
good      0.7     a decent but imperfect agent
expert    1.0     the scripted controller (``epsilon = 0``)
========  ======  =========================================

The calibrated values are shipped in :data:`EPSILONS` (computed by
``python -m rlsuite.offline_data.baselines``), so nothing is retrained or
re-estimated at import time. A learned SB3 expert is available through
:func:`sb3_expert`, trained once and cached on disk under
``$RLSUITE_CACHE_DIR`` (default ``~/.cache/rlsuite``).

Controllers
-----------
CartPole-v1: push right iff ``theta + 0.5 * theta_dot > 0`` (a PD law on the
pole angle; it balances for the full 500 steps).
Acrobot-v1: apply torque in the direction of the second joint's angular
velocity (``+1`` iff ``theta2_dot > 0``), an energy-pumping rule that
swings the tip above the line in about 90 steps (random: 500, the limit).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from rlsuite.envs.validation import check_choice, check_int, check_real
from rlsuite.offline_data.collect import evaluate

__all__ = [
    "EPSILONS",
    "LEVELS",
    "EpsilonNoisyPolicy",
    "baseline_policies",
    "cache_dir",
    "calibrate_epsilon",
    "sb3_expert",
]

#: level -> target normalised score
LEVELS: dict[str, float] = {
    "random": 0.0,
    "weak": 0.15,
    "medium": 0.35,
    "good": 0.7,
    "expert": 1.0,
}


def cartpole_expert(obs: np.ndarray, rng: np.random.Generator) -> int:
    """PD controller on the pole angle and angular velocity."""
    return int(obs[2] + 0.5 * obs[3] > 0.0)


def acrobot_expert(obs: np.ndarray, rng: np.random.Generator) -> int:
    """Torque along the second joint's angular velocity (energy pumping)."""
    return 2 if obs[5] > 0.0 else 0


#: env id -> (scripted expert, number of discrete actions)
EXPERTS: dict[str, tuple[Any, int]] = {
    "CartPole-v1": (cartpole_expert, 2),
    "Acrobot-v1": (acrobot_expert, 3),
}

#: env id -> level -> epsilon, from ``python -m rlsuite.offline_data.baselines``
EPSILONS: dict[str, dict[str, float]] = {
    "CartPole-v1": {"random": 1.0, "weak": 0.5936, "medium": 0.4728, "good": 0.2828, "expert": 0.0},
    "Acrobot-v1": {"random": 1.0, "weak": 0.8749, "medium": 0.8336, "good": 0.6603, "expert": 0.0},
}


class EpsilonNoisyPolicy:
    """``policy(obs, rng)``: a uniform random action with probability ``epsilon``, else ``base``.

    A top-level class (not a closure) so policies pickle into worker processes.
    """

    def __init__(self, base: Any, epsilon: float, n_actions: int) -> None:
        self.base = base
        self.epsilon = check_real("epsilon", epsilon, 0.0, 1.0)
        self.n_actions = check_int("n_actions", n_actions)

    def __call__(self, obs: np.ndarray, rng: np.random.Generator) -> int:
        """Act on one observation."""
        if self.epsilon > 0.0 and rng.random() < self.epsilon:
            return int(rng.integers(self.n_actions))
        return int(self.base(obs, rng))

    def __repr__(self) -> str:
        return f"EpsilonNoisyPolicy({getattr(self.base, '__name__', self.base)}, {self.epsilon})"


def _check_env(env_id: str) -> None:
    check_choice("env_id", env_id, sorted(EXPERTS))


def baseline_policies(
    env_id: str, levels: tuple[str, ...] | list[str] = ("random", "medium", "expert")
) -> dict[str, EpsilonNoisyPolicy]:
    """Return ``{level: policy}`` for ``env_id`` (``CartPole-v1`` or ``Acrobot-v1``).

    Parameters
    ----------
    env_id : str
        Environment id.
    levels : sequence of str
        Skill levels among :data:`LEVELS`.
    """
    _check_env(env_id)
    expert, n_actions = EXPERTS[env_id]
    policies = {}
    for level in levels:
        check_choice("level", level, list(LEVELS))
        policies[level] = EpsilonNoisyPolicy(expert, EPSILONS[env_id][level], n_actions)
    return policies


def calibrate_epsilon(
    env_id: str, target: float, n_episodes: int = 50, seed: int = 0, iterations: int = 12
) -> float:
    """Bisect ``epsilon`` so the noisy expert's normalised score is ``target``.

    The normalised score decreases (in expectation) as ``epsilon`` grows; the
    same seeded episodes are used at every ``epsilon`` (common random numbers)
    so the bisection sees a nearly monotone curve.
    """
    _check_env(env_id)
    check_real("target", target, 0.0, 1.0)
    expert, n_actions = EXPERTS[env_id]

    def mean_return(eps: float) -> float:
        return float(
            evaluate(env_id, EpsilonNoisyPolicy(expert, eps, n_actions), n_episodes, seed).mean()
        )

    low_score, high_score = mean_return(1.0), mean_return(0.0)
    lo, hi = 0.0, 1.0  # epsilon bracket: score(lo) >= target >= score(hi)
    for _ in range(check_int("iterations", iterations)):
        mid = 0.5 * (lo + hi)
        score = (mean_return(mid) - low_score) / (high_score - low_score)
        lo, hi = (mid, hi) if score > target else (lo, mid)
    return round(0.5 * (lo + hi), 4)


def cache_dir() -> Path:
    """``$RLSUITE_CACHE_DIR`` or ``~/.cache/rlsuite``: where trained baselines live."""
    return Path(os.environ.get("RLSUITE_CACHE_DIR", Path.home() / ".cache" / "rlsuite"))


def sb3_expert(env_id: str, total_timesteps: int = 50_000, seed: int = 0) -> Any:
    """A PPO policy trained for ``total_timesteps``, cached on disk after the first call.

    The model is saved (atomically) as
    ``<cache_dir>/baselines/<env>-ppo-<total_timesteps>-<seed>.zip`` and loaded
    from there on later calls, so tests and notebooks never retrain it.
    """
    total_timesteps = check_int("total_timesteps", total_timesteps, low=64)
    try:
        from stable_baselines3 import PPO
    except ImportError as err:  # pragma: no cover - depends on the install
        raise ImportError("sb3_expert needs stable-baselines3: pip install 'rlsuite[sb3]'") from err
    path = (
        cache_dir() / "baselines" / f"{env_id.replace('/', '_')}-ppo-{total_timesteps}-{seed}.zip"
    )
    if path.exists():
        return PPO.load(path, device="cpu")
    model = PPO("MlpPolicy", env_id, seed=seed, device="cpu", n_steps=min(2048, total_timesteps))
    model.learn(total_timesteps)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.zip")
    model.save(tmp)
    os.replace(tmp, path)
    return model


def _main() -> None:  # pragma: no cover - calibration script
    for env_id in EXPERTS:
        values = {level: calibrate_epsilon(env_id, target) for level, target in LEVELS.items()}
        values["random"], values["expert"] = 1.0, 0.0
        print(f'    "{env_id}": {values},')


if __name__ == "__main__":  # pragma: no cover
    _main()

"""The online-RL baseline of the BC-Max case study: SB3 PPO on ``rlsuite/Inlining-v0``.

The paper (Marinov, Agarwal & Trofin, arXiv 2403.19462, section 5) starts
iterative BC-Max from an inlining policy trained online with RL on the
training corpus, together with the compiler's own heuristic. Here that
policy is SB3's PPO, trained online on the *same* training modules BC-Max
later sees (:class:`TrainingCorpus`), so the comparison is at equal data.

Hyperparameters (:data:`PPO_DEFAULTS`) are SB3's PPO defaults (those of
Schulman et al. 2017 for MuJoCo): learning rate 3e-4, 2048 steps per
update (here 8 envs x 256 steps), minibatch 64, 10 epochs, gamma 0.99,
GAE lambda 0.95, clip 0.2, no entropy bonus, a 64-64 tanh MLP. Our own
choices: observations standardised by SB3's ``VecNormalize`` (the features
are raw instruction counts, up to hundreds; MLGO also normalises its
features), rewards left as they are (the terminal size reduction is already
a fraction), and the training budget, set by the study's sweep. Every
episode has a fixed length (one step per call site, whatever the actions),
so gamma < 1 rescales returns per module but does not change which policy
is best.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import gymnasium as gym
import numpy as np

from rlsuite.envs.validation import check_int

__all__ = ["PPO_DEFAULTS", "PPOInliner", "TrainingCorpus", "train_ppo"]

ENV_ID = "rlsuite/Inlining-v0"
#: SB3's PPO defaults (``n_steps`` is per env: 8 x 256 = SB3's 2048 per update).
PPO_DEFAULTS: dict[str, Any] = {
    "learning_rate": 3e-4,
    "n_steps": 256,
    "batch_size": 64,
    "n_epochs": 10,
    "gamma": 0.99,
    "gae_lambda": 0.95,
    "clip_range": 0.2,
    "ent_coef": 0.0,
}
N_ENVS = 8


class TrainingCorpus(gym.Wrapper):
    """Each reset plays one module of a fixed corpus (reset seeds), drawn uniformly.

    Parameters
    ----------
    env : gymnasium.Env
        An ``rlsuite/Inlining-v0`` env.
    seeds : sequence of int
        Reset seeds of the corpus modules (seed ``s`` is the module
        ``env.reset(seed=s)`` draws).
    """

    def __init__(self, env: gym.Env, seeds: Sequence[int]) -> None:
        super().__init__(env)
        if len(seeds) == 0:
            raise ValueError("seeds=[] must hold at least one module seed")
        self.seeds = [check_int("seeds", s, low=0) for s in seeds]
        self._rng = np.random.default_rng(0)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Play a corpus module; ``seed`` reseeds the choice of modules."""
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        module_seed = self.seeds[int(self._rng.integers(len(self.seeds)))]
        return self.env.reset(seed=module_seed, options=options)


class PPOInliner:
    """A trained PPO policy with its frozen observation normalisation, played greedily.

    Exposes SB3's ``predict`` (so ``rollout_policies`` and ``evaluate_policy``
    accept it).
    """

    def __init__(self, model: Any, obs_mean: np.ndarray, obs_var: np.ndarray, clip: float) -> None:
        self.model = model
        self.obs_mean = np.asarray(obs_mean, np.float64)
        self.obs_std = np.sqrt(np.asarray(obs_var, np.float64) + 1e-8)
        self.clip = float(clip)

    def normalise(self, obs: np.ndarray) -> np.ndarray:
        """Observations as the policy saw them in training."""
        z = (np.asarray(obs, np.float64) - self.obs_mean) / self.obs_std
        return np.clip(z, -self.clip, self.clip).astype(np.float32)

    def predict(
        self,
        observation: np.ndarray,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[np.ndarray, Any]:
        """Greedy (by default) actions for one observation or a batch."""
        action, _ = self.model.predict(self.normalise(observation), deterministic=deterministic)
        return action, state


def train_ppo(
    train_seeds: Sequence[int],
    total_timesteps: int,
    seed: int,
    n_envs: int = N_ENVS,
    checkpoints: int = 0,
    evaluate: Callable[[PPOInliner], float] | None = None,
    **overrides: Any,
) -> tuple[PPOInliner, dict[str, Any]]:
    """Train SB3 PPO online on the corpus ``train_seeds``; return the greedy policy.

    Parameters
    ----------
    train_seeds : sequence of int
        Reset seeds of the training modules (the corpus).
    total_timesteps : int
        Environment steps (call-site decisions), >= 1.
    seed : int
        Seeds PPO (network, sampling) and the order of the corpus modules.
    n_envs : int
        Parallel copies in SB3's ``DummyVecEnv`` (``make_vec_env``).
    checkpoints : int
        How many times (evenly spaced, the last at the end) to call
        ``evaluate`` on the policy so far; ``0`` for never.
    evaluate : callable or None
        ``evaluate(policy) -> float``, e.g. the held-out size reduction.
    **overrides
        PPO keyword arguments replacing :data:`PPO_DEFAULTS`.

    Returns
    -------
    policy : PPOInliner
        The greedy policy with its frozen normalisation.
    log : dict
        ``episodes`` (modules compiled during training), ``steps`` and
        ``values`` of the checkpoints.
    """
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.running_mean_std import RunningMeanStd
    from stable_baselines3.common.vec_env import VecNormalize

    import rlsuite.envs  # noqa: F401  registers the env

    total_timesteps = check_int("total_timesteps", total_timesteps, low=1)
    n_envs = check_int("n_envs", n_envs, low=1)
    seed = check_int("seed", seed, low=0)
    checkpoints = check_int("checkpoints", checkpoints, low=0)
    if checkpoints and evaluate is None:
        raise ValueError(f"checkpoints={checkpoints} needs an evaluate function, got None")
    unknown = set(overrides) - set(PPO_DEFAULTS)
    if unknown:
        raise ValueError(f"PPO overrides {sorted(unknown)} are not among {sorted(PPO_DEFAULTS)}")
    params = {**PPO_DEFAULTS, **overrides}
    # A callable, not the id: with an id SB3 asks gym.make for rgb_array rendering, which
    # the env does not have (a warning per copy).
    venv = make_vec_env(
        partial(gym.make, ENV_ID),
        n_envs=n_envs,
        seed=seed,
        wrapper_class=partial(TrainingCorpus, seeds=list(train_seeds)),
    )
    venv = VecNormalize(venv, norm_obs=True, norm_reward=False, gamma=params["gamma"])
    torch.set_num_threads(1)
    model = PPO("MlpPolicy", venv, seed=seed, device="cpu", verbose=0, **params)
    marks = [round(total_timesteps * (k + 1) / checkpoints) for k in range(checkpoints)]
    log: dict[str, Any] = {"episodes": 0, "steps": [], "values": []}

    def snapshot() -> PPOInliner:
        rms = venv.obs_rms
        if not isinstance(rms, RunningMeanStd):  # one per key only for Dict observations
            raise TypeError(f"obs_rms={rms!r}: the Inlining observation is one Box")
        return PPOInliner(model, rms.mean.copy(), rms.var.copy(), venv.clip_obs)

    class Checkpoints(BaseCallback):
        def _on_step(self) -> bool:
            log["episodes"] += int(np.sum(self.locals["dones"]))
            while marks and self.num_timesteps >= marks[0]:
                marks.pop(0)
                log["steps"].append(self.num_timesteps)
                log["values"].append(float(evaluate(snapshot())))  # type: ignore[misc]
            return True

    model.learn(total_timesteps=total_timesteps, callback=Checkpoints())
    if marks:  # PPO stops at a multiple of n_envs * n_steps >= total_timesteps
        log["steps"].append(model.num_timesteps)
        log["values"].append(float(evaluate(snapshot())))  # type: ignore[misc]
    return snapshot(), log

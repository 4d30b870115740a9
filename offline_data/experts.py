"""Many slightly different scripted experts on CartPole-v1 and Acrobot-v1.

Expert-level differential privacy (Sharma et al., "Preserving Expert-Level
Privacy in Offline Reinforcement Learning", arXiv 2411.13598) needs datasets
made of *many* experts, each contributing several trajectories. The paper
trains 3000 experts per environment with RL; training that many agents is
far too slow here, so each expert is a scripted good controller whose gains
are perturbed per expert and whose actions come from a softmax with a
per-expert temperature (documented deviation). Experts therefore agree on
most states (consensus) but differ in detail (what privacy must hide).

* CartPole-v1: ``logit(push right) = k . obs`` with ``k`` around
  ``(0.1, 0.5, 10, 2)`` (position, velocity, angle, angular velocity).
* Acrobot-v1: energy pumping, ``torque ~ sign(dtheta1 + k2 * dtheta2)``.

Everything is deterministic given ``seed``. The policies are plain callables
``policy(obs, rng) -> action`` so :func:`rlsuite.offline_data.collect` can
log them into a Minari dataset with ``policy_key="expert_id"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# BatchSimulator and sample_actions live in rlsuite.envs.batch_simulator; they are
# re-exported here for old imports.
from rlsuite.envs.batch_simulator import ENV_IDS, BatchSimulator, check_env_id, sample_actions
from rlsuite.envs.validation import check_int

__all__ = [
    "ENV_IDS",
    "BatchSimulator",
    "REF_SCORES",
    "ExpertEpisode",
    "ScriptedExpert",
    "generate_expert_episodes",
    "make_experts",
    "sample_actions",
]

#: (random-policy return, mean return of the 300 default experts), the
#: references of the normalized score ``(R - min) / (max - min)``, measured
#: with ``seed=0`` (CartPole experts all reach the 500-step limit).
REF_SCORES: dict[str, tuple[float, float]] = {
    "CartPole-v1": (22.0, 500.0),
    "Acrobot-v1": (-500.0, -132.0),
}

_CARTPOLE_GAINS = np.array([0.1, 0.5, 10.0, 2.0])
_MAX_STEPS = {"CartPole-v1": 500, "Acrobot-v1": 500}


@dataclass
class ScriptedExpert:
    """One expert: a linear softmax policy over the env's actions.

    Parameters
    ----------
    env_id : str
        ``"CartPole-v1"`` or ``"Acrobot-v1"``.
    weights : numpy.ndarray
        ``(obs_dim, n_actions)`` logit weights.
    """

    env_id: str
    weights: np.ndarray

    def action_probs(self, obs: np.ndarray) -> np.ndarray:
        """Action probabilities for one ``(obs_dim,)`` or a batch ``(n, obs_dim)``."""
        logits = np.asarray(obs, dtype=np.float64) @ self.weights
        logits -= logits.max(axis=-1, keepdims=True)
        probs = np.exp(logits)
        return probs / probs.sum(axis=-1, keepdims=True)

    def __call__(self, obs: np.ndarray, rng: np.random.Generator) -> int:
        """Sample an action (the ``policy(obs, rng)`` form of ``collect``)."""
        probs = self.action_probs(obs)
        return int(min(np.searchsorted(np.cumsum(probs), rng.random()), len(probs) - 1))


@dataclass
class ExpertEpisode:
    """One trajectory of one expert (the in-memory dataset format).

    ``observations`` has one row more than ``actions`` (the final state),
    as in Minari.
    """

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    expert_id: int
    env_id: str
    terminated: bool = False
    truncated: bool = False
    infos: dict = field(default_factory=dict)


def make_experts(env_id: str, n_experts: int = 300, seed: int = 0) -> list[ScriptedExpert]:
    """Build ``n_experts`` perturbed scripted experts for ``env_id``.

    Gains get independent log-normal perturbations (sd 0.25) and the softmax
    temperature is log-uniform per expert, so experts are good but not
    identical.
    """
    check_env_id(env_id)
    n_experts = check_int("n_experts", n_experts)
    rng = np.random.default_rng([seed, ENV_IDS.index(env_id)])
    experts = []
    for _ in range(n_experts):
        inverse_temperature = float(np.exp(rng.uniform(np.log(10.0), np.log(100.0))))
        if env_id == "CartPole-v1":
            gains = _CARTPOLE_GAINS * np.exp(0.25 * rng.standard_normal(4))
            weights = np.zeros((4, 2))
            weights[:, 1] = gains * inverse_temperature
        else:
            k2 = float(np.exp(0.25 * rng.standard_normal()))
            direction = np.zeros(6)
            direction[4], direction[5] = 1.0, k2
            # Logits for torques (-1, 0, +1) are proportional to torque * direction.obs.
            weights = np.outer(direction, [-1.0, 0.0, 1.0]) * inverse_temperature
        experts.append(ScriptedExpert(env_id, weights))
    return experts


def generate_expert_episodes(
    env_id: str,
    n_experts: int = 300,
    episodes_per_expert: int = 2,
    seed: int = 0,
) -> list[ExpertEpisode]:
    """Roll out every expert ``episodes_per_expert`` times (in memory, batched).

    Returns a list of :class:`ExpertEpisode` whose ``expert_id`` is the
    expert's index in :func:`make_experts`; ``infos["expert_id"]`` holds the
    same id per step, as :func:`rlsuite.offline_data.collect` stores it.
    Episodes end on termination or after 500 steps (truncation).
    """
    experts = make_experts(env_id, n_experts, seed)
    episodes_per_expert = check_int("episodes_per_expert", episodes_per_expert)
    sim = BatchSimulator(env_id)
    rng = np.random.default_rng([seed, 7, ENV_IDS.index(env_id)])
    owner = np.repeat(np.arange(len(experts)), episodes_per_expert)
    weights = np.stack([e.weights for e in experts])[owner]
    state = sim.reset(len(owner), rng)
    obs_rows, action_rows, reward_rows = [sim.observe(state)], [], []
    alive = np.ones(len(owner), dtype=bool)
    length = np.full(len(owner), _MAX_STEPS[env_id])
    terminated_any = np.zeros(len(owner), dtype=bool)
    for t in range(_MAX_STEPS[env_id]):
        logits = np.einsum("nd,nda->na", obs_rows[-1].astype(np.float64), weights)
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        actions = sample_actions(probs / probs.sum(axis=1, keepdims=True), rng)
        state, rewards, terminated = sim.step(state, actions)
        obs_rows.append(sim.observe(state))
        action_rows.append(actions)
        reward_rows.append(rewards)
        newly_done = alive & terminated
        length[newly_done] = t + 1
        terminated_any |= newly_done
        alive &= ~terminated
        if not alive.any():
            break
    obs_all, act_all, rew_all = (
        np.stack(obs_rows, 1),
        np.stack(action_rows, 1),
        np.stack(reward_rows, 1),
    )
    episodes = []
    for i, expert_id in enumerate(owner):
        n = int(length[i])
        episodes.append(
            ExpertEpisode(
                observations=obs_all[i, : n + 1],
                actions=act_all[i, :n].astype(np.int64),
                rewards=rew_all[i, :n],
                expert_id=int(expert_id),
                env_id=env_id,
                terminated=bool(terminated_any[i]),
                truncated=not terminated_any[i],
                infos={"expert_id": np.full(n + 1, expert_id, dtype=np.int64)},
            )
        )
    return episodes

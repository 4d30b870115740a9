"""Many experts on CartPole-v1 and Acrobot-v1: scripted controllers or RL-trained policies.

Expert-level differential privacy (Sharma et al., "Preserving Expert-Level
Privacy in Offline Reinforcement Learning", arXiv 2411.13598) needs datasets
made of *many* experts, each contributing several trajectories. The paper
trains 3000 experts per environment with RL. Two families are offered:

* ``kind="trained"`` (:func:`make_trained_experts`): a few SB3 PPO policies
  per environment (different seeds and hyperparameters, trained on first use
  and cached on disk, see :func:`expert_cache_dir`), and any number of
  experts derived from them (perturbed action head, own temperature). 3000
  separate trainings do not fit a 2-core machine; this is the documented
  substitute (12 CartPole / 6 Acrobot trainings by default, :data:`N_BASE`).
* ``kind="scripted"`` (default of :func:`make_experts`): good scripted
  controllers whose gains are perturbed per expert and whose actions come
  from a softmax with a per-expert temperature:

  - CartPole-v1: ``logit(push right) = k . obs`` with ``k`` around
    ``(0.1, 0.5, 10, 2)`` (position, velocity, angle, angular velocity).
  - Acrobot-v1: energy pumping, ``torque ~ sign(dtheta1 + k2 * dtheta2)``.

Experts agree on most states (consensus) but differ in detail (what privacy
must hide). Everything is deterministic given ``seed``. Policies are plain
callables ``policy(obs, rng) -> action`` with ``action_probs(obs)``, so
:func:`rlsuite.offline_data.collect` can log them into a Minari dataset with
``policy_key="expert_id"``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

# BatchSimulator and sample_actions live in rlsuite.envs.batch_simulator; they are
# re-exported here for old imports.
from rlsuite.envs.batch_simulator import ENV_IDS, BatchSimulator, check_env_id, sample_actions
from rlsuite.envs.validation import check_int, sample_categorical

__all__ = [
    "ENV_IDS",
    "BatchSimulator",
    "REF_SCORES",
    "ExpertEpisode",
    "ScriptedExpert",
    "generate_expert_episodes",
    "make_experts",
    "make_trained_experts",
    "NetworkExpert",
    "batched_probs",
    "expert_agreement",
    "train_base_policy",
    "expert_cache_dir",
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
        return int(sample_categorical(self.action_probs(obs), rng))


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


#: Expert families: scripted softmax controllers, or experts derived from PPO-trained policies.
EXPERT_KINDS = ("scripted", "trained")


def make_experts(
    env_id: str, n_experts: int = 300, seed: int = 0, kind: str = "scripted", **trained: Any
) -> list:
    """Build ``n_experts`` experts for ``env_id``.

    ``kind="scripted"``: perturbed scripted controllers (gains get independent
    log-normal perturbations, sd 0.25; the softmax temperature is log-uniform
    per expert), good but not identical. ``kind="trained"``: experts derived
    from SB3 PPO policies, :func:`make_trained_experts` (``trained`` holds its
    keyword arguments).
    """
    check_env_id(env_id)
    if kind not in EXPERT_KINDS:
        raise ValueError(f"kind={kind!r} is not supported; must be one of {EXPERT_KINDS}")
    if kind == "trained":
        return make_trained_experts(env_id, n_experts, seed, **trained)
    if trained:
        raise TypeError(f"{sorted(trained)} apply only to kind='trained'")
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
    kind: str = "scripted",
    experts: list | None = None,
) -> list[ExpertEpisode]:
    """Roll out every expert ``episodes_per_expert`` times (in memory, batched).

    Returns a list of :class:`ExpertEpisode` whose ``expert_id`` is the
    expert's index in :func:`make_experts`; ``infos["expert_id"]`` holds the
    same id per step, as :func:`rlsuite.offline_data.collect` stores it.
    Episodes end on termination or after 500 steps (truncation). ``kind``
    selects the experts (:func:`make_experts`); ``experts`` passes them
    directly (then ``n_experts`` must equal ``len(experts)``).
    """
    if experts is None:
        experts = make_experts(env_id, n_experts, seed, kind)
    elif len(experts) != n_experts:
        raise ValueError(f"n_experts={n_experts!r} must equal len(experts)={len(experts)}")
    episodes_per_expert = check_int("episodes_per_expert", episodes_per_expert)
    sim = BatchSimulator(env_id)
    rng = np.random.default_rng([seed, 7, ENV_IDS.index(env_id)])
    owner = np.repeat(np.arange(len(experts)), episodes_per_expert)
    state = sim.reset(len(owner), rng)
    obs_rows, action_rows, reward_rows = [sim.observe(state)], [], []
    alive = np.ones(len(owner), dtype=bool)
    length = np.full(len(owner), _MAX_STEPS[env_id])
    terminated_any = np.zeros(len(owner), dtype=bool)
    for t in range(_MAX_STEPS[env_id]):
        logits = batched_logits(experts, obs_rows[-1], owner)
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


# --------------------------------------------------------------------------- RL-trained experts
#: Where trained base policies are cached (override with ``$RLSUITE_EXPERT_CACHE``).
DEFAULT_CACHE = "~/.cache/rlsuite/experts"

#: PPO timesteps per base policy: CartPole reaches 500 within ~50k steps (about 15 s on one
#: core); Acrobot needs more to swing up reliably.
TRAIN_TIMESTEPS = {"CartPole-v1": 60_000, "Acrobot-v1": 100_000}

#: Hyperparameter grid the base trainings cycle through (with a fresh seed each), so the
#: base policies differ in seed *and* hyperparameters, as the paper's experts do.
PPO_GRID: tuple[dict[str, Any], ...] = (
    {"learning_rate": 1e-3, "gamma": 0.98, "gae_lambda": 0.8, "n_epochs": 20, "ent_coef": 0.0},
    {"learning_rate": 3e-4, "gamma": 0.99, "gae_lambda": 0.95, "n_epochs": 10, "ent_coef": 0.0},
    {"learning_rate": 1e-3, "gamma": 0.99, "gae_lambda": 0.9, "n_epochs": 10, "ent_coef": 0.01},
    {"learning_rate": 5e-4, "gamma": 0.98, "gae_lambda": 0.95, "n_epochs": 20, "ent_coef": 0.0},
)

#: Base policies per environment (PPO trainings; what 2 shared cores allowed, see the study note).
N_BASE = {"CartPole-v1": 12, "Acrobot-v1": 6}

#: Derived experts: relative Gaussian perturbation of the base policy's action head and an
#: inverse temperature (log-uniform in this range) on its logits. Chosen a priori, not tuned on
#: the study: the perturbation makes experts differ (what privacy must hide) while each stays a
#: competent policy (mean return of 3000 derived experts: CartPole 480, Acrobot -83;
#: ``docs/results/expert_dp_3000.txt``).
HEAD_NOISE = 0.1
INVERSE_TEMPERATURE = (1.0, 3.0)


def expert_cache_dir(cache_dir: str | None = None) -> Path:
    """The cache of trained base policies.

    ``cache_dir`` if given, else ``$RLSUITE_EXPERT_CACHE``, else :data:`DEFAULT_CACHE`.
    """
    return Path(cache_dir or os.environ.get("RLSUITE_EXPERT_CACHE") or DEFAULT_CACHE).expanduser()


def _mlp_arrays(model: Any) -> dict[str, np.ndarray]:
    """The policy network of an SB3 ``MlpPolicy`` (tanh hidden layers + action head)."""
    layers = [m for m in model.policy.mlp_extractor.policy_net if hasattr(m, "weight")]
    arrays = {}
    for k, layer in enumerate(layers):
        arrays[f"w{k}"] = layer.weight.detach().cpu().numpy().T.astype(np.float64)
        arrays[f"b{k}"] = layer.bias.detach().cpu().numpy().astype(np.float64)
    arrays["head_w"] = model.policy.action_net.weight.detach().cpu().numpy().T.astype(np.float64)
    arrays["head_b"] = model.policy.action_net.bias.detach().cpu().numpy().astype(np.float64)
    return arrays


def train_base_policy(
    env_id: str,
    index: int,
    timesteps: int | None = None,
    cache_dir: str | None = None,
) -> dict[str, np.ndarray]:
    """Train (or load from the cache) base policy ``index`` of ``env_id`` with SB3 PPO.

    Run ``index`` uses seed ``index`` and hyperparameters ``PPO_GRID[index % 4]``,
    8 parallel envs, a ``[64, 64]`` tanh policy network, on the CPU, ``timesteps``
    steps (default :data:`TRAIN_TIMESTEPS`). The result (the policy network's
    arrays plus ``eval_return``, the mean of 10 stochastic evaluation episodes)
    is stored as ``<cache>/<env_id>/ppo_<index>_<timesteps>.npz``; nothing is
    ever downloaded.
    """
    check_env_id(env_id)
    index = check_int("index", index, 0)
    timesteps = check_int("timesteps", TRAIN_TIMESTEPS[env_id] if timesteps is None else timesteps)
    path = expert_cache_dir(cache_dir) / env_id / f"ppo_{index}_{timesteps}.npz"
    if path.exists():
        with np.load(path) as stored:
            return dict(stored)
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        env = make_vec_env(env_id, n_envs=8, seed=index)
        model = PPO("MlpPolicy", env, seed=index, device="cpu", n_steps=64, batch_size=256,
                    policy_kwargs={"net_arch": [64, 64]}, verbose=0,
                    **PPO_GRID[index % len(PPO_GRID)])  # fmt: skip
        model.learn(timesteps)
        eval_env = make_vec_env(env_id, n_envs=1, seed=100_000 + index)
        mean_return, _ = evaluate_policy(model, eval_env, n_eval_episodes=10, deterministic=False)
    finally:
        torch.set_num_threads(threads)
    arrays = _mlp_arrays(model)
    # Without return_episode_rewards, evaluate_policy returns the mean as a float.
    arrays["eval_return"] = np.array(float(cast(float, mean_return)))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    # numpy's stub lets **arrays bind allow_pickle: bool, so a dict of arrays fails.
    np.savez(tmp, **arrays)  # type: ignore[arg-type]
    tmp.replace(path)
    return arrays


@dataclass(eq=False)
class NetworkExpert:
    """A derived expert: a trained base network with its own action head and temperature.

    ``action_probs(obs) = softmax(beta * (features(obs) @ head_w + head_b))``
    where ``features`` is the base policy's tanh MLP (shared by every expert
    derived from the same base: ``base`` is the same object, which lets
    batched code compute the features once per base).
    """

    env_id: str
    base: dict[str, np.ndarray]
    head_w: np.ndarray
    head_b: np.ndarray
    inverse_temperature: float

    def features(self, obs: np.ndarray) -> np.ndarray:
        """Last hidden layer of the base network, ``(n, width)``."""
        hidden = np.asarray(obs, dtype=np.float64)
        k = 0
        while f"w{k}" in self.base:
            hidden = np.tanh(hidden @ self.base[f"w{k}"] + self.base[f"b{k}"])
            k += 1
        return hidden

    def __post_init__(self) -> None:
        self._head = self.inverse_temperature * np.vstack([self.head_w, self.head_b[None, :]])

    def head(self) -> np.ndarray:
        """``(width + 1, n_actions)``: the temperature-scaled head, bias as the last row."""
        return self._head

    def action_probs(self, obs: np.ndarray) -> np.ndarray:
        """Action probabilities for one ``(obs_dim,)`` or a batch ``(n, obs_dim)``."""
        obs = np.asarray(obs, dtype=np.float64)
        flat = obs.reshape(-1, obs.shape[-1])
        head = self.head()
        logits = self.features(flat) @ head[:-1] + head[-1]
        logits -= logits.max(axis=-1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=-1, keepdims=True)
        return probs.reshape(*obs.shape[:-1], -1)

    def __call__(self, obs: np.ndarray, rng: np.random.Generator) -> int:
        """Sample an action (the ``policy(obs, rng)`` form of ``collect``)."""
        return int(sample_categorical(self.action_probs(obs), rng))


def make_trained_experts(
    env_id: str,
    n_experts: int = 300,
    seed: int = 0,
    *,
    n_base: int | None = None,
    timesteps: int | None = None,
    cache_dir: str | None = None,
) -> list[NetworkExpert]:
    """``n_experts`` experts derived from ``n_base`` PPO-trained policies (:data:`N_BASE`).

    Expert ``j`` uses base ``j % n_base`` (trained or read from the cache by
    :func:`train_base_policy`) with its action head perturbed by relative
    Gaussian noise (``HEAD_NOISE`` times the head weights' std) and an
    inverse temperature log-uniform in :data:`INVERSE_TEMPERATURE`, drawn
    from ``seed``. The bases are shared across seeds (training is the
    expensive part); the derived experts differ per seed.
    """
    check_env_id(env_id)
    n_experts = check_int("n_experts", n_experts)
    n_base = check_int("n_base", N_BASE[env_id] if n_base is None else n_base)
    bases = [train_base_policy(env_id, b, timesteps, cache_dir) for b in range(n_base)]
    rng = np.random.default_rng([seed, ENV_IDS.index(env_id), 1])
    low, high = np.log(INVERSE_TEMPERATURE[0]), np.log(INVERSE_TEMPERATURE[1])
    experts = []
    for j in range(n_experts):
        base = bases[j % n_base]
        scale_w = base["head_w"].std() * HEAD_NOISE
        scale_b = max(float(np.abs(base["head_b"]).max()), 1e-3) * HEAD_NOISE
        head_w = base["head_w"] + scale_w * rng.standard_normal(base["head_w"].shape)
        head_b = base["head_b"] + scale_b * rng.standard_normal(base["head_b"].shape)
        beta = float(np.exp(rng.uniform(low, high)))
        experts.append(NetworkExpert(env_id, base, head_w, head_b, beta))
    return experts


def batched_probs(experts: list, obs: np.ndarray, owner: np.ndarray | None = None) -> np.ndarray:
    """Action probabilities of many experts, vectorised.

    With ``owner=None``: every expert on every row, ``(n_experts, n, n_actions)``.
    With ``owner``: row ``k`` evaluated by expert ``owner[k]``, ``(n, n_actions)``.
    Scripted (linear) and network experts are both supported.
    """
    logits = batched_logits(experts, obs, owner)
    logits = logits - logits.max(axis=-1, keepdims=True)
    probs = np.exp(logits)
    return probs / probs.sum(axis=-1, keepdims=True)


def batched_logits(experts: list, obs: np.ndarray, owner: np.ndarray | None = None) -> np.ndarray:
    """Logits as in :func:`batched_probs` (network experts share features per base)."""
    obs = np.asarray(obs, dtype=np.float64)
    if all(isinstance(e, ScriptedExpert) for e in experts):
        weights = np.stack([e.weights for e in experts])
        if owner is None:
            return np.einsum("hd,nda->nha", obs, weights)
        return np.einsum("nd,nda->na", obs, weights[owner])
    if not all(isinstance(e, NetworkExpert) for e in experts):
        raise TypeError("experts must all be ScriptedExpert or all NetworkExpert")
    groups: dict[int, list[int]] = {}
    for j, e in enumerate(experts):
        groups.setdefault(id(e.base), []).append(j)
    heads = np.stack([e.head() for e in experts])
    n_actions = heads.shape[-1]
    if owner is None:
        out = np.empty((len(experts), len(obs), n_actions))
        for members in groups.values():
            feats = experts[members[0]].features(obs)
            h = heads[members]
            out[members] = np.matmul(feats, h[:, :-1]) + h[:, None, -1]
        return out
    out = np.empty((len(obs), n_actions))
    owner = np.asarray(owner)
    base_of = np.empty(len(experts), dtype=np.int64)
    for g, members in enumerate(groups.values()):
        base_of[members] = g
    for g, members in enumerate(groups.values()):
        rows = np.flatnonzero(base_of[owner] == g)
        if len(rows):
            feats = experts[members[0]].features(obs[rows])
            h = heads[owner[rows]]
            out[rows] = np.matmul(feats[:, None, :], h[:, :-1])[:, 0] + h[:, -1]
    return out


def expert_agreement(experts: list, episodes: list[ExpertEpisode]) -> dict[str, float]:
    """How much ``experts`` agree along ``episodes``' states.

    Per state: the share of experts whose most likely action is the majority's
    (``argmax_agreement``), and the mean over experts of ``pi_i(a_t | s_t)``
    for the logged action (``logged_action_prob``, the per-step factor of the
    Prefix Query count). Returns their means and the 10 % quantile of the latter.
    """
    obs = np.concatenate([e.observations[:-1] for e in episodes])
    actions = np.concatenate([e.actions for e in episodes])
    probs = batched_probs(experts, obs)  # (n_experts, n, A)
    votes = np.eye(probs.shape[-1])[probs.argmax(axis=-1)].sum(axis=0)  # (n, A)
    agreement = votes.max(axis=1) / len(experts)
    logged = probs[:, np.arange(len(actions)), actions].mean(axis=0)
    return {
        "argmax_agreement": float(agreement.mean()),
        "logged_action_prob": float(logged.mean()),
        "logged_action_prob_q10": float(np.quantile(logged, 0.1)),
        "n_states": float(len(actions)),
    }

"""One run of the BC-Max inlining study: PPO online, then iterative BC-Max from {heuristics + PPO}.

A run (one seed) draws ``n_train`` training modules (the corpus) and
``n_test`` held-out modules (disjoint reset seeds), then

1. trains SB3 PPO online on the corpus (:func:`ppo.train_ppo`), recording
   its held-out size reduction at ``ppo_checkpoints`` points;
2. plays the K = 4 initial baselines (the three heuristics and PPO) on the
   corpus and runs iterative BC-Max for ``rounds`` extra rounds
   (:class:`~rlsuite.agents.offline.iterative_bcmax.IterativeBCMax`), the
   paper's case study; and, as an ablation, the same from the heuristics
   alone (no RL policy, the setting of the earlier study);
3. plays every policy greedily on the training and the held-out modules.

Metrics (fractions, not percent), per policy ``p`` (:func:`policy_names`):
``test_<p>`` mean per-module size reduction against no inlining;
``test_total_<p>`` reduction of the summed size of all held-out modules
(the size of one binary made of them); ``vs_ppo_<p>`` the size reduction
of that total against PPO's total (``(size_ppo - size_p) / size_ppo``,
the paper's "additional size reduction over the RL policy");
``train_<p>`` the per-module reduction on the corpus; ``test_<family>_<p>``
per module family. ``data_best_r<r>`` is the mean per-module best return in
the data of round ``r``; ``won_ppo_r0`` the share of corpus modules whose
best initial trajectory was PPO's; ``episodes_ppo`` the modules PPO compiled
while training (BC-Max compiles ``n_train`` per baseline and per round).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

import rlsuite.envs  # noqa: F401  registers rlsuite/Inlining-v0
from rlsuite.agents.offline.common import rollout_policies
from rlsuite.agents.offline.inlining_heuristics import inlining_baselines
from rlsuite.agents.offline.iterative_bcmax import IterativeBCMax
from rlsuite.envs.inlining import FAMILIES
from rlsuite.experiments.base import RunResult
from rlsuite.experiments.bcmax_inlining.ppo import train_ppo

__all__ = ["evaluate_modules", "policy_names", "run"]

ENV_ID = "rlsuite/Inlining-v0"
TEST_SEED_OFFSET = 1_000_000_000  # held-out modules never share a seed with training ones
AGENTS = ("iterative_bcmax",)
HEURISTICS = tuple(inlining_baselines())
#: per-module maxima: over the heuristics, and over the K = 4 initial baselines
ORACLES = ("best_heuristic_per_module", "best_initial_per_module")


def policy_names(rounds: int) -> list[str]:
    """Every policy a run reports, in table order."""
    chain = [f"bcmax_r{r}" for r in range(rounds + 1)]
    ablation = [f"noppo_bcmax_r{r}" for r in range(rounds + 1)]
    return [*HEURISTICS, "ppo", *ORACLES, *chain, *ablation]


def evaluate_modules(env: gym.Env, policy: Any, seeds: list[int]) -> dict[str, np.ndarray]:
    """Play ``policy`` greedily per module: reduction, final and no-inlining sizes, family."""
    out: dict[str, list] = {"reduction": [], "size": [], "size_no_inline": [], "family": []}
    for seed in seeds:
        obs, info = env.reset(seed=seed)
        done, end = False, dict[str, Any]()
        while not done:
            action, _ = policy.predict(obs, deterministic=True)
            obs, _, terminated, truncated, end = env.step(int(action))
            done = terminated or truncated
        out["reduction"].append(end["size_reduction"])
        out["size"].append(end["size"])
        out["size_no_inline"].append(end["size_no_inline"])
        out["family"].append(info["module_family"])
    return {key: np.asarray(value) for key, value in out.items()}


def _oracle(results: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The per-module best of several policies' results on the same modules."""
    sizes = np.stack([r["size"] for r in results])
    best = sizes.argmin(axis=0)
    pick = np.arange(sizes.shape[1])
    out = dict(results[0])
    out["size"] = sizes[best, pick]
    out["reduction"] = np.stack([r["reduction"] for r in results])[best, pick]
    return out


def run(params: dict[str, Any], agent: str, seed: int) -> RunResult:
    """PPO, the heuristics and every BC-Max round on the corpus and the held-out modules."""
    if agent not in AGENTS:
        raise ValueError(f"agent={agent!r} must be one of {list(AGENTS)}")
    n_train, n_test = int(params["n_train"]), int(params["n_test"])
    rounds = int(params["rounds"])
    env = gym.make(ENV_ID)
    train_seeds = [seed * 1_000_003 + i for i in range(n_train)]
    test_seeds = [TEST_SEED_OFFSET + seed * 1_000_003 + i for i in range(n_test)]
    curve_seeds = test_seeds[: int(params.get("n_curve", n_test))]

    def held_out(policy: Any) -> float:
        return float(evaluate_modules(env, policy, curve_seeds)["reduction"].mean())

    ppo, log = train_ppo(
        train_seeds,
        int(params["ppo_timesteps"]),
        seed,
        checkpoints=int(params.get("ppo_checkpoints", 0)),
        evaluate=held_out,
    )
    heuristics = inlining_baselines()
    initial = rollout_policies(env, {**heuristics, "ppo": ppo}, train_seeds)
    epochs = int(params["epochs"])
    chain = IterativeBCMax(rounds=rounds, env=env, epochs=epochs, seed=seed).fit(initial)
    no_ppo = [t for t in initial if t.policy != "ppo"]
    ablation = IterativeBCMax(rounds=rounds, env=env, epochs=epochs, seed=seed).fit(no_ppo)

    policies: dict[str, Any] = {**heuristics, "ppo": ppo}
    policies.update({f"bcmax_r{r}": p for r, p in enumerate(chain.learners_)})
    policies.update({f"noppo_bcmax_r{r}": p for r, p in enumerate(ablation.learners_)})
    test = {name: evaluate_modules(env, p, test_seeds) for name, p in policies.items()}
    train = {name: evaluate_modules(env, p, train_seeds) for name, p in policies.items()}
    for results in (test, train):
        results[ORACLES[0]] = _oracle([results[h] for h in HEURISTICS])
        results[ORACLES[1]] = _oracle([results[h] for h in (*HEURISTICS, "ppo")])

    metrics: dict[str, float] = {
        "episodes_ppo": float(log["episodes"]),
        "won_ppo_r0": chain.history_[0].get("ppo", 0) / n_train,
    }
    ppo_total = test["ppo"]["size"].sum()
    for name in policy_names(rounds):
        result = test[name]
        total = result["size"].sum()
        metrics[f"test_{name}"] = float(result["reduction"].mean())
        metrics[f"test_total_{name}"] = float(1.0 - total / result["size_no_inline"].sum())
        metrics[f"vs_ppo_{name}"] = float((ppo_total - total) / ppo_total)
        metrics[f"train_{name}"] = float(train[name]["reduction"].mean())
        for family in FAMILIES:
            mask = result["family"] == family
            metrics[f"test_{family}_{name}"] = (
                float(result["reduction"][mask].mean()) if mask.any() else float("nan")
            )
    for r, best in enumerate(chain.data_best_):
        metrics[f"data_best_r{r}"] = best
    for r, best in enumerate(ablation.data_best_):
        metrics[f"noppo_data_best_r{r}"] = best
    curves = {
        "ppo_test": np.asarray(log["values"]),
        "bcmax_test": np.asarray([metrics[f"test_bcmax_r{r}"] for r in range(rounds + 1)]),
        "noppo_bcmax_test": np.asarray(
            [metrics[f"test_noppo_bcmax_r{r}"] for r in range(rounds + 1)]
        ),
    }
    steps = {
        "ppo_test": np.asarray(log["steps"], dtype=float),
        "bcmax_test": np.arange(rounds + 1, dtype=float),
        "noppo_bcmax_test": np.arange(rounds + 1, dtype=float),
    }
    return RunResult(metrics=metrics, curves=curves, curve_steps=steps)

"""ConsensusDP's data release alone, at the paper's 3000 experts (no DP-SGD).

For each env and seed: derive the experts, generate their dataset, pick the
release's candidates exactly as :class:`~rlsuite.agents.private.ConsensusDP`
does (same generators), compute each candidate's Prefix Query counts
``c(tau_{1:h})`` once, then run the sparse vector release at every epsilon
with that epsilon's ``(eps', delta', T)``. This is the release the full
study would make at 3000 experts, at a fraction of its cost (DP-SGD on
3000 experts x 5 epsilons x 3 seeds does not fit the shared machine), and it
measures what decides whether ConsensusDP can beat ExpertDPSGD: how many
transitions it releases. It also reports how much the experts agree.

``python -m rlsuite.experiments.expert_dp.release_counts --experts 3000 --seeds 3``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from rlsuite.experiments.expert_dp.sweep import DELTA, ENV_IDS, EPSILONS

__all__ = ["release_table"]

#: Episodes whose states the agreement is measured on (a random subset: it is a diagnostic).
AGREEMENT_EPISODES = 8


def release_table(env_id: str, n_experts: int, seed: int, kind: str = "trained") -> pd.DataFrame:
    """One row per epsilon: released transitions, share, prefix quantiles, counts, T."""
    from rlsuite.agents.private import ConsensusDP
    from rlsuite.agents.private._common import as_expert_data
    from rlsuite.agents.private.consensus_dp import _NOISE_STREAM, _PICK_STREAM
    from rlsuite.agents.private.prefix_release import (
        expert_log_probs,
        policies_for,
        prefix_log_counts,
        svt_longest_prefixes,
    )
    from rlsuite.offline_data.experts import (
        expert_agreement,
        generate_expert_episodes,
        make_experts,
    )

    start = time.perf_counter()
    experts = make_experts(env_id, n_experts, seed, kind)
    episodes = generate_expert_episodes(env_id, n_experts, 2, seed, experts=experts)
    data = as_expert_data(episodes)
    returns = np.array([ep.rewards.sum() for ep in episodes])
    pick = np.random.default_rng(AGREEMENT_EPISODES + seed).choice(
        len(episodes), AGREEMENT_EPISODES, replace=False
    )
    agreement = expert_agreement(experts, [episodes[i] for i in pick])
    rows = []
    counts = None
    for epsilon in EPSILONS:
        learner = ConsensusDP(epsilon, DELTA, seed=seed, expert_policies=experts)
        epsilon_prime, _, threshold = learner.release_parameters()
        base_seed = learner._base_seed()
        if counts is None:  # the candidates depend on the seed only, not on epsilon
            pick_rng = np.random.default_rng([base_seed, _PICK_STREAM])
            bounds = data.episode_bounds
            if bounds is None:  # as ConsensusDP: the release needs whole episodes
                raise ValueError("dataset has no episode_bounds: the release needs whole episodes")
            n_episodes = len(bounds) - 1
            picked = pick_rng.choice(
                n_episodes, size=min(learner.n_candidates, n_episodes), replace=False
            )
            policies = policies_for(experts, data.expert_ids)
            counts = []
            for k in picked:
                rows_k = np.arange(bounds[k], bounds[k + 1])
                obs, actions = data.observations[rows_k], data.actions[rows_k]
                counts.append(np.exp(prefix_log_counts(expert_log_probs(policies, obs, actions))))
        noise_rng = np.random.default_rng([base_seed, _NOISE_STREAM])
        lengths = svt_longest_prefixes(counts, epsilon_prime, threshold, noise_rng)

        def median_at(h: int, counts: list = counts) -> float:
            at = [c[h - 1] for c in counts if len(c) >= h]
            return float(np.median(at)) if at else float("nan")

        rows.append({
            "env_id": env_id, "seed": seed, "epsilon": epsilon, "threshold": threshold,
            "released_transitions": int(lengths.sum()),
            "released_share": lengths.sum() / len(data.actions),
            "prefix_q50": float(np.median(lengths)), "prefix_q100": int(lengths.max()),
            "count_h1": median_at(1), "count_h10": median_at(10), "count_h50": median_at(50),
            "max_count_h10": float(max((c[9] for c in counts if len(c) >= 10), default=np.nan)),
            "expert_return": float(returns.mean()), **agreement,
            "seconds": time.perf_counter() - start,
        })  # fmt: skip
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    """Print the release at every epsilon for ``--experts`` experts and ``--seeds`` seeds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=3000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--kind", default="trained", choices=("trained", "scripted"))
    parser.add_argument("--envs", nargs="+", default=list(ENV_IDS))
    args = parser.parse_args(argv)
    frames = [
        release_table(env_id, args.experts, seed, args.kind)
        for env_id in args.envs
        for seed in range(args.seeds)
    ]
    df = pd.concat(frames, ignore_index=True)
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        release = ["threshold", "released_transitions", "released_share", "prefix_q50",
                   "prefix_q100", "count_h1", "count_h10", "count_h50",
                   "max_count_h10"]  # fmt: skip
        print(f"# {args.experts} {args.kind} experts, delta = {DELTA}, {args.seeds} seeds (means)")
        print(df.groupby(["env_id", "epsilon"])[release].mean().to_string(float_format="%.4g"))
        agree = ["expert_return", "argmax_agreement", "logged_action_prob",
                 "logged_action_prob_q10"]  # fmt: skip
        print("# experts: mean return and per-step agreement (means over seeds)")
        print(df.groupby("env_id")[agree].mean().to_string(float_format="%.4g"))
        print("# seconds per (env, seed):", df.groupby(["env_id", "seed"])["seconds"].max()
              .round(1).tolist())  # fmt: skip


if __name__ == "__main__":
    main()

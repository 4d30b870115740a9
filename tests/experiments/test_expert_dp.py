"""The expert_dp study: sweep shape, a tiny deterministic run, analysis, and the privacy audit."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dp_accounting")
from rlsuite.agents.private.accounting import svt_threshold  # noqa: E402
from rlsuite.experiments.base import load_experiment  # noqa: E402
from rlsuite.experiments.expert_dp import analysis, sweep  # noqa: E402
from rlsuite.experiments.expert_dp.audit import audit_consensus_release, audit_release  # noqa: E402

TINY = {
    "env_id": "Acrobot-v1",
    "experts": "scripted",
    "epsilon": 5.0,
    "delta": 1e-5,
    "n_experts": 12,
    "episodes_per_expert": 1,
    "agent_kwargs": {
        "PATEConsensus": {"n_teachers": 4, "n_queries": 30, "student_steps": 50},
        "BehaviorCloning": {"steps": 100},
    },
}


def test_sweep_covers_both_envs_all_epsilons_and_the_paper_size():
    experiment = load_experiment("expert_dp")
    assert len(experiment.settings()) == 10 and experiment.num_seeds() == 3
    assert {p["env_id"] for p in sweep.SETTINGS} == {"CartPole-v1", "Acrobot-v1"}
    assert {p["epsilon"] for p in sweep.SETTINGS} == {0.5, 1.0, 2.0, 5.0, 10.0}
    assert all(p["experts"] == "trained" for p in sweep.SETTINGS)
    assert all(p["n_experts"] == 3000 for p in sweep.settings(n_experts=3000))
    assert set(experiment.agents()) == {"BehaviorCloning", "ExpertDPSGD", "ConsensusDP"}
    assert experiment.num_seeds("scripted") == 5
    assert experiment.settings(quick=True) == []


def test_tiny_run_is_deterministic_and_analysis_scores_and_plots(tmp_path):
    experiment = load_experiment("expert_dp")
    first = experiment.run(TINY, "PATEConsensus", 0)
    again = experiment.run(TINY, "PATEConsensus", 0)
    timing = {"fit_seconds"}  # wall time: the one metric that may differ

    def drop(metrics):
        return {k: v for k, v in metrics.items() if k not in timing}

    assert drop(first.metrics) == drop(again.metrics) and first.metrics["fit_seconds"] > 0
    assert 0 < first.metrics["epsilon_spent"] <= 5.0
    bc = experiment.run(TINY, "BehaviorCloning", 0)
    rows = [
        {"agent": agent, "env_id": "Acrobot-v1", "epsilon": 5.0, **result.metrics}
        for agent, result in (("PATEConsensus", first), ("BehaviorCloning", bc))
    ]
    df = pd.DataFrame(rows)
    scores = analysis.score(df)
    assert scores["score"].between(0, 1).all()
    paths = analysis.plot(df, pd.DataFrame(), tmp_path)
    assert paths[0].exists() and paths[0].stat().st_size > 0


def test_audit_of_worst_case_margins_respects_the_claim_and_detects_a_broken_release():
    threshold = svt_threshold(1.0, 1e-3)
    # Neighbouring stability curves one expert apart, straddling the threshold: the
    # most distinguishable pair the sensitivity-1 query allows.
    on_d = np.r_[np.full(10, threshold + 0.5), np.zeros(5)]
    on_neighbour = on_d - 1.0
    honest = audit_release(on_d, on_neighbour, 15, 1.0, 1e-3, threshold, n_runs=6000)
    assert 0.0 < honest.epsilon_lower_bound <= honest.epsilon_claimed
    broken = audit_release(
        on_d, on_neighbour, 15, 1.0, 1e-3, threshold, n_runs=6000, noise_scale=0.05
    )
    assert broken.epsilon_lower_bound > broken.epsilon_claimed


def test_audit_of_the_real_release_never_exceeds_the_claim():
    result = audit_consensus_release("Acrobot-v1", 30, removed_expert=0, n_runs=4000, seed=0)
    assert result.mean_length_d > 0  # something was released, so the audit is not vacuous
    assert result.epsilon_lower_bound <= result.epsilon_claimed


def test_audit_of_the_prefix_release_respects_the_claim_and_detects_a_broken_release():
    from rlsuite.experiments.expert_dp.audit import audit_prefix_release

    honest = audit_prefix_release("CartPole-v1", 30, n_runs=4000, seed=0)
    # The neighbours are told apart at all (the audit is not vacuous) ...
    assert honest.mean_length_d != honest.mean_length_neighbour
    assert honest.epsilon_lower_bound <= honest.epsilon_claimed
    # ... and a release with 20x too little noise is caught exceeding its claim.
    broken = audit_prefix_release("CartPole-v1", 30, n_runs=4000, seed=0, noise_scale=0.05)
    assert broken.epsilon_lower_bound > broken.epsilon_claimed


def test_audit_of_the_prefix_release_refuses_an_unknown_expert():
    from rlsuite.experiments.expert_dp.audit import audit_prefix_release

    with pytest.raises(ValueError, match="removed_expert=30"):
        audit_prefix_release("CartPole-v1", 30, removed_expert=30, n_runs=10)


def test_tables_show_the_bc_ceiling_at_every_epsilon_and_the_release_diagnostics():
    rows = [
        {"agent": "BehaviorCloning", "env_id": "CartPole-v1", "epsilon": 0.5, "seed": s,
         "normalized_return": 0.9 + 0.01 * s}
        for s in range(3)
    ] + [
        {"agent": agent, "env_id": "CartPole-v1", "epsilon": eps, "seed": s,
         "normalized_return": 0.1 * eps, "released_share": 0.0 if agent == "ConsensusDP" else None,
         "noise_multiplier": 5.0 / eps}
        for agent in ("ExpertDPSGD", "ConsensusDP") for eps in (0.5, 2.0) for s in range(3)
    ]  # fmt: skip
    tables = analysis.tables(pd.DataFrame(rows))
    returns = next(iter(tables.values())).set_index("agent")
    assert returns.loc["BehaviorCloning", "eps=0.5"] == returns.loc["BehaviorCloning", "eps=2"]
    assert returns.loc["BehaviorCloning", "eps=2"] == pytest.approx(0.91)
    diag = tables["release and noise diagnostics (means over seeds)"]
    assert set(diag["agent"]) == {"ExpertDPSGD", "ConsensusDP"}
    assert diag["noise_multiplier"].tolist() == pytest.approx([10.0, 2.5, 10.0, 2.5])

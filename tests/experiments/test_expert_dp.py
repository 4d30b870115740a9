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
    # The score's references are stored with the run: random (REF_SCORES) and the
    # mean return of the run's own dataset, and normalized_return is computed from them.
    m = first.metrics
    assert m["random_return"] == -500.0 and m["random_return"] < m["expert_return"] <= 0
    assert m["normalized_return"] == pytest.approx(
        (m["return"] - m["random_return"]) / (m["expert_return"] - m["random_return"])
    )
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


def test_score_is_zero_for_a_random_policy_and_one_for_a_learner_that_reproduces_the_experts():
    from rlsuite.experiments.expert_dp.run import normalised_return, reference_returns
    from rlsuite.offline_data.experts import REF_SCORES, generate_expert_episodes

    episodes = generate_expert_episodes("Acrobot-v1", 6, 1, seed=3, kind="scripted")
    refs = reference_returns("Acrobot-v1", episodes)
    expert_return = float(np.mean([ep.rewards.sum() for ep in episodes]))
    assert refs == {"random_return": REF_SCORES["Acrobot-v1"][0], "expert_return": expert_return}
    assert normalised_return(expert_return, **refs) == pytest.approx(1.0)
    assert normalised_return(refs["random_return"], **refs) == pytest.approx(0.0)
    # The analysis normalises from the stored raw returns (a stale stored
    # normalized_return, e.g. the old REF_SCORES one, is replaced), per run.
    rows = [
        {"agent": "BehaviorCloning", "env_id": "Acrobot-v1", "epsilon": 0.5, "seed": s,
         "return": expert, "random_return": -500.0, "expert_return": expert,
         "normalized_return": 1.13}
        for s, expert in enumerate((-80.0, -90.0))
    ] + [
        {"agent": "ExpertDPSGD", "env_id": "Acrobot-v1", "epsilon": 0.5, "seed": 0,
         "return": -500.0, "random_return": -500.0, "expert_return": -80.0,
         "normalized_return": 0.3},
    ]  # fmt: skip
    df = pd.DataFrame(rows)
    assert analysis.normalise(df)["normalized_return"].tolist() == pytest.approx([1.0, 1.0, 0.0])
    scores = analysis.score(df).set_index("agent")["score"]
    assert scores["BehaviorCloning"] == pytest.approx(1.0)
    assert scores["ExpertDPSGD"] == pytest.approx(0.0)
    refs_table = analysis.tables(df)[
        "references of the score: random and expert (dataset) returns over seeds"
    ]
    assert refs_table["expert_return_mean"].tolist() == [pytest.approx(-83.33, abs=0.01)]


def test_add_expert_returns_fills_an_old_database_with_the_runs_own_reference(tmp_path):
    from rlsuite.experiments.base import setting_id
    from rlsuite.experiments.expert_dp.run import add_expert_returns
    from rlsuite.experiments.store import ResultsStore, RunRecord

    experiment = load_experiment("expert_dp")
    result = experiment.run(TINY, "BehaviorCloning", 1)
    old = {k: v for k, v in result.metrics.items() if k not in ("expert_return", "random_return")}
    old["normalized_return"] = 9.0  # a stale value, as the REF_SCORES normalisation stored it
    key = ("expert_dp", setting_id("expert_dp", "main", TINY), "BehaviorCloning", 1)
    db = tmp_path / "old.sqlite"
    with ResultsStore(db) as store:
        store.write([RunRecord(key, TINY, type(result)(metrics=old), 1.0)])
    assert add_expert_returns(str(db)) == 1
    assert add_expert_returns(str(db)) == 0  # idempotent: only runs without the metric
    with ResultsStore(db, read_only=True) as store:
        row = store.runs("expert_dp").iloc[0]
    for metric in ("expert_return", "random_return", "normalized_return"):
        assert row[metric] == pytest.approx(result.metrics[metric])

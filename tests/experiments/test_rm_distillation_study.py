import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments.base import load_experiment
from rlsuite.experiments.rm_distillation.run import make_length_biased_problem

PARAMS = {
    "n_responses": 60,
    "n_subset": 20,
    "max_seen_length": 0.6,
    "n_pairs": 60,
    "beta": 0.5,
    "n_models": 3,
    "rm_l2": 0.1,
    "n_steps": 400,
    "lr": 0.05,
    "log_every": 100,
}


def test_problem_has_length_biased_labels_on_a_subset_only():
    problem = make_length_biased_problem(seed=0, n_pairs=200)
    data, length = problem.dataset, problem.features[0, :, 0]
    assert np.all(length[data.chosen] > length[data.rejected])
    assert set(data.chosen) | set(data.rejected) <= set(problem.subset)
    assert length[problem.subset].max() <= 0.6 < length.max()


def test_dpo_degenerates_and_distillation_does_not():
    exp = load_experiment("rm_distillation")
    dpo = exp.run(PARAMS, "dpo", 0)
    edpo = exp.run(PARAMS, "e-dpo", 0)
    m, e = dpo.metrics, edpo.metrics
    assert m["margin_final"] > 1.3 * m["margin_early"]  # still growing between steps 200, 400
    assert e["margin_final"] == pytest.approx(e["margin_early"], rel=0.05)
    assert m["preferred_prob_final"] < e["preferred_prob_final"]
    assert m["unseen_mass_final"] > e["unseen_mass_final"]
    assert e["worst_member_loss"] < m["worst_member_loss"]
    assert set(dpo.curves) == {
        "parameter_norm",
        "margin",
        "preferred_prob",
        "unseen_mass",
        "true_reward",
    }
    assert list(dpo.curve_steps["margin"]) == [100, 200, 300, 400]


def test_analysis_scores_in_unit_interval_and_writes_pngs(tmp_path):
    exp = load_experiment("rm_distillation")
    rows, curves = [], []
    for agent in ("dpo", "distill"):
        result = exp.run(PARAMS, agent, 1)
        rows.append({"setting": "s0", "agent": agent, "seed": 1, **PARAMS, **result.metrics})
        for name, values in result.curves.items():
            for step, value in zip(result.curve_steps[name], values):
                curves.append(
                    {
                        "setting": "s0",
                        "agent": agent,
                        "seed": 1,
                        "curve": name,
                        "step": step,
                        "value": value,
                    }
                )
    df = pd.DataFrame(rows)
    scores = exp.analysis.score(df).set_index("agent")["score"]
    assert scores.between(0, 1).all()
    # The score is the true reward; margin stability is the second metric, where
    # distillation's bounded margin beats DPO's growing one.
    stability = exp.analysis.metrics(df).set_index("agent")["value"]
    assert stability.between(0, 1).all() and stability["distill"] > stability["dpo"]
    paths = exp.analysis.plot(df, pd.DataFrame(curves), tmp_path)
    assert len(paths) == 2 and all(p.stat().st_size > 0 for p in paths)


def test_unknown_agent_raises():
    exp = load_experiment("rm_distillation")
    with pytest.raises(ValueError, match="agent"):
        exp.run(PARAMS, "kto", 0)

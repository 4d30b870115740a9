import numpy as np
import pandas as pd
import pytest

from rlsuite.experiments.base import load_experiment
from rlsuite.experiments.steerable_mo.run import weight_grid

pytestmark = pytest.mark.filterwarnings("ignore:.*reward returned by `step\\(\\)` must be")


@pytest.fixture(scope="module")
def experiment():
    return load_experiment("steerable_mo")


def test_sweep_follows_the_experiment_interface(experiment):
    assert experiment.agents() == ("CLP", "RewardedSoups", "PromptConditioned")
    settings = [p for _, p in experiment.settings()]
    assert len(settings) == 4 and all(p["gradient"] == "reinforce" for p in settings)
    assert {p.get("noise") for p in settings} == {"bernoulli", "gaussian"}
    assert all(p["n_weights"] == 11 for p in settings)
    # Equal compute: one budget per setting, shared by every agent of the block.
    assert {p["total_timesteps"] for p in settings} == {128_000}
    assert experiment.num_seeds() >= 5 and experiment.num_seeds(quick=True) >= 3
    assert all(p["gradient"] == "exact" for _, p in experiment.settings("exact"))


@pytest.fixture(scope="module")
def smoke_runs(experiment):
    ((_, params),) = experiment.settings("smoke")
    return params, {a: experiment.run(params, a, 0) for a in experiment.agents("smoke")}


def test_smoke_runs_spend_equal_compute_and_are_deterministic(experiment, smoke_runs):
    params, runs = smoke_runs
    for result in runs.values():
        m = result.metrics
        assert m["num_timesteps"] == params["total_timesteps"]
        assert m["n_gradient_steps"] == params["total_timesteps"] // (
            params["batch_size"] * params["samples_per_context"]
        )
        assert 0 < m["hypervolume_ratio"] <= 1.01
        assert m["hypervolume_optimal"] <= m["hypervolume_optimal_dense"]
        assert result.curves["front_objective_1"].shape == (11,)
        # The training curve starts at the pretrained policy (0 interactions).
        assert result.curve_steps["hypervolume_ratio"][0] == 0
        assert result.curve_steps["hypervolume_ratio"][-1] == params["total_timesteps"]
        assert result.curves["hypervolume_ratio"][0] == pytest.approx(
            m["hypervolume_ratio_initial"]
        )
    again = experiment.run(params, "CLP", 0)
    assert again.metrics == runs["CLP"].metrics
    np.testing.assert_allclose(runs["CLP"].curve_steps["front_objective_2"], np.linspace(0, 1, 11))


def _fake_results():
    """Two agents on one case, 3 seeds: CLP's front is the soup's moved outwards by 0.01."""
    rows, curves = [], []
    t = np.linspace(0, 1, 11)
    base = np.stack([0.6 - 0.5 * t, 0.1 + 0.5 * t], axis=1)
    for agent, shift, ratio in (("CLP", 0.01, 0.95), ("RewardedSoups", 0.0, 0.85)):
        for seed in (0, 1, 2):
            points = base + shift
            row = {"experiment": "steerable_mo", "setting": "steerable_mo/main/x", "agent": agent,
                   "seed": seed, "kl_coef": 0.1, "noise": "bernoulli", "gradient": "reinforce",
                   "hypervolume_ratio": ratio + 0.01 * seed, "hypervolume_ratio_initial": 0.4,
                   "utility_regret": 0.01, "mean_kl": 1.0, "num_timesteps": 100.0,
                   "n_gradient_steps": 10.0}  # fmt: skip
            for k in range(11):
                for i in range(2):
                    row[f"front_{i + 1}_w{k:02d}"] = points[k, i]
            rows.append(row)
            for prefix in ("front", "optimal_front"):
                lift = 0.02 if prefix == "optimal_front" else 0.0
                for i in range(2):
                    curves += [
                        {"experiment": "steerable_mo", "setting": "steerable_mo/main/x",
                         "agent": agent, "seed": seed, "curve": f"{prefix}_objective_{i + 1}",
                         "step": s, "value": v}
                        for s, v in zip(t, points[:, i] + lift)
                    ]  # fmt: skip
            curves += [
                {"experiment": "steerable_mo", "setting": "steerable_mo/main/x", "agent": agent,
                 "seed": seed, "curve": "hypervolume_ratio", "step": s, "value": v}
                for s, v in ((0, 0.4), (50, 0.7), (100, ratio))
            ]  # fmt: skip
    return pd.DataFrame(rows), pd.DataFrame(curves)


def test_score_dominance_and_claims(experiment):
    df, _ = _fake_results()
    analysis = experiment.analysis
    scores = analysis.score(df).set_index("agent")["score"]
    assert scores["CLP"] == pytest.approx(0.96) and scores["RewardedSoups"] == pytest.approx(0.86)
    dom = analysis.dominance_counts(df)
    assert (dom["CLP>RewardedSoups"] == 11).all() and (dom["RewardedSoups>CLP"] == 0).all()
    assert (dom["RewardedSoups on joint front"] == 0).all()
    claims = analysis.claims(df).set_index("claim")["reproduced"]
    assert claims["CLP's hypervolume ratio exceeds RewardedSoups's at equal compute"] == "yes"
    dominance = [c for c in claims.index if c.startswith("CLP Pareto-dominates RewardedSoups")]
    assert claims[dominance[0]] == "yes"
    # Swapping the agents' labels turns the verdicts round.
    swapped = df.assign(agent=df["agent"].map({"CLP": "RewardedSoups", "RewardedSoups": "CLP"}))
    claims = analysis.claims(swapped).set_index("claim")["reproduced"]
    assert claims["CLP's hypervolume ratio exceeds RewardedSoups's at equal compute"] == "no"
    assert set(analysis.tables(df)) >= {"claims", "hypervolume ratio per seed"}


def test_plots_keep_the_hypervolume_axis_from_zero(experiment, tmp_path, monkeypatch):
    df, curves = _fake_results()
    analysis = experiment.analysis
    limits = {}
    original = analysis.plotting.save

    def spy(fig, path):
        limits[path.name] = [ax.get_ylim() for ax in fig.axes]
        return original(fig, path)

    monkeypatch.setattr(analysis.plotting, "save", spy)
    paths = analysis.plot(df, curves, tmp_path)
    assert len(paths) == 3 and all(p.exists() and p.stat().st_size > 0 for p in paths)
    for name in ("steerable_mo_hypervolume.png", "steerable_mo_training.png"):
        assert all(low == 0.0 and high >= 1.0 for low, high in limits[name])


def test_weight_grid_rejects_bad_sizes():
    assert weight_grid(11).shape == (11, 2)
    with pytest.raises(ValueError, match="n_weights"):
        weight_grid(1)

"""ConsensusDP's data release (Prefix Query + sparse vector technique) and its accounting."""

import numpy as np
import pytest

pytest.importorskip("dp_accounting")
from dp_accounting.pld import common, privacy_loss_distribution  # noqa: E402

from rlsuite.agents.private.consensus_dp import ConsensusDP  # noqa: E402
from rlsuite.agents.private.prefix_release import (  # noqa: E402
    expert_log_probs,
    prefix_log_counts,
    svt_longest_prefixes,
)
from rlsuite.offline_data.experts import generate_expert_episodes, make_experts  # noqa: E402


def test_prefix_count_is_the_expected_number_of_experts_and_has_sensitivity_one():
    experts = make_experts("CartPole-v1", 30, seed=0)
    episode = generate_expert_episodes("CartPole-v1", 30, 1, seed=0)[4]
    obs, actions = episode.observations[:-1], episode.actions
    log_probs = expert_log_probs(experts, obs, actions)
    counts = np.exp(prefix_log_counts(log_probs))
    # Brute force: sum over experts of the product of their probabilities of the actions taken.
    probs = np.stack([e.action_probs(obs)[np.arange(len(actions)), actions] for e in experts])
    np.testing.assert_allclose(counts, np.cumprod(probs, axis=1).sum(0), rtol=1e-9)
    assert np.all(np.diff(counts) <= 1e-12) and counts[0] <= 30
    # Removing any one expert moves every prefix count by at most 1.
    for removed in range(30):
        without = np.exp(prefix_log_counts(np.delete(log_probs, removed, axis=0)))
        assert np.all(np.abs(counts - without) <= 1.0 + 1e-9)


def test_svt_releases_up_to_the_first_count_below_the_threshold():
    rng = np.random.default_rng(0)
    # Counts far above / far below T (noise scale 2/eps' = 0.2): the cut is exact.
    counts = [np.r_[np.full(7, 1000.0), np.full(5, 0.0)], np.full(4, 1000.0), np.zeros(3)]
    assert list(svt_longest_prefixes(counts, 10.0, 500.0, rng)) == [7, 4, 0]


def test_release_epsilon_prime_is_the_largest_whose_k_fold_composition_fits():
    learner = ConsensusDP(epsilon=2.0, delta=1e-5, n_candidates=100, release_fraction=0.5)
    epsilon_prime, delta_prime, threshold = learner.release_parameters()
    assert delta_prime == pytest.approx(1e-5 / 400)

    def composed(eps_prime):  # a separate dp_accounting computation, 10x finer grid
        params = common.DifferentialPrivacyParameters(2 * eps_prime, delta_prime)
        pld = privacy_loss_distribution.from_privacy_parameters(params, 1e-4)
        return pld.self_compose(100).get_epsilon_for_delta(1e-5 / 2)

    assert composed(epsilon_prime) == pytest.approx(1.0, rel=0.01)
    assert composed(epsilon_prime * 1.02) > 1.0  # no slack left (calibration rtol 1e-3)
    # Tighter than basic composition (eps' = 1 / (2 * 100)), hence a lower threshold.
    assert epsilon_prime > 2.0 / 200
    learner.plan()
    assert learner.threshold == threshold and learner.release_epsilon <= 1.0


def test_dataset_release_uses_the_experts_probabilities_and_reports_its_share():
    pytest.importorskip("opacus")
    experts = make_experts("CartPole-v1", 40, seed=0)
    data = generate_expert_episodes("CartPole-v1", 40, 1, seed=0)
    learner = ConsensusDP(
        epsilon=400.0, n_candidates=5, expert_policies=experts, steps=5, seed=0
    ).fit(data)
    assert learner.epsilon_spent <= 400.0 and learner.threshold < 40
    released = int(learner.released_lengths.sum())
    total = sum(len(ep.actions) for ep in data)
    assert released > 0 and learner.released_share == pytest.approx(released / total)
    # Every released length stops where the noisy count fell: the counts there are low.
    assert len(learner.prefix_counts) == 5
    with pytest.raises(ValueError, match="expert_policies"):
        ConsensusDP(epsilon=400.0, n_candidates=2, expert_policies=experts[:3], steps=2).fit(data)

import numpy as np
import pytest

from rlsuite.agents.process import BestOfKProver, GammaProver, beam_search, policy_values
from rlsuite.agents.process.values import prover_advantage
from rlsuite.envs.planted_sequence import matching_automaton

TARGET = np.array([3, 1, 4, 1, 5])


def test_best_of_k_value_is_one_minus_k_failures_of_the_base():
    automaton = matching_automaton(TARGET, 15)
    base = policy_values(automaton, GammaProver(5.0).action_probs(TARGET, 15), 10).v
    bok = BestOfKProver(GammaProver(5.0), 4).value_table(automaton, TARGET, 10)
    np.testing.assert_allclose(bok, 1 - (1 - base) ** 4)
    assert bok[0, 0] > base[0, 0]  # a stronger prover than the base policy it uses


def test_best_of_one_is_the_base_policy_as_prover():
    np.testing.assert_allclose(
        prover_advantage(BestOfKProver(GammaProver(5.0), 1), TARGET, 15, 10),
        prover_advantage(GammaProver(5.0), TARGET, 15, 10),
    )


def test_best_of_k_rollout_estimate_matches_its_value():
    # Beam search's verifier estimates V^BoK(s) from groups of k base rollouts. From the
    # start state with 4000 groups the estimate's sd is <= 0.008; 0.03 is ~4 sd.
    from rlsuite.agents.process.beam_search import _Scorer

    automaton = matching_automaton(TARGET, 15)
    prover = BestOfKProver(GammaProver(8.0), 4)
    pi = GammaProver(8.0).action_probs(TARGET, 15)
    scorer = _Scorer(automaton, TARGET, pi, prover, 1.0, 10, 4000, np.random.default_rng(0))
    estimate = scorer._rollout_value(scorer.mu, np.array([0]), 10, scorer.mu_k)[0]
    exact = prover.value_table(automaton, TARGET, 10)[0, 0]
    assert estimate == pytest.approx(exact, abs=0.03)
    assert scorer.rollouts == 4000 * 4
    result = beam_search(TARGET, width=2, base_policy=pi, prover=prover, n_rollouts=4, seed=0)
    assert result.rollouts > 0
    assert beam_search(TARGET, width=2, base_policy=pi, prover=prover, seed=0).rollouts == 0


@pytest.mark.parametrize("k", [0, 2.5])
def test_bad_k_raises(k):
    with pytest.raises((ValueError, TypeError), match="k"):
        BestOfKProver(GammaProver(5.0), k)

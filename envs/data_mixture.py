"""Pick a pre-training data mixture; the reward is the trained model's end-task loss."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlsuite.envs.validation import (
    MAX_SIZE,
    check_episode_running,
    check_int,
    check_options,
    check_problem_seed,
    check_real,
)

__all__ = [
    "DataMixtureEnv",
    "bigram_cross_entropy",
    "check_mixture",
    "fit_bigram_model",
]

# Every domain transition keeps this much uniform mass so each chain is
# ergodic (a unique stationary distribution) and every bigram can occur.
_UNIFORM_FLOOR = 0.01


def check_mixture(action: Any, n_domains: int) -> np.ndarray:
    """Return the normalised mixture ``action / action.sum()`` as float64.

    Raises ``ValueError`` unless ``action`` is a finite real vector of shape
    ``(n_domains,)`` with entries in ``[0, 1]`` (the action space) and a
    positive sum. Nothing is clamped.
    """
    arr = np.asarray(action)
    if arr.shape != (n_domains,) or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise ValueError(
            f"action={action!r} must be a real vector of shape ({n_domains},) "
            "with entries in [0, 1]"
        )
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"action={action!r} has non-finite entries: must be in [0, 1]")
    if arr.min() < 0.0 or arr.max() > 1.0:
        raise ValueError(f"action={action!r} is out of range: entries must be in [0, 1]")
    total = arr.sum()
    if total <= 0.0:
        raise ValueError(f"action={action!r} is all zero: the mixture weights need a positive sum")
    return arr / total


def stationary_distribution(transitions: np.ndarray) -> np.ndarray:
    """Stationary distribution ``pi`` of an ergodic row-stochastic matrix (``pi P = pi``)."""
    n = transitions.shape[0]
    # Replace one balance equation by the normalisation to get a full-rank system.
    system = transitions.T - np.eye(n)
    system[-1] = 1.0
    rhs = np.zeros(n)
    rhs[-1] = 1.0
    pi = np.linalg.solve(system, rhs)
    return pi / pi.sum()


def _offset_cdfs(probabilities: np.ndarray) -> np.ndarray:
    """Flatten row CDFs as ``row_index + cdf`` (see ``DataMixtureEnv._sample_rows``)."""
    cdfs = np.cumsum(probabilities, axis=-1)
    cdfs /= cdfs[:, -1:]
    return (cdfs + np.arange(cdfs.shape[0])[:, None]).ravel()


def fit_bigram_model(counts: np.ndarray, smoothing: float) -> np.ndarray:
    """Add-``smoothing`` estimate of ``Q(b | a)`` from a ``(V, V)`` bigram count table."""
    smoothed = counts + smoothing
    return smoothed / smoothed.sum(axis=-1, keepdims=True)


def bigram_cross_entropy(model: np.ndarray, bigram_weights: np.ndarray) -> np.ndarray:
    """Expected next-token cross-entropy (nats) of ``model`` under ``bigram_weights``.

    ``bigram_weights[a, b]`` is the probability that a predicted token ``b``
    follows context ``a`` in the evaluation data (rows of ``model`` are
    ``Q(. | a)``). Leading axes of ``model`` are batch axes.
    """
    return -(bigram_weights * np.log(model)).sum(axis=(-2, -1))


class DataMixtureEnv(gym.Env[np.ndarray, np.ndarray]):
    """Choose the sampling rates of ``k`` pre-training domains for a small LM.

    ## Description
    A synthetic version of the data-mixture problem of Belenki et al.,
    "Optimizing Pre-Training Data Mixtures with Mixtures of Data Expert
    Models" (ACL 2025). There are ``n_domains`` training domains, each a
    first-order Markov (bigram) language model over ``vocab_size`` tokens,
    and an end-task validation domain whose documents come from domain
    ``validation_domains[0]`` with probability ``validation_weight`` and from
    ``validation_domains[1]`` otherwise.

    One step is one pre-training run with a fixed token budget:
    ``token_budget // sequence_length`` sequences of ``sequence_length``
    tokens are sampled, each from domain ``i`` with probability ``lambda_i``,
    and a bigram LM ``Q(b | a)`` is fit on them by add-``smoothing`` counting
    (the closed-form posterior-mean fit under a symmetric Dirichlet prior).
    Counting was chosen over a few SGD steps on a torch bigram model because
    it is exact (no optimiser noise on top of the data noise) and one run
    takes a few milliseconds (about 3 ms of CPU at the defaults).

    The domains share structure, as real sources do: every domain's
    transition rows are ``(1 - specificity) * shared + specificity *
    own`` (both ``Dirichlet(concentration)`` rows), and each domain that is
    not an end-task source is additionally pulled towards one of the two
    sources (alternating), ``relatedness * source + (1 - relatedness) *
    itself``. So no domain is useless and none is sufficient: the best
    mixture balances the two sides, and the loss is far from linear in
    ``lambda`` (with ``relatedness=0`` the unrelated domains are mostly
    harmful and the loss is close to monotone in the sources' total weight).

    ## Action Space
    ``Box(0, 1, (n_domains,), float32)``: unnormalised mixture weights. The
    mixture is ``lambda = action / action.sum()``, so any positive rescaling
    of an action is the same mixture. Actions that are negative, above 1,
    non-finite, all zero or of the wrong shape raise ``ValueError``; nothing
    is clamped. (SB3 clips continuous actions into the box, so a policy whose
    outputs all clip to 0 makes the env raise: keep it away from that corner.)

    ## Observation Space
    | Index | Observation | Min | Max |
    |-------|-------------|-----|-----|
    | 0     | constant 0  | 0   | 1   |

    A ``Box(0, 1, (1,), float32)``: the problem has no state.

    ## Rewards
    ``-L_val(lambda)``, minus the validation cross-entropy (nats per predicted
    token) of the model trained on the mixture, as a Python float. The loss
    is the exact expectation over the validation domain (an infinite
    validation set: the stationary bigram frequencies), so the only noise is
    the sampled training corpus. ``info`` carries ``validation_loss``,
    ``domain_losses`` (the same loss on each training domain, shape
    ``(n_domains,)``), ``mixture`` (the normalised ``lambda``),
    ``sequences_per_domain`` and ``bigram_probs`` (the trained model's
    ``Q(b | a)``, shape ``(V, V)``, so a caller can keep per-domain experts).

    ## Reward Distribution
    Bounded: every loss lies in ``(0, log(V) + log(1 + token_budget /
    (V * smoothing))]``, because smoothing keeps every ``Q(b | a)`` at least
    ``smoothing / (token_budget + V * smoothing)``. The noise comes only from
    the multinomial domain counts and the Markov sampling of the corpus
    (standard deviation about 0.005 nats at the defaults, against a standard
    deviation of about 0.05 nats across ``Dirichlet(1)`` mixtures); it shrinks
    as ``token_budget`` grows. Expected rewards have no closed form, so ``info`` has no
    ``expected_reward`` / ``regret``.

    ## Starting State
    The domain transition matrices (built as in the Description, then mixed
    with 1% uniform mass so every chain is ergodic) are drawn in ``__init__``
    from ``problem_seed`` (the first draws of ``default_rng(problem_seed)``, so
    ``problem_seed=s`` poses the task that v0 drew on ``reset(seed=s)``);
    ``reset(seed=...)`` seeds only the training corpora. ``problem_seed=None``
    is the v0 behaviour: the task is drawn on the first reset and redrawn
    whenever ``reset`` gets a seed. Sequences start in their domain's
    stationary distribution.

    ## Episode End
    Every step is one training run and terminates the episode.

    ## Arguments
    ``gym.make("rlsuite/DataMixture-v1", n_domains=4, vocab_size=40,
    token_budget=16384, sequence_length=32, smoothing=0.01,
    concentration=0.2, specificity=0.5, relatedness=0.5,
    validation_domains=(0, 1), validation_weight=0.5, problem_seed=0)``.
    ``token_budget`` must be at least ``sequence_length`` and at most
    ``10**7``; ``n_domains * vocab_size**2`` at most ``10**7``; the fractions
    lie in ``[0, 1]``. ``step()`` before ``reset()`` or after the episode
    ended raises.

    ## Version History
    * v1: the task is fixed by ``problem_seed`` at construction instead of
      being redrawn by every seeded ``reset`` (issue 16). ``step()`` after the
      episode ended raises.
    * v0: initial version; registered with ``problem_seed=None`` (deprecated).
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        n_domains: int = 4,
        vocab_size: int = 40,
        token_budget: int = 16384,
        sequence_length: int = 32,
        smoothing: float = 0.01,
        concentration: float = 0.2,
        specificity: float = 0.5,
        relatedness: float = 0.5,
        validation_domains: tuple[int, int] = (0, 1),
        validation_weight: float = 0.5,
        problem_seed: int | None = 0,
    ) -> None:
        self.n_domains = check_int("n_domains", n_domains, low=2, high=MAX_SIZE)
        self.vocab_size = check_int("vocab_size", vocab_size, low=2, high=MAX_SIZE)
        if self.n_domains * self.vocab_size**2 > MAX_SIZE:
            raise ValueError(
                f"n_domains * vocab_size**2 = {self.n_domains} * {self.vocab_size}**2 is out of "
                f"range: the transition tables must have at most {MAX_SIZE} entries"
            )
        self.sequence_length = check_int("sequence_length", sequence_length, low=2, high=MAX_SIZE)
        self.token_budget = check_int(
            "token_budget", token_budget, low=self.sequence_length, high=MAX_SIZE
        )
        self.smoothing = check_real("smoothing", smoothing, 0.0, low_open=True)
        self.concentration = check_real("concentration", concentration, 0.0, low_open=True)
        self.specificity = check_real("specificity", specificity, 0.0, 1.0)
        self.relatedness = check_real("relatedness", relatedness, 0.0, 1.0)
        self.validation_domains = self._check_validation_domains(validation_domains)
        self.validation_weight = check_real("validation_weight", validation_weight, 0.0, 1.0)
        self.n_sequences = self.token_budget // self.sequence_length
        self.action_space = spaces.Box(0.0, 1.0, shape=(self.n_domains,), dtype=np.float32)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float32)
        self.problem_seed = check_problem_seed(problem_seed)
        self.transitions: np.ndarray | None = None
        if self.problem_seed is not None:
            self._draw_task(np.random.default_rng(self.problem_seed))
        self._started = self._ended = False

    def _check_validation_domains(self, domains: Any) -> tuple[int, int]:
        pair = tuple(domains) if isinstance(domains, (tuple, list)) else ()
        if len(pair) != 2:
            raise ValueError(f"validation_domains={domains!r} must be a pair of domain indices")
        first = check_int("validation_domains[0]", pair[0], 0, self.n_domains - 1)
        second = check_int("validation_domains[1]", pair[1], 0, self.n_domains - 1)
        if first == second:
            raise ValueError(f"validation_domains={domains!r} must name two different domains")
        return first, second

    # ------------------------------------------------------------------ task
    def _draw_task(self, rng: np.random.Generator) -> None:
        k, v = self.n_domains, self.vocab_size
        alpha = np.full(v, self.concentration)
        shared = rng.dirichlet(alpha, size=v)
        specific = rng.dirichlet(alpha, size=(k, v))
        rows = (1.0 - self.specificity) * shared + self.specificity * specific
        # Each other domain is a relative of one end-task source, alternating.
        others = [i for i in range(k) if i not in self.validation_domains]
        for position, domain in enumerate(others):
            source = self.validation_domains[position % 2]
            rows[domain] = self.relatedness * rows[source] + (1.0 - self.relatedness) * rows[domain]
        self.transitions = (1.0 - _UNIFORM_FLOOR) * rows + _UNIFORM_FLOOR / v
        self.stationary = np.stack([stationary_distribution(p) for p in self.transitions])
        #: ``domain_bigram_weights[i, a, b]``: frequency of bigram ``(a, b)`` in domain ``i``.
        self.domain_bigram_weights = self.stationary[:, :, None] * self.transitions
        first, second = self.validation_domains
        w = self.validation_weight
        #: Bigram frequencies of the end-task validation domain.
        self.validation_bigram_weights = (
            w * self.domain_bigram_weights[first] + (1.0 - w) * self.domain_bigram_weights[second]
        )
        self._transition_cdfs = _offset_cdfs(self.transitions.reshape(k * v, v))
        self._start_cdfs = _offset_cdfs(self.stationary)

    def _sample_rows(self, flat_cdfs: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """One inverse-CDF draw from each listed row of a row-offset flattened CDF table.

        Row ``r`` of the table is stored as ``r + cdf_r`` so the flat array is
        increasing and one ``searchsorted`` samples every row at once.
        """
        u = self.np_random.random(rows.shape[0])
        position = np.searchsorted(flat_cdfs, rows + u, side="left")
        # Rounding can leave a row's last CDF entry a hair below 1.
        return np.minimum(position - rows * self.vocab_size, self.vocab_size - 1)

    def sample_bigram_counts(self, mixture: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sample one training corpus from ``mixture``; return bigram counts and domain counts."""
        if self.transitions is None:
            raise RuntimeError("call reset() before sampling a corpus")
        v = self.vocab_size
        domains = self.np_random.choice(self.n_domains, size=self.n_sequences, p=mixture)
        tokens = self._sample_rows(self._start_cdfs, domains)
        pair_ids = np.empty((self.sequence_length - 1, self.n_sequences), dtype=np.int64)
        for position in range(self.sequence_length - 1):
            following = self._sample_rows(self._transition_cdfs, domains * v + tokens)
            pair_ids[position] = tokens * v + following
            tokens = following
        counts = np.bincount(pair_ids.ravel(), minlength=v * v).reshape(v, v)
        return counts.astype(np.float64), np.bincount(domains, minlength=self.n_domains)

    def train(self, mixture: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One training run on the normalised ``mixture``: ``(Q(b | a), sequences per domain)``."""
        counts, per_domain = self.sample_bigram_counts(mixture)
        return fit_bigram_model(counts, self.smoothing), per_domain

    # ------------------------------------------------------------------- API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new episode; ``seed`` seeds the corpora (and, for v0, redraws the domains)."""
        super().reset(seed=seed)
        check_options(options)
        if self.problem_seed is None and (seed is not None or not self._started):
            self._draw_task(self.np_random)
        self._started, self._ended = True, False
        return np.zeros(1, dtype=np.float32), {"validation_domains": self.validation_domains}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Train a bigram LM on the mixture ``action / action.sum()`` and score it."""
        check_episode_running(self._started, self._ended)
        mixture = check_mixture(action, self.n_domains)
        model, per_domain = self.train(mixture)
        validation_loss = float(bigram_cross_entropy(model, self.validation_bigram_weights))
        info = {
            "validation_loss": validation_loss,
            "domain_losses": bigram_cross_entropy(model[None], self.domain_bigram_weights),
            "mixture": mixture,
            "sequences_per_domain": per_domain,
            "bigram_probs": model,
        }
        self._ended = True
        return np.zeros(1, dtype=np.float32), -validation_loss, True, False, info

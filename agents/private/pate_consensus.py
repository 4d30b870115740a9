"""PATE-style consensus of expert teachers with Confident-GNMax (Papernot et al. 2018).

The experts are split at random into ``n_teachers`` disjoint groups; one
behaviour-cloning teacher is trained per group, so adding or removing one
expert changes one teacher and moves at most one vote. A student labels
*public* query states by asking the ensemble:

* **Confident-GNMax**: answer a query only if the top vote count plus
  ``N(0, sigma1^2)`` reaches ``threshold``; then return
  ``argmax(votes + N(0, sigma2^2))`` (GNMax).
* Query states come from rollouts in the env's own simulator: the first
  round from a uniformly random policy, later rounds from the current
  student (post-processing of released labels, like PATE's adaptive
  queries).

Accounting (dp_accounting RDP, data-independent): every query is a Gaussian
threshold check of sensitivity 1, every answer a GNMax Gaussian on a
histogram of L2 sensitivity ``sqrt(2)`` (see
:func:`~rlsuite.agents.private.accounting.pate_epsilon`). ``sigma2`` is
calibrated so that the worst case (every query answered) meets the target;
:attr:`epsilon_spent` reports the realised events (data-independent RDP of
the checks made and answers given), as PATE 2018 does; ``sigma1, sigma2``
are fixed by :meth:`PATEConsensus.plan` before any data is read, and the
teachers are trained only after that. The
data-dependent (smooth-sensitivity) bound of PATE 2018 is not implemented.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from rlsuite.agents.private._common import (
    PrivateLearner,
    as_expert_data,
    check_privacy,
    make_policy_net,
    train_bc,
)
from rlsuite.agents.private.accounting import calibrate, pate_epsilon
from rlsuite.envs.batch_simulator import BatchSimulator, sample_actions
from rlsuite.envs.validation import check_int, check_real

__all__ = ["PATEConsensus", "train_teachers"]

#: Teachers: one tanh hidden layer of this width, trained with Adam (step TEACHER_LR) for
#: TEACHER_STEPS minibatches of TEACHER_BATCH rows; small, since each sees few experts.
TEACHER_HIDDEN, TEACHER_STEPS, TEACHER_BATCH, TEACHER_LR = 32, 300, 64, 1e-2
#: Default teacher count: min(MAX_TEACHERS, n_experts) (PATE 2018 used 250 on MNIST; 100
#: keeps the teachers' training fast on a CPU).
MAX_TEACHERS = 100
#: Default Confident-GNMax threshold as a share of the teachers (PATE 2018 MNIST: 200 of 250).
THRESHOLD_SHARE = 0.6
#: sigma1 / sigma2 of PATE 2018's MNIST setting (150 / 40).
SIGMA_RATIO = 3.75
#: Bracket for the calibrated GNMax noise: below 1e-2 no target is met for >= 1 query;
#: above 1e5 every answer is noise for any realistic number of teachers.
SIGMA_BOUNDS = (1e-2, 1e5)
#: Public query rollouts per round and their horizon (both envs truncate at 500 steps).
QUERY_ROLLOUTS, QUERY_HORIZON = 8, 500
#: The student: BC minibatch size and Adam step on the answered labels.
STUDENT_BATCH, STUDENT_LR = 128, 1e-2
#: Tag of the per-expert teacher assignment stream (independent of every other stream).
_GROUP_STREAM = 9


def train_teachers(
    observations: np.ndarray,
    actions: np.ndarray,
    teacher_of: np.ndarray,
    n_teachers: int,
    n_actions: int,
    *,
    hidden: int = TEACHER_HIDDEN,
    steps: int = TEACHER_STEPS,
    batch: int = TEACHER_BATCH,
    generator: torch.Generator,
) -> list[torch.Tensor]:
    """Train ``n_teachers`` one-hidden-layer BC policies at once (stacked weights).

    A teacher whose group holds no transition is not trained (its loss term is
    masked out); :class:`PATEConsensus` lets it abstain from every vote.
    """
    d = observations.shape[1]
    params = [
        torch.randn(n_teachers, d, hidden, generator=generator) / np.sqrt(d),
        torch.zeros(n_teachers, 1, hidden),
        torch.randn(n_teachers, hidden, n_actions, generator=generator) / np.sqrt(hidden),
        torch.zeros(n_teachers, 1, n_actions),
    ]
    for p in params:
        p.requires_grad_(True)
    groups = [np.flatnonzero(teacher_of == j) for j in range(n_teachers)]
    if not any(len(g) for g in groups):
        raise ValueError("teacher_of assigns no transition to any of the teachers")
    sizes = torch.tensor([max(len(g), 1) for g in groups], dtype=torch.float32)
    # An empty group reads row 0 (any valid row) and its loss is masked out.
    offsets = np.minimum(np.cumsum([0] + [len(g) for g in groups]), len(actions) - 1)
    flat = torch.from_numpy(np.concatenate(groups))
    trained = torch.tensor([len(g) > 0 for g in groups], dtype=torch.float32)[:, None]
    obs_t, act_t = torch.as_tensor(observations), torch.as_tensor(actions)
    optimizer = torch.optim.Adam(params, lr=TEACHER_LR)
    for _ in range(steps):
        picks = (torch.rand(n_teachers, batch, generator=generator) * sizes[:, None]).long()
        rows = flat[torch.from_numpy(offsets[:-1])[:, None] + picks]
        logits = teacher_logits(params, obs_t[rows])
        losses = torch.nn.functional.cross_entropy(
            logits.reshape(-1, n_actions), act_t[rows].reshape(-1), reduction="none"
        ).reshape(n_teachers, -1)
        loss = (losses * trained).sum() / (trained.sum() * losses.shape[1])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return [p.detach() for p in params]


def teacher_logits(params: list[torch.Tensor], obs: torch.Tensor) -> torch.Tensor:
    """Logits ``(n_teachers, batch, n_actions)`` of every teacher on its batch ``obs``."""
    w1, b1, w2, b2 = params
    return torch.tanh(obs @ w1 + b1) @ w2 + b2


class PATEConsensus(PrivateLearner):
    """Student trained on Confident-GNMax labels of expert-group teachers.

    Parameters
    ----------
    epsilon, delta : float
        Target expert-level privacy (worst case: every query answered).
    n_teachers : int or None
        Number of disjoint teacher groups (at most the number of experts);
        default ``min(100, n_experts)``. Experts are assigned to teachers by a
        hash of their own id (so removing one expert moves no other), hence a
        group may get no expert; its teacher abstains (casts no vote), which
        changes one vote count by at most 1 when an expert is added or
        removed, as the accounting assumes. :attr:`n_voting` counts the rest.
    threshold : float or None
        Confident-GNMax threshold ``T`` on the top vote count; default
        ``0.6 * n_teachers`` (PATE 2018 MNIST: 200 of 250).
    sigma_ratio : float
        ``sigma1 / sigma2``; 3.75 as in PATE 2018's MNIST setting (150 / 40).
    n_queries : int
        Query states the student asks about (split over ``n_rounds``).
    n_rounds : int
        Query rounds; round ``r > 0`` queries states visited by the student.
    student_steps : int
        BC steps of the student after each round.
    hidden_sizes, seed
        Student hidden widths and seed.
    """

    def __init__(
        self,
        epsilon: float = 5.0,
        delta: float = 1e-5,
        *,
        n_teachers: int | None = None,
        threshold: float | None = None,
        sigma_ratio: float = SIGMA_RATIO,
        n_queries: int = 200,
        n_rounds: int = 2,
        student_steps: int = 300,
        hidden_sizes: Sequence[int] = (64, 64),
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(hidden_sizes=hidden_sizes, seed=seed)
        self.target_epsilon, self.target_delta = check_privacy(epsilon, delta)
        self.n_teachers_arg = None if n_teachers is None else check_int("n_teachers", n_teachers, 2)
        self.threshold_arg = None if threshold is None else check_real("threshold", threshold, 0.0)
        self.sigma_ratio = check_real("sigma_ratio", sigma_ratio, 0.0, low_open=True)
        self.n_queries = check_int("n_queries", n_queries)
        self.n_rounds = check_int("n_rounds", n_rounds, high=self.n_queries)
        self.student_steps = check_int("student_steps", student_steps)

    def _worst_case(self, sigma_gnmax: float) -> float:
        """Epsilon when every query is answered (the RDP accountant that also reports)."""
        return pate_epsilon(
            self.sigma_ratio * sigma_gnmax, sigma_gnmax, self.n_queries, self.n_queries,
            self.target_delta,
        )  # fmt: skip

    def plan(self) -> tuple[float, float]:
        """Fix ``(sigma1, sigma2)`` for the worst case (no data needed); return its spend."""
        key = (self.target_epsilon, self.target_delta, self.sigma_ratio, self.n_queries)
        if getattr(self, "_plan_key", None) != key:
            # RDP accounting has no discretisation: the interval argument is unused.
            sigma2 = calibrate(
                lambda sigma, _interval: self._worst_case(sigma), self.target_epsilon, 1.0,
                low=SIGMA_BOUNDS[0], high=SIGMA_BOUNDS[1], name="sigma_gnmax",
            )  # fmt: skip
            self.sigma_threshold, self.sigma_gnmax = self.sigma_ratio * sigma2, sigma2
            self._planned = (self._worst_case(sigma2), self.target_delta)
            self._plan_key = key
        return self._planned

    def _train(self, dataset: Any, callbacks: Any) -> torch.nn.Module:
        """Train teachers, answer the student's queries privately, train the student."""
        data = as_expert_data(dataset)
        if data.env_id is None:
            raise ValueError("dataset must name its env: query states are simulated from it")
        self.n_teachers = self.n_teachers_arg or min(MAX_TEACHERS, data.n_experts)
        self.threshold = (
            THRESHOLD_SHARE * self.n_teachers if self.threshold_arg is None else self.threshold_arg
        )
        if self.n_teachers > data.n_experts:
            raise ValueError(
                f"n_teachers={self.n_teachers} is out of range: must be in [2, {data.n_experts}] "
                "(at most one teacher per expert)"
            )
        rng, generator = self._generators()
        # Scoped by PrivateLearner.fit (isolated_torch_rng): the caller's RNG is untouched.
        torch.manual_seed(int(rng.integers(2**31)))
        # Each expert's teacher depends on its own id only, so removing one expert leaves
        # every other expert in the same teacher (one vote changes, as the accounting assumes).
        group_of_expert = np.array(
            [np.random.default_rng([self._base_seed(), _GROUP_STREAM, int(e)])
             .integers(self.n_teachers) for e in data.expert_ids]
        )  # fmt: skip
        #: Teachers with at least one expert; the others abstain.
        self._voting = np.bincount(group_of_expert, minlength=self.n_teachers) > 0
        self.n_voting = int(self._voting.sum())
        teachers = train_teachers(
            data.observations, data.actions, group_of_expert[data.expert_index],
            self.n_teachers, data.n_actions, generator=generator,
        )  # fmt: skip
        student = make_policy_net(data.obs_dim, data.n_actions, self.hidden_sizes)
        sim = BatchSimulator(data.env_id)
        states, labels, self.n_answered, self.n_checked = [], [], 0, 0
        per_round = np.diff(np.linspace(0, self.n_queries, self.n_rounds + 1).astype(int))
        for round_index, n_round in enumerate(per_round):
            queries = self._query_states(sim, n_round, student if round_index else None, rng)
            answered, noisy_labels = self._ask(teachers, queries, data.n_actions, rng)
            self.n_checked += int(n_round)
            self.n_answered += int(answered.sum())
            states.append(queries[answered])
            labels.append(noisy_labels[answered])
            train_bc(
                student, np.concatenate(states), np.concatenate(labels),
                steps=self.student_steps, batch_size=STUDENT_BATCH, lr=STUDENT_LR,
                generator=generator,
            )  # fmt: skip
            callbacks.update_locals(
                {"step": round_index + 1, "epsilon_fn": lambda: self._spent()[0]}
            )
            if not callbacks.on_step():
                break
        return student

    def _spent(self) -> tuple[float, float]:
        """Realised events: ``n_checked`` threshold checks, ``n_answered`` GNMax answers."""
        spent = pate_epsilon(
            self.sigma_threshold, self.sigma_gnmax, self.n_checked, self.n_answered,
            self.target_delta,
        )  # fmt: skip
        return spent, self.target_delta

    def _query_states(self, sim, n, student, rng) -> np.ndarray:
        """Visited states of public rollouts (random policy, or the current ``student``)."""
        state = sim.reset(QUERY_ROLLOUTS, rng)
        visited = []
        alive = np.ones(QUERY_ROLLOUTS, dtype=bool)
        for _ in range(QUERY_HORIZON):
            obs = sim.observe(state)
            visited.append(obs[alive])
            if student is not None:
                with torch.no_grad():
                    actions = student(torch.from_numpy(obs)).argmax(-1).numpy()
            else:
                uniform = np.full((QUERY_ROLLOUTS, sim.n_actions), 1.0 / sim.n_actions)
                actions = sample_actions(uniform, rng)
            state, _, terminated = sim.step(state, np.asarray(actions))
            alive &= ~terminated
            if not alive.any():
                break
        pool = np.concatenate(visited)
        return pool[rng.choice(len(pool), size=n, replace=len(pool) < n)]

    def _ask(self, teachers, queries: np.ndarray, n_actions: int, rng):
        """Confident-GNMax on the teachers' votes: (answered mask, noisy labels)."""
        with torch.no_grad():
            obs = torch.from_numpy(queries).expand(self.n_teachers, -1, -1)
            votes_each = teacher_logits(teachers, obs).argmax(-1).numpy()  # (teachers, queries)
        votes_each = votes_each[self._voting]  # empty teachers abstain
        votes = np.stack([(votes_each == a).sum(0) for a in range(n_actions)], axis=1)
        noisy_top = votes.max(axis=1) + rng.normal(0.0, self.sigma_threshold, len(votes))
        answered = noisy_top >= self.threshold
        labels = (votes + rng.normal(0.0, self.sigma_gnmax, votes.shape)).argmax(axis=1)
        return answered, labels.astype(np.int64)

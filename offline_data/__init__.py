"""Offline datasets: generation from baseline policies, Minari I/O, logged bandit feedback, OPE.

Main entry points

* :func:`collect` -- episodes of K policies in any Gymnasium env, one Minari dataset.
* :func:`save_episodes` -- the same, for episodes generated elsewhere (batched sims).
* :func:`policy_names` -- the policy name of each ``infos[policy_key]`` index.
* :func:`make_mix` -- D4RL-style random / medium / expert / medium-expert /
  medium-replay datasets with reference scores.
* :func:`baseline_policies` -- scripted CartPole-v1 / Acrobot-v1 baselines at
  several skill levels.
* :func:`log_bandit` / :func:`load_bandit_feedback` -- logged bandit feedback
  in Open Bandit Pipeline's schema; estimators in :mod:`rlsuite.offline_data.ope`.
* :func:`qlearning_dataset` -- D4RL's flat transition arrays for any Minari dataset.
* :func:`to_obp` / :func:`from_obp` -- logged feedback to and from OBP's ``bandit_feedback`` dict.

Minari is an optional dependency (``pip install 'rlsuite[offline]'``); it is
imported when a dataset is written or read.
"""

from rlsuite.offline_data.bandit_log import (
    BanditFeedback,
    LoggingPolicy,
    load_bandit_feedback,
    log_bandit,
    policy_action_dist,
)
from rlsuite.offline_data.baselines import baseline_policies, sb3_expert
from rlsuite.offline_data.collect import (
    Policy,
    as_policy,
    collect,
    evaluate,
    save_episodes,
    sb3_policy,
)
from rlsuite.offline_data.minari_io import policy_key, policy_names, write_dataset
from rlsuite.offline_data.mixes import MIX_KINDS, make_d4rl_datasets, make_mix
from rlsuite.offline_data.obp import from_obp, to_obp
from rlsuite.offline_data.qlearning import QLEARNING_KEYS, qlearning_dataset

__all__ = [
    "MIX_KINDS",
    "QLEARNING_KEYS",
    "BanditFeedback",
    "LoggingPolicy",
    "baseline_policies",
    "load_bandit_feedback",
    "log_bandit",
    "make_d4rl_datasets",
    "make_mix",
    "policy_action_dist",
    "save_episodes",
    "sb3_expert",
    "Policy",
    "as_policy",
    "collect",
    "evaluate",
    "from_obp",
    "policy_key",
    "policy_names",
    "qlearning_dataset",
    "sb3_policy",
    "to_obp",
    "write_dataset",
]

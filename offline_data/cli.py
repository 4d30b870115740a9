"""``rlsuite collect``: build a Minari dataset from baseline policies on the command line.

Examples
--------
``rlsuite collect --env CartPole-v1 --policies random,medium,expert --episodes 10
--id rlsuite/cartpole/mixed-v0``

``rlsuite collect --env Acrobot-v1 --mix medium-replay --episodes 20
--id rlsuite/acrobot/medium-replay-v0``

A policy is a skill level of :mod:`rlsuite.offline_data.baselines`
(``random, weak, medium, good, expert``) or ``module:attribute`` naming a
``policy(obs, rng)`` callable.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

__all__ = ["configure_parser", "run"]


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the ``collect`` arguments to ``parser``."""
    parser.add_argument("--env", required=True, help="Gymnasium id, e.g. CartPole-v1")
    parser.add_argument("--id", required=True, dest="dataset_id", help="Minari dataset id")
    parser.add_argument("--episodes", type=int, default=10, help="episodes per policy")
    parser.add_argument(
        "--policies",
        default="random,medium,expert",
        help="comma-separated skill levels or module:attribute policies",
    )
    parser.add_argument(
        "--mix",
        default=None,
        help="build a D4RL-style mix instead: random, medium, expert, "
        "medium-expert or medium-replay (ignores --policies)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--policy-key", default="policy_id", help="info key of the policy index")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing dataset")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _resolve_policies(env_id: str, spec: str) -> dict[str, Any]:
    from rlsuite.offline_data.baselines import baseline_policies

    names = [name.strip() for name in spec.split(",") if name.strip()]
    if not names:
        raise ValueError(f"--policies={spec!r} names no policy")
    policies: dict[str, Any] = {}
    for name in names:
        if ":" in name:
            module, _, attr = name.partition(":")
            policies[attr] = getattr(importlib.import_module(module), attr)
        else:
            policies.update(baseline_policies(env_id, (name,)))
    return policies


def run(args: argparse.Namespace) -> int:
    """Build the dataset described by ``args``; return the exit code."""
    from rlsuite.offline_data.collect import collect
    from rlsuite.offline_data.mixes import make_mix

    try:
        if args.mix is not None:
            dataset = make_mix(
                args.env,
                args.mix,
                args.episodes,
                args.dataset_id,
                args.seed,
                progress_bar=not args.no_progress,
                overwrite=args.overwrite,
            )
        else:
            dataset = collect(
                args.env,
                _resolve_policies(args.env, args.policies),
                args.episodes,
                args.dataset_id,
                args.seed,
                policy_key=args.policy_key,
                progress_bar=not args.no_progress,
                overwrite=args.overwrite,
            )
    except (ValueError, ImportError, AttributeError) as err:
        # The library names its keyword; on the command line it is the flag.
        message = str(err).replace("overwrite=True", "--overwrite")
        print(f"rlsuite collect: error: {message}", file=sys.stderr)
        return 2
    print(
        f"{dataset.spec.dataset_id}: {dataset.total_episodes} episodes, "
        f"{dataset.total_steps} steps at {dataset.storage.data_path}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m rlsuite.offline_data.cli``."""
    parser = argparse.ArgumentParser(prog="rlsuite collect", description=__doc__.splitlines()[0])
    configure_parser(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

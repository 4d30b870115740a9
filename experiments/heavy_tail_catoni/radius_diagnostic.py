"""Where CatoniOFUL's homoscedastic regret comes from: the parts of its radius.

On the main sweep's homoscedastic rounds CatoniOFUL's regret (538-600) is
2.5-3.7x that of OFUL told the noise std (163-229) and of HeavyOFUL
(173-214). This diagnostic plays, on the main sweep's homoscedastic spike
settings at ``R = 100`` and ``R = 1000`` (10 copies, env seed 0, the study's
``T``):

* ``OFUL-sigma``, for reference;
* ``CatoniOFUL`` as in the study;
* ``CatoniOFUL`` with the covering term ``d log(1 + 2 S R t)`` of its radius
  switched off (``reward_range`` of ``1e-12`` makes it ``~ 0``). This is a
  *diagnostic*, not a variant to use: it drops the term through which the
  radius covers the linear class at the range's scale.

and prints each agent's regret with a 95% t-interval over the copies, the
two parts under CatoniOFUL's square root at ``T`` (the self-normalised
``log det V - d log lam + 2 log(1/delta)`` and the covering term), and how
often the whitening level's uncertainty floor was active. Usage::

    python -m rlsuite.experiments.heavy_tail_catoni.radius_diagnostic [--horizon T]
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from scipy import stats

from rlsuite.agents import make_agent
from rlsuite.experiments.heavy_tail_catoni import run as study_run
from rlsuite.experiments.heavy_tail_catoni import sweep

__all__ = ["main", "play"]


def play(params: dict, name: str, kwargs: dict, horizon: int, seed: int = 0):
    """``(agent, per-copy regret)`` after ``horizon`` rounds of one setting."""
    env = study_run.make_env(params, study_run.make_noise_model(params))
    agent = make_agent(
        name, n_arms=env.n_arms, dim=env.dim, seed=seed, n_runs=env.num_envs, **kwargs
    )
    regret, _ = study_run.play(agent, env, horizon, seed)
    return agent, regret.sum(axis=0)


def _self_normalised(agent) -> np.ndarray:
    return agent.logdet - agent.dim * math.log(agent.lam) + 2.0 * math.log(1.0 / agent.delta)


def main() -> None:
    """Print the regret and radius parts of the three agents at R = 100 and 1000."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon", type=int, default=sweep.HORIZON)
    horizon = parser.parse_args().horizon
    agents: tuple[tuple[str, str, dict[str, float] | None], ...] = (
        ("OFUL-sigma", "OFUL", None),
        ("CatoniOFUL", "CatoniOFUL", {}),
        ("CatoniOFUL, covering term off (diagnostic)", "CatoniOFUL", {"reward_range": 1e-12}),
    )
    for reward_range in (100.0, 1000.0):
        params = next(
            p
            for p in sweep.SETTINGS
            if p["reward_range"] == reward_range and not p["heteroscedastic"]
        )
        for label, name, kwargs in agents:
            extra = {"noise_scale": params["noise_std"]} if kwargs is None else kwargs
            agent, regret = play(params, name, extra, horizon)
            half = stats.t.ppf(0.975, len(regret) - 1) * regret.std(ddof=1) / math.sqrt(len(regret))
            line = f"R={reward_range:g} {label}: regret {regret.mean():.0f} ± {half:.0f}"
            line += f" | self-normalised term {_self_normalised(agent).mean():.1f}"
            if name == "CatoniOFUL":
                stated = agent.stated_range if agent.reward_range is None else agent.reward_range
                cover = agent.dim * np.log1p(2.0 * agent.theta_norm * stated * agent.t)
                levels = agent._sigma_bar[:, : agent._count]
                floor = float((levels > params["noise_std"] * (1 + 1e-12)).mean())
                line += f", covering term {np.mean(cover):.1f}; floor active in {floor:.1%}"
            line += f"; radius at T {agent.radius().mean():.2f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()

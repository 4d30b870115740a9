"""Vectorised CartPole-v1 and Acrobot-v1: step thousands of copies at once with NumPy.

Used to roll out many experts (:mod:`rlsuite.offline_data.experts`) and by the
private learners' consensus rollouts (:mod:`rlsuite.agents.private`). The
equations are Gymnasium's; ``tests/offline_data/test_experts.py`` checks every
step against the Gymnasium envs.
"""

from __future__ import annotations

import numpy as np

from rlsuite.envs.validation import sample_categorical

__all__ = ["ENV_IDS", "BatchSimulator", "check_env_id", "sample_actions"]

ENV_IDS = ("CartPole-v1", "Acrobot-v1")

#: Gymnasium's reset ranges: uniform in [-low, low] per state coordinate.
_RESET_LOW = {"CartPole-v1": 0.05, "Acrobot-v1": 0.1}


def check_env_id(env_id: str) -> str:
    """Return ``env_id`` if it is one of :data:`ENV_IDS`, else raise ``ValueError``."""
    if env_id not in ENV_IDS:
        raise ValueError(f"env_id={env_id!r} is not supported; must be one of {ENV_IDS}")
    return env_id


class BatchSimulator:
    """Step many CartPole-v1 or Acrobot-v1 copies at once with NumPy.

    The equations are Gymnasium's (Euler CartPole; RK4 "book" Acrobot,
    no torque noise), vectorised over a leading batch axis so that thousands
    of experts roll out in seconds. ``tests/offline_data/test_experts.py``
    checks every step against the Gymnasium env.
    """

    def __init__(self, env_id: str) -> None:
        self.env_id = check_env_id(env_id)
        self.n_actions = 2 if env_id == "CartPole-v1" else 3
        self.obs_dim = 4 if env_id == "CartPole-v1" else 6

    def reset(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Initial physical states ``(n, 4)`` drawn like Gymnasium's ``reset``."""
        low = _RESET_LOW[self.env_id]
        return rng.uniform(-low, low, size=(n, 4))

    def observe(self, state: np.ndarray) -> np.ndarray:
        """Observations ``(n, obs_dim)`` of physical states."""
        if self.env_id == "CartPole-v1":
            return state.astype(np.float32)
        theta1, theta2 = state[:, 0], state[:, 1]
        obs = [
            np.cos(theta1),
            np.sin(theta1),
            np.cos(theta2),
            np.sin(theta2),
            state[:, 2],
            state[:, 3],
        ]
        return np.stack(obs, axis=1).astype(np.float32)

    def step(
        self, state: np.ndarray, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(next_state, reward, terminated)`` for every copy."""
        if self.env_id == "CartPole-v1":
            return _cartpole_step(state, actions)
        return _acrobot_step(state, actions)


def _cartpole_step(state: np.ndarray, actions: np.ndarray):
    x, x_dot, theta, theta_dot = state.T
    force = np.where(actions == 1, 10.0, -10.0)
    cos, sin = np.cos(theta), np.sin(theta)
    temp = (force + 0.05 * theta_dot**2 * sin) / 1.1
    theta_acc = (9.8 * sin - cos * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos**2 / 1.1))
    x_acc = temp - 0.05 * theta_acc * cos / 1.1
    nxt = np.stack(
        [
            x + 0.02 * x_dot,
            x_dot + 0.02 * x_acc,
            theta + 0.02 * theta_dot,
            theta_dot + 0.02 * theta_acc,
        ],
        axis=1,
    )
    terminated = (np.abs(nxt[:, 0]) > 2.4) | (np.abs(nxt[:, 2]) > 12 * 2 * np.pi / 360)
    return nxt, np.ones(len(state)), terminated


def _acrobot_derivs(s: np.ndarray, torque: np.ndarray) -> np.ndarray:
    theta1, theta2, dtheta1, dtheta2 = s.T
    # Masses, lengths and inertias are Gymnasium's: m1 = m2 = l1 = I1 = I2 = 1, lc = 0.5.
    d1 = 0.25 + (1.0 + 0.25 + np.cos(theta2)) + 2.0
    d2 = (0.25 + 0.5 * np.cos(theta2)) + 1.0
    phi2 = 0.5 * 9.8 * np.cos(theta1 + theta2 - np.pi / 2)
    phi1 = (
        -0.5 * dtheta2**2 * np.sin(theta2)
        - 2 * 0.5 * dtheta2 * dtheta1 * np.sin(theta2)
        + 1.5 * 9.8 * np.cos(theta1 - np.pi / 2)
        + phi2
    )
    ddtheta2 = (torque + d2 / d1 * phi1 - 0.5 * dtheta1**2 * np.sin(theta2) - phi2) / (
        0.25 + 1.0 - d2**2 / d1
    )
    ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    return np.stack([dtheta1, dtheta2, ddtheta1, ddtheta2], axis=1)


def _acrobot_step(state: np.ndarray, actions: np.ndarray):
    torque, dt = actions.astype(np.float64) - 1.0, 0.2
    k1 = _acrobot_derivs(state, torque)
    k2 = _acrobot_derivs(state + dt / 2 * k1, torque)
    k3 = _acrobot_derivs(state + dt / 2 * k2, torque)
    k4 = _acrobot_derivs(state + dt * k3, torque)
    nxt = state + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    nxt[:, :2] = (nxt[:, :2] + np.pi) % (2 * np.pi) - np.pi
    nxt[:, 2] = np.clip(nxt[:, 2], -4 * np.pi, 4 * np.pi)
    nxt[:, 3] = np.clip(nxt[:, 3], -9 * np.pi, 9 * np.pi)
    terminated = -np.cos(nxt[:, 0]) - np.cos(nxt[:, 1] + nxt[:, 0]) > 1.0
    return nxt, np.where(terminated, 0.0, -1.0), terminated


def sample_actions(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One categorical draw per row of ``probs`` ``(n, n_actions)``.

    The project's :func:`~rlsuite.envs.validation.sample_categorical`: one
    ``rng.random((n, 1))`` call and the inverse CDF, so the same uniforms and
    the same draws as the ``(cumsum < u).sum()`` sampler it replaces, except
    that an action of probability 0 is never drawn (that sampler gave one for
    ``u = 0`` or a ``u`` above a row's rounded-down last cumulative sum).
    """
    return sample_categorical(probs, rng)

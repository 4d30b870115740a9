"""The torch backend of the vector bandits: ``backend="torch", device=...``.

:class:`~rlsuite.envs.multi_armed_bandit.MultiArmedBanditVectorEnv` and the
batched :class:`~rlsuite.agents.bandits.EpsilonGreedy`, ``UCB1``,
``ThompsonSampling`` and ``GradientBandit`` take ``backend="torch"``: their
state lives in tensors on ``device`` and every step is a handful of kernels,
which is what pays on a GPU (on one CPU core numpy is as fast or faster).

Conventions shared by the env and the agents:

- **Randomness**: every draw comes from one ``torch.Generator`` per object
  on ``device``, seeded from the object's numpy generator (the env's
  ``np_random`` after ``reset(seed=...)``, the agent's ``rng``), so a fixed
  seed repeats a run exactly on a given device.
- **Reward laws**: the numpy backend's families, drawn from that generator:
  ``gaussian``, ``bernoulli``, ``student_t`` with an integer ``df`` (``Z /
  sqrt(chi2_df / df)`` from ``df + 1`` normals), ``pareto`` (inverse CDF) and
  ``lognormal``. Others (``BoundedNoise``, a non-integer ``df``) raise
  ``ValueError``.
- **Tensors in, tensors out**: ``step``/``select_actions`` return tensors on
  ``device``; actions and rewards may be tensors or arrays. Input is checked
  with the numpy backend's messages; a range or finiteness check costs one
  host sync per call.
- **torch.compile** (``compile=True``): the deterministic arithmetic of a step
  (gather, scatter, argmax, the reward transform) is compiled; the generator
  draws stay eager, because Dynamo breaks the graph at a ``Generator`` argument.
- **Lazy import**: this module imports torch only when a torch-backed object
  is built, so importing the envs and agents (and planning a study) does not.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from rlsuite.envs.noise import Bernoulli, Gaussian, LogNormal, NoiseModel, Pareto, StudentT
from rlsuite.envs.validation import check_choice, require_extra

__all__ = [
    "BACKENDS",
    "TorchBackendMixin",
    "check_backend",
    "check_noise",
    "draw_noise",
    "maybe_compile",
    "new_generator",
    "reward_transform",
    "sample_beta",
    "scatter_add_pulls",
    "torch_actions",
    "torch_module",
    "torch_rewards",
]

BACKENDS = ("numpy", "torch")
DTYPES = ("float32", "float64")
#: Families with a torch sampler (see :func:`draw_noise`).
TORCH_NOISE = (Gaussian, Bernoulli, StudentT, Pareto, LogNormal)


def torch_module() -> Any:
    """``torch``, imported on first use (``ImportError`` naming the extra if missing)."""
    return require_extra("torch", "torch", "backend='torch'")


def check_backend(backend: Any, device: Any, dtype: Any) -> tuple[str, Any | None, Any | None]:
    """Return ``(backend, torch.device or None, torch dtype or None)``.

    ``device`` and ``dtype`` belong to the torch backend: with ``backend="numpy"``
    they must be ``None``. ``device=None`` is ``"cpu"``; ``dtype=None`` is
    ``"float32"`` (the GPU's fast type; ``"float64"`` matches numpy's precision).
    """
    backend = check_choice("backend", backend, BACKENDS)
    if backend == "numpy":
        for name, value in (("device", device), ("dtype", dtype)):
            if value is not None:
                raise ValueError(
                    f"{name}={value!r} needs backend='torch'; the numpy backend runs on the "
                    "CPU in float64"
                )
        return backend, None, None
    dtype = check_choice("dtype", "float32" if dtype is None else dtype, DTYPES)
    torch = torch_module()
    if device is not None and not isinstance(device, (str, torch.device)):
        raise TypeError(f"device={device!r} must be a str or torch.device, not {type(device)}")
    try:
        torch_device = torch.device("cpu" if device is None else device)
    except RuntimeError as error:
        raise ValueError(f"device={device!r} is not a torch device: {error}") from None
    return backend, torch_device, getattr(torch, dtype)


def check_backend_options(
    backend: Any, device: Any, dtype: Any, compile: Any
) -> tuple[str, Any | None, Any | None, bool]:
    """:func:`check_backend` plus ``compile`` (a bool; ``True`` needs the torch backend).

    Returns ``(backend, device, dtype, compile)``; shared by the vector env and
    the batched agents.
    """
    backend, torch_device, torch_dtype = check_backend(backend, device, dtype)
    if not isinstance(compile, (bool, np.bool_)):
        raise TypeError(f"compile={compile!r} must be True or False")
    if compile and backend != "torch":
        raise ValueError("compile=True needs backend='torch'")
    return backend, torch_device, torch_dtype, bool(compile)


def check_noise(noise: NoiseModel) -> NoiseModel:
    """Return ``noise`` if the torch backend can draw it; ``ValueError`` otherwise."""
    if type(noise) not in TORCH_NOISE:
        names = ", ".join(cls.__name__ for cls in TORCH_NOISE)
        raise ValueError(f"noise={noise!r} has no torch sampler; backend='torch' takes {names}")
    if isinstance(noise, StudentT) and float(noise.df) != int(noise.df):
        raise ValueError(
            f"noise.df={noise.df!r} must be an integer for backend='torch' (a t draw is "
            "built from df + 1 normals)"
        )
    return noise


def new_generator(device: Any, rng: np.random.Generator) -> Any:
    """A ``torch.Generator`` on ``device`` seeded with one draw of ``rng``."""
    torch = torch_module()
    return torch.Generator(device=device).manual_seed(int(rng.integers(2**63)))


def draw_noise(noise: NoiseModel, shape: tuple[int, ...], generator: Any, dtype: Any) -> Any:
    """The raw draws :func:`reward_transform` turns into rewards (eager: uses the generator)."""
    torch = torch_module()
    kwargs = {"generator": generator, "device": generator.device, "dtype": dtype}
    if isinstance(noise, (Bernoulli, Pareto)):
        return torch.rand(shape, **kwargs)
    if isinstance(noise, StudentT):
        return torch.randn((int(noise.df) + 1, *shape), **kwargs)
    return torch.randn(shape, **kwargs)  # Gaussian, LogNormal


def reward_transform(noise: NoiseModel) -> Callable[[Any, Any], Any]:
    """``f(expected, draws) -> rewards`` with the law of ``noise.sample_rewards``."""
    torch = torch_module()
    if isinstance(noise, Gaussian):
        std = float(noise.std)
        return lambda expected, z: expected + std * z
    if isinstance(noise, Bernoulli):
        return lambda expected, u: (u < expected).to(expected.dtype)
    if isinstance(noise, StudentT):
        df, scale = int(noise.df), float(noise.scale)

        def student_t(expected: Any, z: Any) -> Any:
            chi2 = (z[1:] ** 2).sum(dim=0)
            return expected + scale * z[0] * torch.rsqrt(chi2 / df)

        return student_t
    if isinstance(noise, Pareto):
        alpha, scale, raw_mean = float(noise.alpha), float(noise.scale), float(noise.raw_mean)
        # X = (1 - U)^(-1/alpha) has P(X > x) = x^-alpha; 1 - U lies in (0, 1].
        return lambda expected, u: expected + scale * (1.0 - u) ** (-1.0 / alpha) - raw_mean
    if isinstance(noise, LogNormal):
        sigma, scale = float(noise.sigma), float(noise.scale)
        raw_mean = scale * math.exp(sigma**2 / 2.0)
        return lambda expected, z: expected + scale * torch.exp(sigma * z) - raw_mean
    check_noise(noise)  # raises
    raise AssertionError  # pragma: no cover


def maybe_compile(fn: Callable[..., Any], enabled: bool) -> Callable[..., Any]:
    """``torch.compile(fn)`` when ``enabled``, else ``fn``."""
    if not enabled:
        return fn
    return torch_module().compile(fn, dynamic=False)


def _describe(value: Any) -> str:
    return f"tensor of shape {tuple(value.shape)} and dtype {value.dtype}"


def torch_actions(actions: Any, num_envs: int, n_actions: int, device: Any) -> Any:
    """``actions`` as an int64 tensor on ``device`` if they are ``num_envs`` ints in range.

    The messages are :func:`rlsuite.envs.validation.check_actions`'s; the range
    check is one reduction and one host sync.
    """
    torch = torch_module()
    if not torch.is_tensor(actions):
        from rlsuite.envs.validation import check_actions

        actions = check_actions(actions, num_envs, n_actions)
        return torch.as_tensor(actions.astype(np.int64, copy=False), device=device)
    if (
        tuple(actions.shape) != (num_envs,)
        or actions.dtype.is_floating_point
        or actions.dtype.is_complex
        or actions.dtype == torch.bool
    ):
        raise ValueError(
            f"actions must be integers of shape ({num_envs},), got {_describe(actions)}"
        )
    actions = actions.to(device=device, dtype=torch.int64)
    if bool(((actions < 0) | (actions >= n_actions)).any()):
        raise ValueError(f"actions out of range: must be in [0, {n_actions - 1}], got {actions!r}")
    return actions


def torch_rewards(rewards: Any, n_runs: int, device: Any, dtype: Any) -> Any:
    """``rewards`` as a ``dtype`` tensor on ``device`` if they are ``n_runs`` finite reals."""
    torch = torch_module()
    if not torch.is_tensor(rewards):
        arr = np.asarray(rewards)
        if arr.dtype == bool or arr.dtype.kind not in "iuf":
            raise TypeError(f"rewards must be real numbers, got dtype {arr.dtype}")
        rewards = torch.as_tensor(arr)
    elif rewards.dtype == torch.bool or rewards.dtype.is_complex:
        raise TypeError(f"rewards must be real numbers, got {_describe(rewards)}")
    if tuple(rewards.shape) != (n_runs,):
        raise ValueError(f"rewards must have shape ({n_runs},), got {_describe(rewards)}")
    rewards = rewards.to(device=device, dtype=dtype)
    if not bool(torch.isfinite(rewards).all()):
        raise ValueError(f"rewards must be finite, got {rewards!r}")
    return rewards


def _gamma(shape: Any, generator: Any) -> Any:
    """``Gamma(shape, 1)`` draws for ``shape >= 1`` (Marsaglia & Tsang 2000), one per entry.

    Each pass proposes for the entries still undecided; at ``shape >= 1`` a
    proposal is accepted with probability above 0.95, so a few passes suffice.
    """
    torch = torch_module()
    d = shape - 1.0 / 3.0
    c = torch.rsqrt(9.0 * d)
    out = torch.empty_like(shape)
    todo = torch.arange(shape.numel(), device=shape.device)
    d_flat, c_flat, out_flat = d.reshape(-1), c.reshape(-1), out.reshape(-1)
    kwargs = {"generator": generator, "device": shape.device, "dtype": shape.dtype}
    while todo.numel():
        dd, cc = d_flat[todo], c_flat[todo]
        x = torch.randn(todo.shape, **kwargs)
        u = torch.rand(todo.shape, **kwargs)
        v = (1.0 + cc * x) ** 3
        accept = (v > 0) & (
            torch.log(u) < 0.5 * x**2 + dd - dd * v + dd * torch.log(v.clamp(min=1e-300))
        )
        out_flat[todo[accept]] = (dd * v)[accept]
        todo = todo[~accept]
    return out


def sample_beta(alpha: Any, beta: Any, generator: Any) -> Any:
    """``Beta(alpha, beta)`` draws (``alpha, beta >= 1``) as ``G_a / (G_a + G_b)``."""
    first, second = _gamma(alpha, generator), _gamma(beta, generator)
    return first / (first + second)


def scatter_add_pulls(counts: Any, sums: Any, actions: Any, rewards: Any) -> None:
    """Add one pull and its reward to each run's pulled arm, in place (``(R, K)`` tensors)."""
    index = actions[:, None]
    counts.scatter_add_(1, index, rewards.new_ones(rewards.shape)[:, None])
    sums.scatter_add_(1, index, rewards[:, None])


class TorchBackendMixin:
    """``backend``/``device``/``dtype``/``compile`` for the batched bandit agents.

    An agent lists this mixin before :class:`~rlsuite.agents.base.BanditAgent`,
    calls :meth:`_init_backend` before the base ``__init__`` and implements
    ``_reset_torch``, ``_update_torch`` and its torch branch of
    ``select_actions``. Under the torch backend ``update_batch`` is
    :meth:`_update_batch_torch`, which checks tensors (or arrays) and moves
    them to ``device``; ``partial_fit`` stays numpy-only.
    """

    backend: str
    n_runs: int
    n_arms: int
    rng: np.random.Generator
    t: int

    def _init_backend(self, backend: Any, device: Any, dtype: Any, compile: Any) -> None:
        self.backend, self.device, self.dtype, self.compile = check_backend_options(
            backend, device, dtype, compile
        )
        if self.backend == "torch":
            # An instance attribute, so the numpy path keeps BanditAgent.update_batch with no
            # extra frame (at one run a frame is a visible share of a step).
            self.update_batch = self._update_batch_torch

    @property
    def torch(self) -> Any:
        """The torch module (torch backend only)."""
        return torch_module()

    def _reset_torch(self) -> None:  # pragma: no cover - every torch agent overrides it
        raise NotImplementedError

    def _update_torch(self, actions: Any, rewards: Any) -> None:  # pragma: no cover
        raise NotImplementedError

    def _saved_state(self) -> dict[str, Any]:
        """The learned state without the per-instance kernels (rebuilt by the constructor)."""
        state = super()._saved_state()  # type: ignore[misc]
        return {key: value for key, value in state.items() if not callable(value)}

    def _new_torch_generator(self) -> None:
        self.generator = new_generator(self.device, self.rng)

    def _update_batch_torch(
        self, obs: Any, actions: Any, rewards: Any, infos: dict[str, Any] | None = None
    ) -> None:
        """``update_batch`` under ``backend='torch'``: tensors or arrays, checked, on ``device``."""
        if obs is not None and (np.ndim(obs) == 0 or len(obs) != self.n_runs):
            raise ValueError(
                f"obs must have a leading axis of n_runs={self.n_runs}, got shape "
                f"{tuple(np.shape(obs))}"
            )
        actions = torch_actions(actions, self.n_runs, self.n_arms, self.device)
        rewards = torch_rewards(rewards, self.n_runs, self.device, self.dtype)
        self._update_torch(actions, rewards)
        self.t += 1

    def partial_fit(self, *args: Any, **kwargs: Any) -> Any:
        """Fold a log (numpy backend only: a log is host data; see ``BanditAgent``)."""
        if self.backend == "torch":
            raise ValueError(
                "partial_fit needs backend='numpy': fold the log with a numpy agent, or "
                "replay it through update_batch"
            )
        return super().partial_fit(*args, **kwargs)  # type: ignore[misc]

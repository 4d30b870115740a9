"""Reward noise families for bandit environments.

Every family is centred (mean 0) except :class:`Bernoulli`, which describes
Bernoulli arms whose reward *is* the Bernoulli draw. Each family knows its
``mean``, ``variance`` (``math.inf`` where it does not exist) and
``moment_order``: the supremum of the ``p`` for which ``E|X|^p`` is finite
(the tail index for the polynomial families, ``inf`` otherwise). For Student-t
and Pareto the supremum itself is *not* attained.

Environments accept either a :class:`NoiseModel` instance or one of the names
in :data:`NOISE_NAMES`; :func:`make_noise` turns a name into a model with the
defaults documented there.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

from rlsuite.envs.validation import ParameterTypeError, check_real

__all__ = [
    "NOISE_NAMES",
    "Bernoulli",
    "Gaussian",
    "LogNormal",
    "MAX_LOGNORMAL_SIGMA",
    "MAX_NOISE_SCALE",
    "NoiseModel",
    "Pareto",
    "StudentT",
    "make_noise",
]


#: Largest ``std`` / ``scale`` of a family: the heaviest draws (a Pareto or
#: Student-t tail reaches about ``1e16`` times the scale in float64 sampling)
#: and the variance ``scale**2`` must stay finite, so larger scales would
#: overflow to ``inf`` in rewards or ``info`` instead of raising here.
MAX_NOISE_SCALE = 1e100
#: Largest log-normal ``sigma``: the variance ``exp(2 sigma^2)`` times
#: ``MAX_NOISE_SCALE**2`` overflows float64 beyond about 12.
MAX_LOGNORMAL_SIGMA = 10.0


def _check_positive(name: str, value: Any, high: float = MAX_NOISE_SCALE) -> float:
    """A finite real in ``(0, high]``; wrong types raise ``ParameterTypeError``."""
    if (
        isinstance(value, str)
        or isinstance(value, bool)
        or not isinstance(value, (int, float, np.floating, np.integer))
    ):
        raise ParameterTypeError(
            f"{name}={value!r} must be a real number in (0, {high:g}], got {type(value).__name__}"
        )
    return check_real(name, value, 0.0, high, low_open=True)


class NoiseModel(ABC):
    """A reward-noise family: ``reward = mean + noise`` unless stated otherwise."""

    name: str = "noise"

    @property
    @abstractmethod
    def mean(self) -> float:
        """Mean of one draw of :meth:`sample`."""

    @property
    @abstractmethod
    def variance(self) -> float:
        """Variance of one draw (``math.inf`` if it does not exist)."""

    @property
    @abstractmethod
    def moment_order(self) -> float:
        """Supremum of ``p`` with ``E|X|^p < inf`` (``math.inf`` if all moments exist)."""

    @abstractmethod
    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...] | None = None) -> Any:
        """Draw noise of the given ``size`` from ``rng``."""

    @property
    def std(self) -> float:
        """Standard deviation, or ``math.inf`` when the variance does not exist."""
        return math.sqrt(self.variance)

    def sample_rewards(self, rng: np.random.Generator, means: np.ndarray) -> np.ndarray:
        """Draw one reward per entry of ``means`` (additive noise by default)."""
        means = np.asarray(means, dtype=np.float64)
        return means + self.sample(rng, means.shape)

    def reward_std(self, means: np.ndarray) -> np.ndarray:
        """Standard deviation of the reward for each entry of ``means``."""
        return np.full(np.shape(means), self.std)

    def validate_means(self, means: np.ndarray) -> None:
        """Raise ``ValueError`` if ``means`` are not valid arm means for this family."""
        if not np.all(np.isfinite(means)):
            raise ValueError(f"means={means!r} must be finite")

    def describe(self) -> dict[str, Any]:
        """Summary used in env ``info`` and docstrings."""
        return {
            "family": self.name,
            "mean": self.mean,
            "variance": self.variance,
            "moment_order": self.moment_order,
        }

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Gaussian(NoiseModel):
    """Centred Gaussian noise ``N(0, std^2)``; all moments exist."""

    name = "gaussian"

    def __init__(self, std: float = 1.0) -> None:
        self._std = _check_positive("std", std)

    mean = property(lambda self: 0.0)
    std = property(lambda self: self._std)
    variance = property(lambda self: self._std**2)
    moment_order = property(lambda self: math.inf)

    def sample(self, rng: np.random.Generator, size: Any = None) -> Any:
        """Draw ``N(0, std^2)`` noise."""
        return rng.normal(0.0, self._std, size)

    def __repr__(self) -> str:
        return f"Gaussian(std={self._std!r})"


@dataclass(repr=False)
class Bernoulli(NoiseModel):
    """Bernoulli arms: the reward of an arm with mean ``m`` is ``Bernoulli(m)``.

    ``sample`` draws the centred noise ``Bernoulli(p) - p`` for a reference
    ``p``; environments call :meth:`sample_rewards`, which draws the arm
    rewards directly and requires every mean to lie in ``[0, 1]``.
    """

    p: float = 0.5
    name = "bernoulli"

    def __post_init__(self) -> None:
        self.p = check_real("p", self.p, 0.0, 1.0)

    mean = property(lambda self: 0.0)
    variance = property(lambda self: self.p * (1.0 - self.p))
    moment_order = property(lambda self: math.inf)

    def sample(self, rng: np.random.Generator, size: Any = None) -> Any:
        """Draw centred ``Bernoulli(p) - p`` noise."""
        return (rng.random(size) < self.p).astype(np.float64) - self.p

    def sample_rewards(self, rng: np.random.Generator, means: np.ndarray) -> np.ndarray:
        """Draw ``Bernoulli(mean)`` rewards."""
        means = np.asarray(means, dtype=np.float64)
        return (rng.random(means.shape) < means).astype(np.float64)

    def reward_std(self, means: np.ndarray) -> np.ndarray:
        """Per-arm standard deviation ``sqrt(m (1 - m))``."""
        means = np.asarray(means, dtype=np.float64)
        return np.sqrt(means * (1.0 - means))

    def validate_means(self, means: np.ndarray) -> None:
        """Bernoulli means must lie in ``[0, 1]``."""
        means = np.asarray(means, dtype=np.float64)
        if not np.all((means >= 0.0) & (means <= 1.0)):
            raise ValueError(f"means={means.tolist()!r} out of range: Bernoulli needs [0, 1]")


@dataclass(repr=False)
class StudentT(NoiseModel):
    """Student-t noise ``scale * t(df)``; moments of order ``< df`` exist.

    ``df <= 1`` has no mean and is rejected; ``1 < df <= 2`` has a mean but
    infinite variance (the heavy-tailed regime of the Catoni and robust-UCB
    literature).
    """

    df: float = 3.0
    scale: float = 1.0
    name = "student_t"

    def __post_init__(self) -> None:
        self.df = _check_positive("df", self.df, high=math.inf)
        if self.df <= 1.0:
            raise ValueError(f"df={self.df!r} is out of range: must be in (1, inf) for a mean")
        self.scale = _check_positive("scale", self.scale)

    mean = property(lambda self: 0.0)
    moment_order = property(lambda self: self.df)

    @property
    def variance(self) -> float:
        """``scale^2 df / (df - 2)`` for ``df > 2``, else ``inf``."""
        if self.df <= 2.0:
            return math.inf
        return self.scale**2 * self.df / (self.df - 2.0)

    def sample(self, rng: np.random.Generator, size: Any = None) -> Any:
        """Draw ``scale * t(df)`` noise."""
        return self.scale * rng.standard_t(self.df, size)


@dataclass(repr=False)
class Pareto(NoiseModel):
    """Centred Pareto (type I) noise: ``scale * X - E[scale * X]`` with ``X >= 1``.

    ``X`` has tail ``P(X > x) = x^-alpha``; its mean ``alpha / (alpha - 1)``
    needs ``alpha > 1`` and its variance needs ``alpha > 2``. The noise is
    right-skewed: rare large positive rewards, frequent small negative ones.
    """

    alpha: float = 2.5
    scale: float = 1.0
    name = "pareto"

    def __post_init__(self) -> None:
        self.alpha = _check_positive("alpha", self.alpha, high=math.inf)
        if self.alpha <= 1.0:
            raise ValueError(
                f"alpha={self.alpha!r} is out of range: Pareto has no mean for alpha <= 1, "
                "must be in (1, inf)"
            )
        self.scale = _check_positive("scale", self.scale)

    mean = property(lambda self: 0.0)
    moment_order = property(lambda self: self.alpha)

    @property
    def raw_mean(self) -> float:
        """Mean of the uncentred ``scale * X``."""
        return self.scale * self.alpha / (self.alpha - 1.0)

    @property
    def variance(self) -> float:
        """``scale^2 alpha / ((alpha - 1)^2 (alpha - 2))`` for ``alpha > 2``, else ``inf``."""
        if self.alpha <= 2.0:
            return math.inf
        a = self.alpha
        return self.scale**2 * a / ((a - 1.0) ** 2 * (a - 2.0))

    def sample(self, rng: np.random.Generator, size: Any = None) -> Any:
        """Draw centred Pareto noise (numpy's ``pareto`` is Lomax, i.e. ``X - 1``)."""
        return self.scale * (1.0 + rng.pareto(self.alpha, size)) - self.raw_mean


@dataclass(repr=False)
class LogNormal(NoiseModel):
    """Centred log-normal noise ``scale * exp(sigma Z) - scale * exp(sigma^2 / 2)``.

    All moments exist, but there is no moment generating function: the tail
    is heavier than any exponential.
    """

    sigma: float = 1.0
    scale: float = 1.0
    name = "lognormal"

    def __post_init__(self) -> None:
        self.sigma = _check_positive("sigma", self.sigma, high=MAX_LOGNORMAL_SIGMA)
        self.scale = _check_positive("scale", self.scale)

    mean = property(lambda self: 0.0)
    moment_order = property(lambda self: math.inf)

    @property
    def variance(self) -> float:
        """``scale^2 (exp(sigma^2) - 1) exp(sigma^2)``."""
        s2 = self.sigma**2
        return self.scale**2 * math.expm1(s2) * math.exp(s2)

    def sample(self, rng: np.random.Generator, size: Any = None) -> Any:
        """Draw centred log-normal noise."""
        raw_mean = self.scale * math.exp(self.sigma**2 / 2.0)
        return self.scale * rng.lognormal(0.0, self.sigma, size) - raw_mean


NOISE_NAMES: dict[str, type[NoiseModel]] = {
    "gaussian": Gaussian,
    "bernoulli": Bernoulli,
    "student_t": StudentT,
    "pareto": Pareto,
    "lognormal": LogNormal,
}


def make_noise(noise: str | NoiseModel) -> NoiseModel:
    """Return ``noise`` itself, or the family named by it with default parameters.

    Defaults: ``gaussian`` std 1, ``bernoulli`` (Bernoulli arms), ``student_t``
    df 3, ``pareto`` alpha 2.5, ``lognormal`` sigma 1; all with scale 1.
    """
    if isinstance(noise, NoiseModel):
        return noise
    if isinstance(noise, str) and noise in NOISE_NAMES:
        return NOISE_NAMES[noise]()
    raise ValueError(
        f"noise={noise!r} is not a NoiseModel or one of the names {sorted(NOISE_NAMES)}"
    )


class BoundedNoise(NoiseModel):
    """A centred noise family with a stated bounded support and known variance.

    The regime of Ye, Jin, Agarwal & Zhang (ICML 2025, arXiv 2502.02486):
    rewards whose worst-case range is far larger than their standard
    deviation. ``range`` is the width of the support, the ``R`` an OFUL-style
    bound pays for (a variable in an interval of width ``R`` is
    ``R / 2``-sub-Gaussian, Hoeffding's lemma); ``std`` is what a
    variance-aware method pays for.
    """

    moment_order = property(lambda self: math.inf)

    @property
    @abstractmethod
    def support(self) -> tuple[float, float]:
        """Smallest and largest value one draw can take."""

    @property
    def range(self) -> float:
        """Width of the support."""
        low, high = self.support
        return high - low

    @abstractmethod
    def abs_moment(self, k: float) -> float:
        """``E|X|^k`` of one draw."""

    def describe(self) -> dict[str, Any]:
        """Family summary plus ``range``, ``support``, ``std`` and the 4th moment."""
        return {
            **super().describe(),
            "std": self.std,
            "range": self.range,
            "support": self.support,
            "fourth_moment": self.abs_moment(4.0),
        }


class Spike(BoundedNoise):
    """Rare symmetric spikes: ``+-std / sqrt(p)`` with probability ``p`` in all, else 0.

    Mean 0, variance ``std^2``, range ``2 std / sqrt(p)``, ``E|X|^k =
    std^k p^{1 - k/2}`` (kurtosis ``1 / p``). With ``p = 4 std^2 / R^2`` the
    range is ``R`` at a fixed variance: :meth:`with_range`.
    """

    name = "spike"

    def __init__(self, p: float = 0.01, std: float = 1.0) -> None:
        self.p = _check_positive("p", p)
        if self.p > 1.0:
            raise ValueError(f"p={p!r} is out of range: must be in (0, 1]")
        self._std = _check_positive("std", std)

    @classmethod
    def with_range(cls, reward_range: float, std: float = 1.0) -> Spike:
        """Spikes of variance ``std^2`` whose support has width ``reward_range >= 2 std``."""
        reward_range = _check_positive("reward_range", reward_range)
        std = _check_positive("std", std)
        if reward_range < 2.0 * std:
            raise ValueError(
                f"reward_range={reward_range!r} is out of range: a variance of std^2 = "
                f"{std**2!r} needs a range of at least 2 std = {2.0 * std!r}"
            )
        return cls(p=(2.0 * std / reward_range) ** 2, std=std)

    mean = property(lambda self: 0.0)
    std = property(lambda self: self._std)
    variance = property(lambda self: self._std**2)

    @property
    def support(self) -> tuple[float, float]:
        """``(-std / sqrt(p), std / sqrt(p))``."""
        height = self._std / math.sqrt(self.p)
        return -height, height

    def abs_moment(self, k: float) -> float:
        """``std^k p^{1 - k/2}``."""
        return self._std**k * self.p ** (1.0 - k / 2.0)

    def sample(self, rng: np.random.Generator, size: Any = None) -> Any:
        """One uniform per draw: below ``p/2`` a negative spike, above ``1 - p/2`` a positive."""
        u = rng.random(size)
        height = self._std / math.sqrt(self.p)
        up, down = np.asarray(u > 1.0 - 0.5 * self.p), np.asarray(u < 0.5 * self.p)
        return height * (up.astype(np.float64) - down)

    def describe(self) -> dict[str, Any]:
        """Adds the spike probability ``p``."""
        return {**super().describe(), "p": self.p}

    def __repr__(self) -> str:
        return f"Spike(p={self.p!r}, std={self._std!r})"


def _pareto_raw_moment(alpha: float, cap: float, k: float) -> float:
    """``E[Y^k]`` of a Pareto(``alpha``) on ``[1, cap]`` (density ``prop. y^{-alpha-1}``)."""
    norm = alpha / -math.expm1(-alpha * math.log(cap))
    if abs(k - alpha) < 1e-12:
        return norm * math.log(cap)
    return norm * math.expm1((k - alpha) * math.log(cap)) / (k - alpha)


class TruncatedPareto(BoundedNoise):
    """Two-sided scaled Pareto truncated at a stated range: ``X = sign * c * Y``.

    ``Y`` has the Pareto tail ``P(Y > y) prop. y^-alpha`` on ``[1, b]``, the
    sign is a fair coin, and ``b`` and ``c`` are solved so that ``X`` has
    variance ``std^2`` and support ``[-R/2, R/2]`` (``R = 2 c b``). For
    ``alpha <= 2`` the untruncated law has no variance: the truncation at
    ``R`` is what makes it finite, and most of it comes from the rare draws
    near ``+-R/2``. Needs ``R > 2 std``.
    """

    name = "truncated_pareto"

    def __init__(self, alpha: float = 1.5, reward_range: float = 100.0, std: float = 1.0) -> None:
        from scipy.optimize import brentq

        self.alpha = _check_positive("alpha", alpha)
        self.reward_range = _check_positive("reward_range", reward_range)
        self._std = _check_positive("std", std)
        ratio = self.reward_range / (2.0 * self._std)
        if ratio <= 1.0 + 1e-9:
            raise ValueError(
                f"reward_range={reward_range!r} is out of range: must exceed 2 std = {2 * std!r}"
            )

        # b / sqrt(E[Y^2]) grows from 1 (b = 1) without bound: one root.
        def excess(log_cap: float) -> float:
            cap = math.exp(log_cap)
            return (
                log_cap - 0.5 * math.log(_pareto_raw_moment(self.alpha, cap, 2.0)) - math.log(ratio)
            )

        high = 1.0
        while excess(high) < 0:
            high *= 2.0
        self.cap = math.exp(brentq(excess, 1e-12, high, xtol=1e-13, rtol=1e-13))
        self.scale = self.reward_range / (2.0 * self.cap)

    mean = property(lambda self: 0.0)
    std = property(lambda self: self._std)
    variance = property(lambda self: self._std**2)

    @property
    def support(self) -> tuple[float, float]:
        """``(-R/2, R/2)``."""
        return -0.5 * self.reward_range, 0.5 * self.reward_range

    def abs_moment(self, k: float) -> float:
        """``c^k E[Y^k]``."""
        return self.scale**k * _pareto_raw_moment(self.alpha, self.cap, k)

    def sample(self, rng: np.random.Generator, size: Any = None) -> Any:
        """Inverse-CDF draw of ``Y`` on ``[1, b]``, times a random sign and ``c``."""
        u = rng.random(size)
        sign = np.where(rng.random(size) < 0.5, -1.0, 1.0)
        tail = -math.expm1(-self.alpha * math.log(self.cap))
        y = (1.0 - u * tail) ** (-1.0 / self.alpha)
        return sign * self.scale * y

    def describe(self) -> dict[str, Any]:
        """Adds ``alpha`` and the Pareto's ``scale`` and ``cap``."""
        return {**super().describe(), "alpha": self.alpha, "scale": self.scale, "cap": self.cap}

    def __repr__(self) -> str:
        return (
            f"TruncatedPareto(alpha={self.alpha!r}, reward_range={self.reward_range!r}, "
            f"std={self._std!r})"
        )


NOISE_NAMES["spike"] = Spike
NOISE_NAMES["truncated_pareto"] = TruncatedPareto
__all__ += ["BoundedNoise", "Spike", "TruncatedPareto"]

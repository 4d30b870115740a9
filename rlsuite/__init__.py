"""rlsuite: Gymnasium-compatible environments, agents and offline datasets.

This folder holds only the root package. The subpackages live in the
repository's top-level folders (``envs/``, ``agents/``, ``offline_data/``,
``experiments/``), which setup.cfg's ``package_dir`` maps to
``rlsuite.envs``, ``rlsuite.agents``, ... ; importing ``rlsuite`` alone
imports none of them (no gymnasium, no torch).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rlsuite")
except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]

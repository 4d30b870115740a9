"""Package list for setuptools: the root package plus every package below the mapped folders.

Metadata, dependencies and the ``package_dir`` mapping are in ``setup.cfg``;
only the package list lives here, found from the folders, so a new
subpackage (a study folder, an agent family) needs no line anywhere.
"""

from setuptools import find_packages, setup

#: Repository folders mapped to ``rlsuite.<folder>`` by ``package_dir`` in setup.cfg.
MAPPED_FOLDERS = ("envs", "agents", "offline_data", "experiments")

packages = ["rlsuite"] + [
    f"rlsuite.{package}"
    for package in find_packages(include=[f"{folder}*" for folder in MAPPED_FOLDERS])
]
setup(packages=packages)

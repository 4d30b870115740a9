"""The package_dir mapping works beyond editable installs: build a wheel, install it, import it."""

import configparser
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAPPED = {
    "envs": "rlsuite.envs",
    "agents": "rlsuite.agents",
    "offline_data": "rlsuite.offline_data",
    "experiments": "rlsuite.experiments",
}


def _declared_packages() -> set[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return {line.strip() for line in config["options"]["packages"].splitlines() if line.strip()}


def test_every_source_package_is_declared_in_setup_cfg():
    found = set()
    for folder, package in MAPPED.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package, *relative)))
    missing = found - _declared_packages()
    assert not missing, f"add these to [options] packages in setup.cfg: {sorted(missing)}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
        ],
        check=True,
    )
    (wheel,) = out.glob("rlsuite-*.whl")
    return wheel


def test_wheel_installs_and_imports_outside_the_repo(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    # Dependencies come from the test venv through a plain path entry: .pth files there
    # (the editable install's finder among them) are not processed, so only the wheel
    # can provide rlsuite.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    script = textwrap.dedent("""
        import gymnasium as gym
        import rlsuite.envs, rlsuite.agents, rlsuite.experiments
        print(rlsuite.envs.__file__)
        print(rlsuite.envs.__version__)
        env = gym.make("rlsuite/MultiArmedBandit-v1")
        env.reset(seed=0)
        print(type(env.step(0)[1]).__name__)
    """)
    out = subprocess.run([python, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    location, version, reward_type = out.stdout.split()
    assert location.startswith(str(site))
    assert version == "0.1.0"
    assert reward_type == "float"
    assert not any(p.name in MAPPED for p in site.iterdir()), "top-level folders leaked"

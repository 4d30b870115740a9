"""The package_dir mapping works beyond editable installs: build a wheel, install it, import it."""

import importlib.metadata
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAPPED = {
    "rlsuite": "rlsuite",
    "envs": "rlsuite.envs",
    "agents": "rlsuite.agents",
    "offline_data": "rlsuite.offline_data",
    "experiments": "rlsuite.experiments",
}


def _source_packages() -> set[str]:
    """Every package below the mapped folders, as its ``rlsuite.*`` path in the wheel."""
    found = set()
    for folder, package in MAPPED.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add("/".join((*package.split("."), *relative)))
    return found


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


def test_wheel_ships_every_source_package(wheel):
    """setup.py finds the packages: a new study or agent family needs no line in any list."""
    with zipfile.ZipFile(wheel) as archive:
        shipped = {
            name.rsplit("/", 1)[0] for name in archive.namelist() if name.endswith("/__init__.py")
        }
    missing = _source_packages() - shipped
    assert not missing, f"packages left out of the wheel: {sorted(missing)}"
    assert "rlsuite/experiments/heavy_tail_mab" in shipped  # the check itself sees subpackages


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
    # Every site-packages folder of the test process is listed (a venv may chain to
    # another's through a .pth file of its own).
    deps = [sysconfig.get_paths()["purelib"]]
    deps += [p for p in sys.path if Path(p).name == "site-packages" and p not in deps]
    (site / "deps.pth").write_text("".join(p + "\n" for p in deps))
    script = textwrap.dedent("""
        import sys
        import rlsuite
        print(rlsuite.__version__, "gymnasium" in sys.modules, "torch" in sys.modules)
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
    root_version, root_gym, root_torch, location, version, reward_type = out.stdout.split()
    assert (root_version, root_gym, root_torch) == ("0.1.0", "False", "False")
    assert location.startswith(str(site))
    assert version == "0.1.0"
    assert reward_type == "float"
    leaked = {p.name for p in site.iterdir()} & (set(MAPPED) - {"rlsuite"})
    assert not leaked, f"top-level folders leaked: {sorted(leaked)}"


def test_bare_import_rlsuite_has_version_and_imports_nothing_heavy():
    """``import rlsuite`` alone gives ``__version__`` and imports no subpackage, numpy or torch."""
    script = (
        "import sys, importlib.metadata, rlsuite\n"
        "assert rlsuite.__version__ == importlib.metadata.version('rlsuite'), rlsuite.__version__\n"
        "heavy = {'gymnasium', 'torch', 'numpy', 'rlsuite.envs', 'rlsuite.agents'}\n"
        "heavy &= set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "print(rlsuite.__version__)\n"
    )
    for cwd in (ROOT, ROOT.parent):  # from the repo root (rlsuite/ on sys.path) and outside it
        out = subprocess.run(
            [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True
        )
        assert out.returncode == 0, (cwd, out.stderr)
        assert out.stdout.strip() == importlib.metadata.version("rlsuite")


def test_subpackages_agree_on_the_version():
    import rlsuite
    import rlsuite.agents
    import rlsuite.envs

    assert rlsuite.envs.__version__ == rlsuite.agents.__version__ == rlsuite.__version__

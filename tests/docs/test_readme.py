"""The README's Python example runs as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_example_runs(capsys):
    pytest.importorskip("stable_baselines3")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README.md has no ```python block"
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102
    # The example prints UCB1's cumulative pseudo-regret after 5,000 rounds: a
    # positive number, and below uniform play's (5,000 * mean gap of the 5 arms).
    regret = float(capsys.readouterr().out.strip().splitlines()[-1])
    means = namespace["env"].unwrapped.means
    uniform_regret = 5_000 * float(means.max() - means.mean())
    assert 0.0 < regret < uniform_regret

"""The notebooks are stored executed, with their outputs and without warnings.

nbmake re-executes them in the suite (``--nbmake`` over ``notebooks/``); this
checks what a reader sees on the repository page without running anything.
"""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_executed_in_order_without_warnings(path):
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in cells] == list(range(1, len(cells) + 1))
    assert any(c["outputs"] for c in cells)
    for cell in cells:
        for output in cell["outputs"]:
            text = "".join(output.get("text", ""))
            assert output.get("name") != "stderr", text
            assert "Warning" not in text and output["output_type"] != "error", text

"""The analysts' notebooks run from top to bottom on a small demo warehouse, using only the
public API (`import pipeline`)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from pipeline.demo import run_demo
from pipeline.settings import Settings
from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("demo")
    key = tmp / "k"
    key.write_text("notebook-test-key-0123456789\n")
    result = run_demo(Settings(pseudonym_key_file=str(key)), tmp / "out", data_dir=tmp / "data",
                      cases=600)
    return result.warehouse


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("SOPMINE_NOTEBOOK_DB", str(demo_db))
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "from pipeline." not in text and "import pipeline as sm" in text  # public API only
    work = tmp_path / "notebooks"
    work.mkdir()
    (tmp_path / "data").symlink_to(REPO / "data")
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(work)}}).execute(
                       env={**os.environ, "SOPMINE_NOTEBOOK_DB": str(demo_db)})
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors

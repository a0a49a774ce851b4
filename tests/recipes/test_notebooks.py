"""Notebooks match their recipes, run top to bottom in a real kernel and show
their results inline."""

import nbformat
import pytest

from keras_recipes.recipes import list_recipes
from keras_recipes.recipes.common.notebooks import executed_notebook
from keras_recipes.recipes.common.notebooks import notebook_path
from keras_recipes.recipes.common.notebooks import stale_notebooks


def test_no_notebook_is_stale():
    assert stale_notebooks() == [], "run `make notebooks` and commit the result"


def outputs(notebook):
    return [output for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.get("outputs", [])]


def shows_figures(notebook):
    return any("image/png" in output.get("data", {}) for output in outputs(notebook))


@pytest.mark.parametrize("name", list_recipes())
def test_notebook_executes_at_smoke_size_and_shows_its_figures(name, tmp_path):
    notebook = executed_notebook(name, str(tmp_path))
    assert list(tmp_path.glob("runs/*/report.md")), "the notebook wrote no report"
    assert shows_figures(notebook), "no figure is displayed inline"
    texts = "".join(output.get("text", "") for output in outputs(notebook))
    assert "train/val/test" in texts, "the Data step shows no summary"


@pytest.mark.parametrize("name", list_recipes())
def test_committed_notebook_carries_its_outputs(name):
    with open(notebook_path(name), encoding="utf-8") as handle:
        notebook = nbformat.read(handle, as_version=4)
    assert shows_figures(notebook), "run `make notebooks` and commit the result"

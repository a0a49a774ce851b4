"""Notebooks match their recipes and run top to bottom in a real kernel."""

import nbclient
import nbformat
import pytest

from keras_recipes.recipes import list_recipes
from keras_recipes.recipes.common.notebooks import notebook_path
from keras_recipes.recipes.common.notebooks import stale_notebooks


def test_no_notebook_is_stale():
    assert stale_notebooks() == [], "run `make notebooks` and commit the result"


@pytest.mark.parametrize("name", list_recipes())
def test_notebook_executes_at_smoke_size(name, tmp_path):
    with open(notebook_path(name), encoding="utf-8") as handle:
        notebook = nbformat.read(handle, as_version=4)
    parameters = [i for i, cell in enumerate(notebook.cells)
                  if "parameters" in cell.metadata.get("tags", [])]
    assert parameters, f"{name} has no cell tagged 'parameters'"
    notebook.cells.insert(parameters[0] + 1, nbformat.v4.new_code_cell(
        "smoke = True", metadata={"tags": ["injected-parameters"]}))
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code"
               for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert list(tmp_path.glob("runs/*/report.md")), "the notebook wrote no report"

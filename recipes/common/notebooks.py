"""Generates `notebooks/NAME.ipynb` from each recipe file with jupytext.

Notebooks are never edited by hand: `make notebooks` (this module) rewrites
the stale ones and executes them at smoke size, so the committed notebooks
carry their outputs (printed steps, model summaries, the report with its
figures). The test suite fails when a notebook's cells differ from its recipe.

    python -m keras_recipes.recipes.common.notebooks          # write stale ones
    python -m keras_recipes.recipes.common.notebooks --check  # list stale ones
    python -m keras_recipes.recipes.common.notebooks NAME     # rewrite NAME
"""

import argparse
import os
import re
import sys
import tempfile

import jupytext
import nbclient
import nbformat

from keras_recipes.recipes.common.backends import default_backend
from keras_recipes.recipes.common.registry import RECIPES_DIR
from keras_recipes.recipes.common.registry import list_recipes

NOTEBOOKS_DIR = os.path.join(os.path.dirname(RECIPES_DIR), "notebooks")
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
INJECTED = "injected-parameters"
# TensorFlow's and XLA's C++ log lines (absl), written to stderr whatever
# TF_CPP_MIN_LOG_LEVEL says, and tqdm's advice to install ipywidgets: kept out
# of the committed notebooks. Both can land in the middle of a progress bar.
NOISE = re.compile(
    r"[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^\n]*\n?"
    r"|WARNING: All log messages before absl::InitializeLog\(\)[^\n]*\n?"
    r"|[^\n]*TqdmWarning: IProgress not found[^\n]*\n[^\n]*notebook_tqdm\n?")
SMOKE_CELL = "# Outputs below are from a smoke-sized run (make notebooks).\nsmoke = True"
# Run first in a reused kernel: an empty namespace (a notebook that forgets an
# import still fails), Keras' default state, the notebook's own folder. Only
# imported modules and compiled functions carry over, as in a test process.
RESET_CELL = ("%reset -f\nimport os, keras\nkeras.backend.clear_session()\n"
              "keras.mixed_precision.set_global_policy('float32')\n"
              "os.chdir({work_dir!r})\n%reset -f")


def recipe_notebook(name):
    """Returns the notebook jupytext makes from `recipes/NAME.py`."""
    notebook = jupytext.read(os.path.join(RECIPES_DIR, f"{name}.py"))
    notebook.metadata["kernelspec"] = KERNELSPEC
    return notebook


def notebook_path(name, directory=NOTEBOOKS_DIR):
    """Returns the path of a recipe's notebook."""
    return os.path.join(directory, f"{name}.ipynb")


def executed_notebook(name, work_dir, backend=None, timeout=600, kernel=None):
    """Runs a recipe's notebook at smoke size in `work_dir` and returns it.

    A cell tagged `injected-parameters` (papermill's convention) after the
    `parameters` cell sets `smoke = True`; the outputs stay in the cells.
    `backend` sets a new kernel's `KERAS_BACKEND` (default: inherited).
    `kernel`, a started `jupyter_client.AsyncKernelManager`, runs the
    notebook in that kernel instead of a new one, after `RESET_CELL`: the
    test suite reuses one kernel per process, which saves each notebook the
    kernel's start and Keras' import (8.6 s on TensorFlow, 5.3 s on JAX).
    `make notebooks` runs each notebook in a new kernel.

    Raises:
        ValueError: If the recipe has no cell tagged `parameters`.
        nbclient.exceptions.CellExecutionError: If a cell fails.
    """
    notebook = recipe_notebook(name)
    tagged = [i for i, cell in enumerate(notebook.cells)
              if "parameters" in cell.metadata.get("tags", [])]
    if not tagged:
        raise ValueError(f"recipes/{name}.py has no cell tagged 'parameters'")
    notebook.cells.insert(tagged[0] + 1, nbformat.v4.new_code_cell(
        SMOKE_CELL, metadata={"tags": [INJECTED]}))
    if kernel is not None:
        notebook.cells.insert(0, nbformat.v4.new_code_cell(RESET_CELL.format(work_dir=work_dir)))
    environment = dict(os.environ, **({"KERAS_BACKEND": backend} if backend else {}))
    client = nbclient.NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                     km=kernel, resources={"metadata": {"path": work_dir}})
    try:
        client.execute(env=environment)
    finally:
        if kernel is not None and client.kc is not None:
            client.kc.stop_channels()
    if kernel is not None:
        notebook.cells.pop(0)
    return notebook


def write_notebooks(names=None, directory=NOTEBOOKS_DIR, progress=print):
    """Executes and writes the given (default: stale) notebooks; returns their paths.

    They run on the backend the command line would pick (`default_backend`).
    Up-to-date notebooks are left alone, so their outputs and cell ids do not
    churn.
    """
    os.makedirs(directory, exist_ok=True)
    paths = []
    for name in stale_notebooks(directory) if names is None else names:
        progress(f"executing notebooks/{name}.ipynb at smoke size")
        with tempfile.TemporaryDirectory() as work_dir:
            notebook = executed_notebook(name, work_dir, backend=default_backend())
        path = notebook_path(name, directory)
        with open(path, "w", encoding="utf-8") as handle:
            nbformat.write(readable_outputs(notebook), handle)
        paths.append(path)
    return paths


def readable_outputs(notebook):
    """Tidies the stderr of `notebook`'s cells for reading, in place.

    Consecutive stderr outputs are joined, `NOISE` is dropped, and each
    progress-bar line keeps only its final state (the text after its last
    carriage return).

    Returns:
        `notebook`.
    """
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.outputs:
            joins = (output.get("name") == "stderr" and kept
                     and kept[-1].get("name") == "stderr")
            if joins:
                kept[-1].text += output.text
            else:
                kept.append(output)
        for output in kept:
            if output.get("name") == "stderr":
                output.text = _readable_stderr(output.text)
        cell.outputs = [output for output in kept
                        if output.get("name") != "stderr" or output.text.strip()]
    return notebook


def _readable_stderr(text):
    lines = NOISE.sub("", text).split("\n")
    return "\n".join(line.rsplit("\r", 1)[-1] for line in lines)


def stale_notebooks(directory=NOTEBOOKS_DIR):
    """Returns the recipes whose notebook is missing or differs from the recipe."""
    stale = []
    for name in list_recipes():
        path = notebook_path(name, directory)
        if not os.path.exists(path):
            stale.append(name)
            continue
        with open(path, encoding="utf-8") as handle:
            current = nbformat.read(handle, as_version=4)
        if _cells(current) != _cells(recipe_notebook(name)):
            stale.append(name)
    return stale


def _cells(notebook):
    return [(cell.cell_type, cell.source, cell.metadata.get("tags", []))
            for cell in notebook.cells
            if INJECTED not in cell.metadata.get("tags", [])]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="Recipes whose notebook to rewrite (default: the stale ones).")
    parser.add_argument("--check", action="store_true",
                        help="Only list stale notebooks; exit 1 if any.")
    arguments = parser.parse_args(argv)
    unknown = sorted(set(arguments.names) - set(list_recipes()))
    if unknown:
        parser.error(f"unknown recipe(s) {', '.join(unknown)}; "
                     f"choose from {', '.join(list_recipes())}")
    if arguments.check:
        stale = stale_notebooks()
        for name in stale:
            print(f"stale: notebooks/{name}.ipynb (run `make notebooks`)")
        return 1 if stale else 0
    paths = write_notebooks(arguments.names or None)
    for path in paths:
        print(f"wrote {os.path.relpath(path)}")
    if not paths:
        print("all notebooks are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())

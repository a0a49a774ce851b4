"""Generates `notebooks/NAME.ipynb` from each recipe file with jupytext.

Notebooks are never edited by hand: `make notebooks` (this module) rewrites
them, and the test suite fails when one differs from its recipe.

    python -m keras_recipes.recipes.common.notebooks          # write stale ones
    python -m keras_recipes.recipes.common.notebooks --check  # list stale ones
"""

import argparse
import os
import sys

import jupytext
import nbformat

from keras_recipes.recipes.common.registry import RECIPES_DIR
from keras_recipes.recipes.common.registry import list_recipes

NOTEBOOKS_DIR = os.path.join(os.path.dirname(RECIPES_DIR), "notebooks")
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def recipe_notebook(name):
    """Returns the notebook jupytext makes from `recipes/NAME.py`."""
    notebook = jupytext.read(os.path.join(RECIPES_DIR, f"{name}.py"))
    notebook.metadata["kernelspec"] = KERNELSPEC
    return notebook


def notebook_text(name):
    """Returns the `.ipynb` JSON text of a recipe's notebook."""
    return jupytext.writes(recipe_notebook(name), fmt="ipynb")


def notebook_path(name, directory=NOTEBOOKS_DIR):
    """Returns the path of a recipe's notebook."""
    return os.path.join(directory, f"{name}.ipynb")


def write_notebooks(directory=NOTEBOOKS_DIR):
    """Writes the notebooks that are missing or stale and returns their paths.

    Up-to-date notebooks are left alone, so their cell ids do not churn.
    """
    os.makedirs(directory, exist_ok=True)
    paths = []
    for name in stale_notebooks(directory):
        path = notebook_path(name, directory)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(notebook_text(name))
        paths.append(path)
    return paths


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
        expected = nbformat.reads(notebook_text(name), as_version=4)
        if _cells(current) != _cells(expected):
            stale.append(name)
    return stale


def _cells(notebook):
    return [(cell.cell_type, cell.source, cell.metadata.get("tags", []))
            for cell in notebook.cells]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="Only list stale notebooks; exit 1 if any.")
    arguments = parser.parse_args(argv)
    if arguments.check:
        stale = stale_notebooks()
        for name in stale:
            print(f"stale: notebooks/{name}.ipynb (run `make notebooks`)")
        return 1 if stale else 0
    paths = write_notebooks()
    for path in paths:
        print(f"wrote {os.path.relpath(path)}")
    if not paths:
        print("all notebooks are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Discovers recipes: every `recipes/NAME.py` with a literate header.

Listing reads the files' headers without importing them, so
`keras-recipes list` answers without starting TensorFlow.
"""

import dataclasses
import importlib
import os
import re

RECIPES_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_HEADER_FIELD = re.compile(r"^# \*\*(\w+):\*\*\s*(.+?)\s*$", re.MULTILINE)
_TITLE = re.compile(r"^# # (.+?)\s*$", re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class RecipeInfo:
    """The header of a recipe file."""

    name: str
    title: str
    description: str
    task: str
    accelerator: str
    path: str


def list_recipes():
    """Returns the sorted names of all recipes."""
    return sorted(
        name[:-3] for name in os.listdir(RECIPES_DIR)
        if name.endswith(".py") and not name.startswith("_")
    )


def recipe_info(name):
    """Reads a recipe's header (title, description, task, accelerator).

    Raises:
        ValueError: If `name` is not a recipe; the message lists them.
    """
    path = os.path.join(RECIPES_DIR, f"{_check_name(name)}.py")
    with open(path, encoding="utf-8") as handle:
        text = handle.read(4000)
    fields = {key.lower(): value for key, value in _HEADER_FIELD.findall(text)}
    title = _TITLE.search(text)
    return RecipeInfo(
        name=name, title=title.group(1) if title else name,
        description=fields.get("description", ""), task=fields.get("task", ""),
        accelerator=fields.get("accelerator", ""), path=path,
    )


def load_recipe(name):
    """Imports a recipe module (it has `Config`, `run` and `main`)."""
    return importlib.import_module(f"keras_recipes.recipes.{_check_name(name)}")


def _check_name(name):
    names = list_recipes()
    if name not in names:
        raise ValueError(f"Unknown recipe {name!r}. Valid names: {', '.join(names)}.")
    return name

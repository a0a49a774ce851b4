"""End-to-end recipes; `list_recipes()` names them, `keras-recipes run NAME` runs one."""

import os

# Quiet TensorFlow's C++ start-up banner for recipe users; an explicit setting wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_recipes.recipes.common.registry import list_recipes  # noqa: E402

__all__ = ["list_recipes"]

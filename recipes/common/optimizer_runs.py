"""Optimizer names and learning-rate grids for the recipes that compare optimizers.

Training itself is library code: `keras_recipes.tuning.fit_with_optimizer`.
"""

import numpy as np

from keras_recipes.recipes.common.config import check_integer
from keras_recipes.recipes.common.list_options import parse_names
from keras_recipes.tuning import get_optimizer_spec
from keras_recipes.tuning import list_optimizers

# The optimizers of the classic "optimizer / character / when to use" table,
# in the order the table lists them.
CLASSIC_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "adadelta",
                      "rmsprop", "adam", "adamw", "nadam", "lbfgs")


def parse_optimizer_names(text, parameter="optimizers"):
    """Parses a comma-separated list of registry optimizer names.

    Args:
        text: Names separated by commas, such as `"adam,sgd,lbfgs"`, or a
            list of names. Spaces are ignored; duplicates are dropped.
        parameter: Name of the setting, for error messages. Defaults to
            `"optimizers"`.

    Returns:
        A list of names in the order given.

    Raises:
        ValueError: If the list is empty or a name is not registered; the
            message lists the registered names.

    Example:

    >>> parse_optimizer_names("adam, sgd")
    ['adam', 'sgd']
    """
    return parse_names(text, list_optimizers(), parameter)


def check_optimizer_name(name, parameter="optimizer"):
    """Checks that `name` is one registered optimizer name.

    Args:
        name: The name to check.
        parameter: Name of the setting, for the error message. Defaults to
            `"optimizer"`.

    Returns:
        `name`.

    Raises:
        ValueError: If `name` is not registered; the message lists the
            registered names.
    """
    valid = list_optimizers()
    if name not in valid:
        raise ValueError(
            f"The '{parameter}' parameter must be one of: {', '.join(valid)}. "
            f"Got {name!r} instead."
        )
    return name


def learning_rate_grid(optimizer, size=5):
    """Returns learning rates spread over an optimizer's registry range.

    The values are log-spaced from `spec.learning_rate.low` to
    `spec.learning_rate.high` and rounded to three significant digits, so a
    four-decade range with `size=5` gives one value per decade.

    Args:
        optimizer: Registry name of an optimizer with a learning rate.
        size: Number of values; 1 gives the registry default. Defaults to
            `5`.

    Returns:
        A list of `size` increasing floats.

    Raises:
        ValueError: If the optimizer is unknown or has no learning rate
            (`lbfgs`), or `size` is not a positive integer.

    Example:

    >>> learning_rate_grid("sgd", size=5)
    [0.0001, 0.001, 0.01, 0.1, 1.0]
    """
    spec = get_optimizer_spec(optimizer)
    if spec.learning_rate is None:
        raise ValueError(
            f"The '{optimizer}' optimizer has no learning rate to search. "
            f"Received: optimizer={optimizer!r}"
        )
    check_integer("size", size)
    if size == 1:
        return [float(spec.learning_rate.default)]
    values = np.geomspace(spec.learning_rate.low, spec.learning_rate.high, size)
    return [float(f"{value:.3g}") for value in values]

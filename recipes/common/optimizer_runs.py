"""Optimizer names and learning-rate grids for the recipes that compare optimizers.

Training itself is library code: `keras_recipes.tuning.fit_with_optimizer`.
"""

import math

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


def plot_learning_rate_search(trials, path, metric="final_val_loss", log_y=True,
                              title="Learning-rate search"):
    """Draws a search score against the learning rate, one line per optimizer.

    Args:
        trials: A list of dicts with `"optimizer"`, `"learning_rate"` and
            `metric` keys (non-finite scores are drawn as gaps).
        path: PNG path to write.
        metric: Key of the score to plot. Defaults to `"final_val_loss"`.
        log_y: Whether to use a log scale for the score. Defaults to `True`.
        title: Figure title. Defaults to `"Learning-rate search"`.

    Returns:
        `path`.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.2))
    names = list(dict.fromkeys(trial["optimizer"] for trial in trials))
    for index, name in enumerate(names):
        rows = sorted((t for t in trials if t["optimizer"] == name),
                      key=lambda t: t["learning_rate"])
        rates = [row["learning_rate"] for row in rows]
        scores = [row[metric] if row[metric] is not None and math.isfinite(row[metric])
                  else float("nan") for row in rows]
        axis.plot(rates, scores, marker="o", label=name, color=f"C{index % 10}",
                  linestyle="-" if index < 10 else "--")
    axis.set_xscale("log")
    if log_y:
        axis.set_yscale("log")
    axis.set_xlabel("learning rate")
    axis.set_ylabel(metric)
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small", ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path

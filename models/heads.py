"""Task heads, losses and metrics for binary, multiclass and regression."""

import numbers

import keras

TASKS = ("binary", "multiclass", "regression")


def check_task(task, num_classes=None):
    """Validates a task and its number of classes.

    Args:
        task: One of `"binary"`, `"multiclass"` or `"regression"`.
        num_classes: Number of classes. `None` or 2 for `"binary"`; an
            integer `>= 2` for `"multiclass"`; ignored for `"regression"`.
            Defaults to `None`.

    Returns:
        The number of output units of the task's head.

    Raises:
        ValueError: If `task` is unknown or `num_classes` does not fit it.
    """
    _check_task_name(task)
    if task == "binary" and num_classes not in (None, 2):
        raise ValueError(
            "The 'num_classes' parameter must be None or 2 for a binary "
            f"task. Received: num_classes={num_classes!r}"
        )
    if task == "multiclass" and (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, numbers.Integral)
        or num_classes < 2
    ):
        raise ValueError(
            "The 'num_classes' parameter must be an integer >= 2 for a "
            f"multiclass task. Received: num_classes={num_classes!r}"
        )
    return int(num_classes) if task == "multiclass" else 1


def task_head(x, task, num_classes=None):
    """Applies the output layer of a task to a feature tensor.

    Binary tasks get `Dense(1, "sigmoid")`, multiclass tasks
    `Dense(num_classes, "softmax")` and regression `Dense(1)` (linear).
    The head computes in float32, so models stay numerically stable under
    mixed precision.

    Args:
        x: A symbolic feature tensor of shape `(batch, features)`.
        task: One of `"binary"`, `"multiclass"` or `"regression"`.
        num_classes: Number of classes, see `check_task`. Defaults to `None`.

    Returns:
        The symbolic output tensor, named `"head"`.

    Raises:
        ValueError: If `task` or `num_classes` is invalid.
    """
    units = check_task(task, num_classes)
    activation = {"binary": "sigmoid", "multiclass": "softmax"}.get(task)
    return keras.layers.Dense(
        units, activation=activation, dtype="float32", name="head"
    )(x)


def task_loss(task):
    """Returns the loss for a task with integer (or float) labels.

    Args:
        task: One of `"binary"`, `"multiclass"` or `"regression"`.

    Returns:
        `"binary_crossentropy"`, `"sparse_categorical_crossentropy"` or
        `"mse"`.

    Raises:
        ValueError: If `task` is unknown.

    Example:

    >>> task_loss("multiclass")
    'sparse_categorical_crossentropy'
    """
    _check_task_name(task)
    return {
        "binary": "binary_crossentropy",
        "multiclass": "sparse_categorical_crossentropy",
        "regression": "mse",
    }[task]


def task_metrics(task):
    """Returns fresh metrics to compile a model for a task with.

    Args:
        task: One of `"binary"`, `"multiclass"` or `"regression"`.

    Returns:
        `["accuracy"]` for classification; `["mae", RootMeanSquaredError]`
        (named `"rmse"`) for regression.

    Raises:
        ValueError: If `task` is unknown.
    """
    _check_task_name(task)
    if task == "regression":
        return ["mae", keras.metrics.RootMeanSquaredError(name="rmse")]
    return ["accuracy"]


def _check_task_name(task):
    """Raises ValueError unless `task` is one of `TASKS`."""
    if not isinstance(task, str) or task not in TASKS:
        raise ValueError(
            f"The 'task' parameter must be one of: {', '.join(TASKS)}. "
            f"Received: task={task!r}"
        )

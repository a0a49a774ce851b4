"""Training losses by name, for the integer labels and targets the recipes use.

`task_loss(task)` gives the default loss of a task; `create_loss(name,
task)` gives the alternatives the loss recipes compare, each taking the
same labels as the default (class indices for classification):

| task | names |
|---|---|
| binary | `crossentropy` (with `label_smoothing`), `focal` (`gamma`) |
| multiclass | `crossentropy` (with `label_smoothing`), `focal` (`gamma`) |
| regression | `mse`, `mae`, `huber` (`delta`) |

Keras's label-smoothed and focal categorical losses want one-hot labels;
`OneHotLabels` wraps them so they take class indices, and it serialises,
so a model compiled with it saves and reloads as `.keras`.

Example:

>>> loss = create_loss("crossentropy", "multiclass", num_classes=10,
...                    label_smoothing=0.1)
>>> model.compile(optimizer="adam", loss=loss)
"""

import numbers

import keras
from keras import ops

from keras_recipes.models.heads import check_task

LOSSES = {
    "binary": ("crossentropy", "focal"),
    "multiclass": ("crossentropy", "focal"),
    "regression": ("mse", "mae", "huber"),
}


def list_losses(task):
    """Lists the loss names `create_loss` accepts for a task.

    Args:
        task: `"binary"`, `"multiclass"` or `"regression"`.

    Returns:
        A tuple of names, the task's default first.

    Raises:
        ValueError: If `task` is unknown.
    """
    if task not in LOSSES:
        raise ValueError(f"The 'task' parameter must be one of: {', '.join(LOSSES)}. "
                         f"Got {task!r} instead.")
    return LOSSES[task]


@keras.saving.register_keras_serializable(package="keras_recipes")
class OneHotLabels(keras.losses.Loss):
    """Applies a categorical loss to integer class labels.

    The labels (`(batch,)` or `(batch, 1)` class indices) are one-hot
    encoded before the wrapped loss sees them, so label smoothing and the
    categorical focal loss work with the sparse labels every recipe uses.

    Args:
        loss: A categorical Keras loss object, such as
            `keras.losses.CategoricalCrossentropy(label_smoothing=0.1)`.
        num_classes: Number of classes, an integer >= 2.
        **kwargs: Base `keras.losses.Loss` arguments (`name`, `reduction`,
            `dtype`).

    Raises:
        ValueError: If `num_classes` is not an integer >= 2, or `loss` is
            not a Keras loss object.

    Example:

    >>> loss = OneHotLabels(keras.losses.CategoricalFocalCrossentropy(), 3)
    >>> float(loss(np.array([0, 2]), np.array([[0.8, 0.1, 0.1], [0.2, 0.2, 0.6]])))
    """

    def __init__(self, loss, num_classes, **kwargs):
        kwargs.setdefault("name", f"one_hot_{getattr(loss, 'name', 'loss')}")
        super().__init__(**kwargs)
        if isinstance(loss, dict):
            loss = keras.losses.deserialize(loss)
        if not isinstance(loss, keras.losses.Loss):
            raise ValueError("The 'loss' parameter of OneHotLabels must be a Keras loss "
                             f"object. Got {loss!r} instead.")
        if (isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral)
                or num_classes < 2):
            raise ValueError("The 'num_classes' parameter of OneHotLabels must be an "
                             f"integer >= 2. Got {num_classes!r} instead.")
        self.loss = loss
        self.num_classes = int(num_classes)

    def call(self, y_true, y_pred):
        labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        one_hot = ops.one_hot(labels, self.num_classes, dtype=y_pred.dtype)
        return self.loss.call(one_hot, y_pred)

    def get_config(self):
        config = super().get_config()
        config.update({"loss": keras.losses.serialize(self.loss),
                       "num_classes": self.num_classes})
        return config


def create_loss(name, task, num_classes=None, label_smoothing=0.0, gamma=2.0, delta=1.0):
    """Creates a loss by name for a task's labels.

    `crossentropy` with `label_smoothing=0` is the task's default
    (`task_loss`). `focal` is the focal loss of Lin et al. (2017),
    `-(1 - p_true)^gamma * log(p_true)`, with no class weighting (use class
    weights for that); `gamma=0` gives the cross-entropy back. `huber` is
    quadratic within `delta` of the target and linear beyond it, in the
    target's units.

    Args:
        name: One of `list_losses(task)`.
        task: `"binary"`, `"multiclass"` or `"regression"`.
        num_classes: Number of classes of a multiclass task. Defaults to
            `None`.
        label_smoothing: For the classification losses: the targets become
            `(1 - label_smoothing) * one_hot + label_smoothing / classes`.
            A number in `[0, 1)`. Defaults to `0.0`.
        gamma: Focusing exponent of `focal`, a number >= 0. Defaults to
            `2.0`.
        delta: Where `huber` turns from quadratic to linear, a positive
            number. Defaults to `1.0`.

    Returns:
        A `keras.losses.Loss`.

    Raises:
        ValueError: If the name does not fit the task (the message lists
            the valid names) or an option is out of range.

    Example:

    >>> create_loss("huber", "regression", delta=2.0).name
    'huber_loss'
    """
    valid = list_losses(task)
    if name not in valid:
        raise ValueError(f"The 'name' parameter must be one of {', '.join(valid)} for a "
                         f"{task} task. Got {name!r} instead.")
    _check_number("label_smoothing", label_smoothing, "in [0, 1)", lambda v: 0 <= v < 1)
    _check_number("gamma", gamma, ">= 0", lambda v: 0 <= v < float("inf"))
    _check_number("delta", delta, "> 0", lambda v: 0 < v < float("inf"))
    if task == "regression":
        return {"mse": keras.losses.MeanSquaredError,
                "mae": keras.losses.MeanAbsoluteError,
                "huber": lambda: keras.losses.Huber(delta=float(delta))}[name]()
    if task == "binary":
        if name == "focal":
            return keras.losses.BinaryFocalCrossentropy(
                gamma=float(gamma), label_smoothing=float(label_smoothing))
        return keras.losses.BinaryCrossentropy(label_smoothing=float(label_smoothing))
    num_classes = check_task(task, num_classes)
    if name == "crossentropy" and label_smoothing == 0:
        return keras.losses.SparseCategoricalCrossentropy()
    if name == "focal":
        categorical = keras.losses.CategoricalFocalCrossentropy(
            alpha=1.0, gamma=float(gamma), label_smoothing=float(label_smoothing))
    else:
        categorical = keras.losses.CategoricalCrossentropy(
            label_smoothing=float(label_smoothing))
    return OneHotLabels(categorical, num_classes)


def _check_number(name, value, bounds, inside):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not inside(value):
        raise ValueError(f"The '{name}' parameter must be a number {bounds}. "
                         f"Got {value!r} instead.")

"""A multilayer perceptron for feature vectors (tabular data)."""

import keras

from keras_recipes.models.heads import check_task
from keras_recipes.models.heads import task_head
from keras_recipes.models.inputs import model_inputs
from keras_recipes.models.options import check_activation
from keras_recipes.models.options import check_bool
from keras_recipes.models.options import check_initializer
from keras_recipes.models.options import check_int
from keras_recipes.models.options import check_rate
from keras_recipes.models.options import check_regularizer


def build_mlp(
    input_shape=None,
    task=None,
    num_classes=None,
    preprocessing=None,
    *,
    units=64,
    depth=2,
    dropout=0.0,
    activation="relu",
    kernel_initializer="glorot_uniform",
    l1=0.0,
    l2=0.0,
    batch_norm=False,
):
    """Builds a multilayer perceptron with a task head.

    Each of the `depth` hidden blocks is `Dense(units)`, then
    `BatchNormalization` (with `batch_norm`), the activation and `Dropout`
    (with `dropout > 0`).

    Args:
        input_shape: Shape of one sample, `(features,)`. Ignored when
            `preprocessing` is given. Defaults to `None`.
        task: `"binary"`, `"multiclass"` or `"regression"`.
            Defaults to `None`, which is refused.
        num_classes: Number of classes (see `task_head`). Defaults to `None`.
        preprocessing: `None`, or a functional `keras.Model` (such as the
            one `build_tabular_preprocessing` returns) whose inputs become
            the model's inputs. Defaults to `None`.
        units: Width of each hidden layer. Defaults to `64`.
        depth: Number of hidden layers; 0 gives a linear model.
            Defaults to `2`.
        dropout: Dropout rate after each hidden layer. Defaults to `0.0`.
        activation: Hidden activation (see `options.ACTIVATIONS`).
            Defaults to `"relu"`.
        kernel_initializer: Kernel initializer (see `options.INITIALIZERS`).
            Defaults to `"glorot_uniform"`.
        l1: L1 penalty on the hidden kernels. Defaults to `0.0`.
        l2: L2 penalty on the hidden kernels. Defaults to `0.0`.
        batch_norm: Whether to batch-normalise each hidden layer.
            Defaults to `False`.

    Returns:
        An uncompiled functional `keras.Model` named `"mlp"`.

    Raises:
        ValueError: If an argument is invalid.

    Example:

    >>> model = build_mlp(input_shape=(30,), task="binary")
    """
    check_task(task, num_classes)
    units = check_int("units", units, 1)
    depth = check_int("depth", depth, 0)
    dropout = check_rate("dropout", dropout)
    activation = check_activation(activation)
    kernel_initializer = check_initializer(kernel_initializer)
    regularizer = check_regularizer(l1, l2)
    batch_norm = check_bool("batch_norm", batch_norm)
    inputs, x = model_inputs(input_shape, preprocessing, rank=1)
    for i in range(depth):
        x = keras.layers.Dense(
            units,
            use_bias=not batch_norm,
            kernel_initializer=kernel_initializer,
            kernel_regularizer=regularizer,
            name=f"dense_{i}",
        )(x)
        if batch_norm:
            x = keras.layers.BatchNormalization(name=f"batch_norm_{i}")(x)
        x = keras.layers.Activation(activation, name=f"activation_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    outputs = task_head(x, task, num_classes)
    return keras.Model(inputs, outputs, name="mlp")

"""A recurrent network (LSTM or GRU) for sequences."""

import keras

from keras_recipes.models.heads import check_task
from keras_recipes.models.heads import task_head
from keras_recipes.models.inputs import model_inputs
from keras_recipes.models.options import check_activation
from keras_recipes.models.options import check_choice
from keras_recipes.models.options import check_initializer
from keras_recipes.models.options import check_int
from keras_recipes.models.options import check_rate
from keras_recipes.models.options import check_regularizer

CELLS = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}


def build_rnn(
    input_shape=None,
    task=None,
    num_classes=None,
    preprocessing=None,
    *,
    cell="lstm",
    units=32,
    depth=1,
    dropout=0.0,
    activation="tanh",
    kernel_initializer="glorot_uniform",
    l1=0.0,
    l2=0.0,
):
    """Builds a stack of recurrent layers with a task head.

    `depth` LSTM or GRU layers of `units` each; all but the last return
    their whole sequence, the last its final state, which feeds the head.
    `Dropout` (with `dropout > 0`) follows each recurrent layer; the
    layers' own recurrent dropout stays off so the fast cuDNN kernels apply
    on GPU (with the default `"tanh"` activation).

    Args:
        input_shape: Shape of one sequence, `(timesteps, features)`;
            `timesteps` may be `None` for variable-length sequences.
            Ignored when `preprocessing` is given. Defaults to `None`.
        task: `"binary"`, `"multiclass"` or `"regression"`.
            Defaults to `None`, which is refused.
        num_classes: Number of classes (see `task_head`). Defaults to `None`.
        preprocessing: `None`, or a functional `keras.Model` whose inputs
            become the model's inputs. Defaults to `None`.
        cell: `"lstm"` or `"gru"`. Defaults to `"lstm"`.
        units: Width of each recurrent layer. Defaults to `32`.
        depth: Number of recurrent layers. Defaults to `1`.
        dropout: Dropout rate after each recurrent layer. Defaults to `0.0`.
        activation: Activation of the cell (see `options.ACTIVATIONS`).
            Defaults to `"tanh"`.
        kernel_initializer: Input kernel initializer (see
            `options.INITIALIZERS`). Defaults to `"glorot_uniform"`.
        l1: L1 penalty on the input kernels. Defaults to `0.0`.
        l2: L2 penalty on the input kernels. Defaults to `0.0`.

    Returns:
        An uncompiled functional `keras.Model` named `"rnn"`.

    Raises:
        ValueError: If an argument is invalid.

    Example:

    >>> model = build_rnn((None, 3), "regression", cell="gru")
    """
    check_task(task, num_classes)
    layer_class = CELLS[check_choice("cell", cell, tuple(CELLS))]
    units = check_int("units", units, 1)
    depth = check_int("depth", depth, 1)
    dropout = check_rate("dropout", dropout)
    activation = check_activation(activation)
    kernel_initializer = check_initializer(kernel_initializer)
    regularizer = check_regularizer(l1, l2)
    inputs, x = model_inputs(input_shape, preprocessing, rank=2, allow_none=True)
    for i in range(depth):
        x = layer_class(
            units,
            activation=activation,
            kernel_initializer=kernel_initializer,
            kernel_regularizer=regularizer,
            return_sequences=i < depth - 1,
            name=f"{cell}_{i}",
        )(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    outputs = task_head(x, task, num_classes)
    return keras.Model(inputs, outputs, name="rnn")

"""A deep MLP made of blocks, with or without residual (skip) connections."""

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


def build_residual_mlp(
    input_shape=None,
    task=None,
    num_classes=None,
    preprocessing=None,
    *,
    units=64,
    blocks=4,
    layers_per_block=2,
    residual=True,
    zero_init_residual=False,
    dropout=0.0,
    activation="relu",
    kernel_initializer="he_normal",
    l1=0.0,
    l2=0.0,
    batch_norm=False,
):
    """Builds a deep MLP of dense blocks, residual or plain, with a task head.

    A `Dense(units)` stem (`stem`, then its activation) maps the features
    to the block width. Each of the `blocks` blocks is `layers_per_block`
    dense layers (`block<i>_dense<j>`, each followed by `BatchNormalization`
    with `batch_norm`); all but the last are followed by the activation.
    With `residual=True` the block's input is added to its output
    (`block<i>_add`) before the block's final activation, the basic block of
    a ResNet; with `residual=False` the same layers are stacked without the
    shortcut, so the two models differ only by the additions and have the
    same weights. With `zero_init_residual=True` the last dense layer of
    each block starts at zero (its batch norm's scale, with `batch_norm`),
    so each residual block starts as the identity and the network as its
    stem, as torchvision's ResNet option of that name does: without it, He
    initialisation makes every residual block double the variance of the
    signal. `Dropout` (with `dropout > 0`) follows each block. The network
    has `1 + blocks * layers_per_block` hidden dense layers.

    Args:
        input_shape: Shape of one sample, `(features,)`. Ignored when
            `preprocessing` is given. Defaults to `None`.
        task: `"binary"`, `"multiclass"` or `"regression"`.
            Defaults to `None`, which is refused.
        num_classes: Number of classes (see `task_head`). Defaults to `None`.
        preprocessing: `None`, or a functional `keras.Model` (such as the
            one `build_tabular_preprocessing` returns) whose inputs become
            the model's inputs. Defaults to `None`.
        units: Width of the stem and of every block layer. Defaults to `64`.
        blocks: Number of blocks. Defaults to `4`.
        layers_per_block: Dense layers per block. Defaults to `2`.
        residual: Whether each block adds its input to its output.
            Defaults to `True`.
        zero_init_residual: Whether the last layer of each block starts at
            zero. Defaults to `False`.
        dropout: Dropout rate after each block. Defaults to `0.0`.
        activation: Hidden activation (see `options.ACTIVATIONS`).
            Defaults to `"relu"`.
        kernel_initializer: Kernel initializer (see `options.INITIALIZERS`).
            Defaults to `"he_normal"`.
        l1: L1 penalty on the hidden kernels. Defaults to `0.0`.
        l2: L2 penalty on the hidden kernels. Defaults to `0.0`.
        batch_norm: Whether to batch-normalise every hidden dense layer.
            Defaults to `False`.

    Returns:
        An uncompiled functional `keras.Model` named `"residual_mlp"` (or
        `"plain_mlp"` with `residual=False`).

    Raises:
        ValueError: If an argument is invalid, or `zero_init_residual` comes
            without `residual`.

    Example:

    >>> residual = build_residual_mlp((64,), "multiclass", 10, blocks=8)
    >>> plain = build_residual_mlp((64,), "multiclass", 10, blocks=8, residual=False)
    >>> residual.count_params() == plain.count_params()
    True
    """
    check_task(task, num_classes)
    settings = {
        "units": check_int("units", units, 1),
        "activation": check_activation(activation),
        "kernel_initializer": check_initializer(kernel_initializer),
        "regularizer": check_regularizer(l1, l2),
        "batch_norm": check_bool("batch_norm", batch_norm),
    }
    blocks = check_int("blocks", blocks, 1)
    layers_per_block = check_int("layers_per_block", layers_per_block, 1)
    residual = check_bool("residual", residual)
    zero_init_residual = check_bool("zero_init_residual", zero_init_residual)
    if zero_init_residual and not residual:
        raise ValueError(
            "The 'zero_init_residual' option needs residual=True: a plain block "
            "whose last layer starts at zero passes no signal and no gradient. "
            f"Received: zero_init_residual={zero_init_residual}, residual={residual}")
    dropout = check_rate("dropout", dropout)
    inputs, x = model_inputs(input_shape, preprocessing, rank=1)
    x = _dense(x, "stem", settings)
    x = keras.layers.Activation(settings["activation"], name="stem_activation")(x)
    for block in range(blocks):
        shortcut = x
        for index in range(layers_per_block):
            last = index == layers_per_block - 1
            x = _dense(x, f"block{block}_dense{index}", settings,
                       zero=zero_init_residual and last)
            if not last:
                x = keras.layers.Activation(
                    settings["activation"], name=f"block{block}_activation{index}")(x)
        if residual:
            x = keras.layers.Add(name=f"block{block}_add")([x, shortcut])
        x = keras.layers.Activation(settings["activation"], name=f"block{block}_output")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"block{block}_dropout")(x)
    outputs = task_head(x, task, num_classes)
    return keras.Model(inputs, outputs, name="residual_mlp" if residual else "plain_mlp")


def _dense(x, name, settings, zero=False):
    """Dense(units), then BatchNormalization when `settings["batch_norm"]`.

    With `zero`, the layer's output starts at zero: the batch norm's scale
    starts at 0, or (without batch norm) the kernel does.
    """
    batch_norm = settings["batch_norm"]
    x = keras.layers.Dense(
        settings["units"],
        use_bias=not batch_norm,
        kernel_initializer="zeros" if zero and not batch_norm
        else settings["kernel_initializer"],
        kernel_regularizer=settings["regularizer"],
        name=name,
    )(x)
    if batch_norm:
        x = keras.layers.BatchNormalization(
            gamma_initializer="zeros" if zero else "ones", name=f"{name}_batch_norm")(x)
    return x

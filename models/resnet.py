"""A small residual network for images of about 32x32 pixels."""

import keras

from keras_recipes.models.heads import check_task
from keras_recipes.models.heads import task_head
from keras_recipes.models.inputs import model_inputs
from keras_recipes.models.options import check_activation
from keras_recipes.models.options import check_bool
from keras_recipes.models.options import check_initializer
from keras_recipes.models.options import check_int
from keras_recipes.models.options import check_layer
from keras_recipes.models.options import check_rate
from keras_recipes.models.options import check_regularizer


def build_resnet(
    input_shape=None,
    task=None,
    num_classes=None,
    preprocessing=None,
    *,
    filters=16,
    depth=3,
    blocks_per_stage=2,
    dropout=0.0,
    activation="relu",
    kernel_initializer="he_normal",
    l1=0.0,
    l2=0.0,
    batch_norm=True,
    augmentation=None,
):
    """Builds a small ResNet (basic residual blocks) with a task head.

    A 3x3 stem convolution is followed by `depth` stages of
    `blocks_per_stage` residual blocks; stage `i` has `filters * 2**i`
    filters and halves the resolution (from the second stage on). Each
    block is two 3x3 convolutions added to a shortcut (a strided 1x1
    convolution when the shape changes). Global average pooling and
    `Dropout` lead to the head. Images are expected in `[0, 1]`.

    Args:
        input_shape: Shape of one image, `(height, width, channels)`.
            Ignored when `preprocessing` is given. Defaults to `None`.
        task: `"binary"`, `"multiclass"` or `"regression"`.
            Defaults to `None`, which is refused.
        num_classes: Number of classes (see `task_head`). Defaults to `None`.
        preprocessing: `None`, or a functional `keras.Model` whose inputs
            become the model's inputs. Defaults to `None`.
        filters: Filters of the stem and first stage. Defaults to `16`.
        depth: Number of stages. Defaults to `3`.
        blocks_per_stage: Residual blocks per stage. Defaults to `2`.
        dropout: Dropout rate before the head. Defaults to `0.0`.
        activation: Activation (see `options.ACTIVATIONS`).
            Defaults to `"relu"`.
        kernel_initializer: Kernel initializer (see `options.INITIALIZERS`).
            Defaults to `"he_normal"`.
        l1: L1 penalty on the kernels. Defaults to `0.0`.
        l2: L2 penalty on the kernels. Defaults to `0.0`.
        batch_norm: Whether to batch-normalise after each convolution.
            Defaults to `True`.
        augmentation: `None`, or a layer applied to the images first (such
            as `build_augmentation()`). Defaults to `None`.

    Returns:
        An uncompiled functional `keras.Model` named `"resnet"`.

    Raises:
        ValueError: If an argument is invalid.
        TypeError: If `augmentation` is not a layer.

    Example:

    >>> model = build_resnet((32, 32, 3), "multiclass", 10)
    """
    check_task(task, num_classes)
    settings = {
        "activation": check_activation(activation),
        "kernel_initializer": check_initializer(kernel_initializer),
        "regularizer": check_regularizer(l1, l2),
        "batch_norm": check_bool("batch_norm", batch_norm),
    }
    filters = check_int("filters", filters, 1)
    depth = check_int("depth", depth, 1)
    blocks_per_stage = check_int("blocks_per_stage", blocks_per_stage, 1)
    dropout = check_rate("dropout", dropout)
    augmentation = check_layer("augmentation", augmentation)
    inputs, x = model_inputs(input_shape, preprocessing, rank=3)
    if augmentation is not None:
        x = augmentation(x)
    x = _convolution(x, filters, 3, 1, "stem", settings)
    x = keras.layers.Activation(settings["activation"], name="stem_activation")(x)
    for stage in range(depth):
        for block in range(blocks_per_stage):
            strides = 2 if stage > 0 and block == 0 else 1
            x = _residual_block(
                x, filters * 2**stage, strides, f"stage{stage}_block{block}", settings
            )
    x = keras.layers.GlobalAveragePooling2D(name="global_pool")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = task_head(x, task, num_classes)
    return keras.Model(inputs, outputs, name="resnet")


def _convolution(x, filters, kernel_size, strides, name, settings):
    """Conv2D, then BatchNormalization when `settings["batch_norm"]`."""
    x = keras.layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding="same",
        use_bias=not settings["batch_norm"],
        kernel_initializer=settings["kernel_initializer"],
        kernel_regularizer=settings["regularizer"],
        name=f"{name}_conv",
    )(x)
    if settings["batch_norm"]:
        x = keras.layers.BatchNormalization(name=f"{name}_batch_norm")(x)
    return x


def _residual_block(x, filters, strides, name, settings):
    """Two 3x3 convolutions plus a shortcut, then the activation."""
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = _convolution(x, filters, 1, strides, f"{name}_shortcut", settings)
    x = _convolution(x, filters, 3, strides, f"{name}_a", settings)
    x = keras.layers.Activation(settings["activation"], name=f"{name}_a_activation")(x)
    x = _convolution(x, filters, 3, 1, f"{name}_b", settings)
    x = keras.layers.Add(name=f"{name}_add")([x, shortcut])
    return keras.layers.Activation(settings["activation"], name=f"{name}_activation")(x)

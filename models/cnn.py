"""A small convolutional network for images."""

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


def build_cnn(
    input_shape=None,
    task=None,
    num_classes=None,
    preprocessing=None,
    *,
    filters=32,
    depth=2,
    kernel_size=3,
    dropout=0.0,
    activation="relu",
    kernel_initializer="glorot_uniform",
    l1=0.0,
    l2=0.0,
    batch_norm=False,
    augmentation=None,
):
    """Builds a small convnet with a task head.

    Block `i` (of `depth`) is `Conv2D(filters * 2**i, kernel_size)`, then
    `BatchNormalization` (with `batch_norm`), the activation and
    `MaxPooling2D(2)`; global average pooling and `Dropout` lead to the
    head. Images are expected in `[0, 1]`.

    Args:
        input_shape: Shape of one image, `(height, width, channels)`.
            Ignored when `preprocessing` is given. Defaults to `None`.
        task: `"binary"`, `"multiclass"` or `"regression"`.
            Defaults to `None`, which is refused.
        num_classes: Number of classes (see `task_head`). Defaults to `None`.
        preprocessing: `None`, or a functional `keras.Model` whose inputs
            become the model's inputs. Defaults to `None`.
        filters: Filters of the first block, doubled in each next block.
            Defaults to `32`.
        depth: Number of convolution blocks. Defaults to `2`.
        kernel_size: Side of the convolution kernels. Defaults to `3`.
        dropout: Dropout rate before the head. Defaults to `0.0`.
        activation: Activation (see `options.ACTIVATIONS`).
            Defaults to `"relu"`.
        kernel_initializer: Kernel initializer (see `options.INITIALIZERS`).
            Defaults to `"glorot_uniform"`.
        l1: L1 penalty on the kernels. Defaults to `0.0`.
        l2: L2 penalty on the kernels. Defaults to `0.0`.
        batch_norm: Whether to batch-normalise each block.
            Defaults to `False`.
        augmentation: `None`, or a layer applied to the images first (such
            as `build_augmentation()`); random layers only act in training.
            Defaults to `None`.

    Returns:
        An uncompiled functional `keras.Model` named `"cnn"`.

    Raises:
        ValueError: If an argument is invalid.
        TypeError: If `augmentation` is not a layer.

    Example:

    >>> model = build_cnn((28, 28, 1), "multiclass", 10, filters=16)
    """
    check_task(task, num_classes)
    filters = check_int("filters", filters, 1)
    depth = check_int("depth", depth, 1)
    kernel_size = check_int("kernel_size", kernel_size, 1)
    dropout = check_rate("dropout", dropout)
    activation = check_activation(activation)
    kernel_initializer = check_initializer(kernel_initializer)
    regularizer = check_regularizer(l1, l2)
    batch_norm = check_bool("batch_norm", batch_norm)
    augmentation = check_layer("augmentation", augmentation)
    inputs, x = model_inputs(input_shape, preprocessing, rank=3)
    if augmentation is not None:
        x = augmentation(x)
    for i in range(depth):
        x = keras.layers.Conv2D(
            filters * 2**i,
            kernel_size,
            padding="same",
            use_bias=not batch_norm,
            kernel_initializer=kernel_initializer,
            kernel_regularizer=regularizer,
            name=f"conv_{i}",
        )(x)
        if batch_norm:
            x = keras.layers.BatchNormalization(name=f"batch_norm_{i}")(x)
        x = keras.layers.Activation(activation, name=f"activation_{i}")(x)
        x = keras.layers.MaxPooling2D(2, padding="same", name=f"pool_{i}")(x)
    x = keras.layers.GlobalAveragePooling2D(name="global_pool")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = task_head(x, task, num_classes)
    return keras.Model(inputs, outputs, name="cnn")

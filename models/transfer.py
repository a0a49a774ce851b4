"""Transfer learning: a `keras.applications` backbone with a new task head."""

import os

import keras

from keras_recipes.models.heads import check_task
from keras_recipes.models.heads import task_head
from keras_recipes.models.inputs import model_inputs
from keras_recipes.models.options import check_bool
from keras_recipes.models.options import check_choice
from keras_recipes.models.options import check_int
from keras_recipes.models.options import check_layer
from keras_recipes.models.options import check_rate

BACKBONES = {
    "efficientnet_b0": keras.applications.EfficientNetB0,
    "mobilenet_v3_small": keras.applications.MobileNetV3Small,
}
# Smallest side both backbones accept.
MIN_IMAGE_SIZE = 32
# Name of the backbone sub-model, used by `freeze_backbone` and `unfreeze`.
BACKBONE_NAME = "backbone"


def build_transfer(
    input_shape=None,
    task=None,
    num_classes=None,
    preprocessing=None,
    *,
    backbone="mobilenet_v3_small",
    weights=None,
    frozen=None,
    image_size=None,
    dropout=0.2,
    augmentation=None,
):
    """Builds a pretrained (or fresh) image backbone with a new task head.

    The model takes images in `[0, 1]`, repeats a single channel to three,
    resizes them (to `image_size`, or up to the backbone's minimum of 32
    pixels), scales them to the `[0, 255]` range the backbones expect, and
    applies the backbone (without its classifier), global average pooling,
    `Dropout` and the task head. The backbone is a sub-model named
    `"backbone"`; a pretrained one always runs in inference mode
    (`training=False`), so its BatchNormalization statistics stay intact
    when it is fine-tuned later (see `unfreeze`).

    Args:
        input_shape: Shape of one image, `(height, width, channels)` with 1
            or 3 channels. Ignored when `preprocessing` is given.
            Defaults to `None`.
        task: `"binary"`, `"multiclass"` or `"regression"`.
            Defaults to `None`, which is refused.
        num_classes: Number of classes (see `task_head`). Defaults to `None`.
        preprocessing: `None`, or a functional `keras.Model` whose inputs
            become the model's inputs. Defaults to `None`.
        backbone: `"mobilenet_v3_small"` or `"efficientnet_b0"`.
            Defaults to `"mobilenet_v3_small"`.
        weights: `None` (random initialisation), `"imagenet"` (downloaded
            by Keras on first use, needs network) or the path of a local
            weights file of the backbone without its top.
            Defaults to `None`.
        frozen: Whether the backbone starts frozen (not trainable).
            Defaults to `None`: frozen when `weights` is given, trainable
            when the backbone is randomly initialised.
        image_size: Side the images are resized to before the backbone.
            Defaults to `None`: images keep their size, unless a side is
            below 32 pixels, which is then raised to 32.
        dropout: Dropout rate before the head. Defaults to `0.2`.
        augmentation: `None`, or a layer applied to the images first (such
            as `build_augmentation()`). Defaults to `None`.

    Returns:
        An uncompiled functional `keras.Model` named `"transfer"`.

    Raises:
        ValueError: If an argument is invalid or the weights file is missing.
        TypeError: If `augmentation` is not a layer.

    Example:

    ```python
    model = build_transfer((32, 32, 3), "multiclass", 10, weights="imagenet")
    model.compile(...); model.fit(...)  # trains the head
    unfreeze(model, top_n_layers=20)
    model.compile(optimizer=keras.optimizers.Adam(1e-5), ...)  # recompile
    model.fit(...)  # fine-tunes the top of the backbone
    ```
    """
    check_task(task, num_classes)
    backbone_class = BACKBONES[check_choice("backbone", backbone, tuple(BACKBONES))]
    if weights is not None and weights != "imagenet" and not os.path.isfile(weights):
        raise ValueError(
            "The 'weights' option must be None, 'imagenet' or the path of an "
            f"existing weights file. No such file: weights={weights!r}"
        )
    frozen = check_bool("frozen", weights is not None if frozen is None else frozen)
    if image_size is not None:
        image_size = check_int("image_size", image_size, MIN_IMAGE_SIZE)
    dropout = check_rate("dropout", dropout)
    augmentation = check_layer("augmentation", augmentation)
    inputs, x = model_inputs(input_shape, preprocessing, rank=3)
    height, width, channels = x.shape[1:]
    if channels not in (1, 3):
        raise ValueError(
            "The images of model 'transfer' must have 1 or 3 channels. "
            f"Received: input_shape={tuple(x.shape[1:])}"
        )
    if image_size is None and None in (height, width):
        raise ValueError(
            "The 'image_size' option is needed for images of variable size. "
            f"Received: image shape {tuple(x.shape[1:])}, image_size=None"
        )
    if augmentation is not None:
        x = augmentation(x)
    if channels == 1:
        x = keras.layers.Concatenate(name="to_rgb")([x, x, x])
    size = (
        (image_size, image_size)
        if image_size is not None
        else (max(height, MIN_IMAGE_SIZE), max(width, MIN_IMAGE_SIZE))
    )
    if size != (height, width):
        x = keras.layers.Resizing(*size, name="resize")(x)
    x = keras.layers.Rescaling(255.0, name="to_255")(x)
    base = backbone_class(
        include_top=False,
        weights=weights,
        input_shape=(*size, 3),
        name=BACKBONE_NAME,
    )
    base.trainable = not frozen
    x = base(x, training=False) if weights is not None else base(x)
    x = keras.layers.GlobalAveragePooling2D(name="global_pool")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = task_head(x, task, num_classes)
    return keras.Model(inputs, outputs, name="transfer")

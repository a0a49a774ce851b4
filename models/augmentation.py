"""Image augmentation from Keras's own preprocessing layers.

Images are float arrays in `[0, 1]`, channels last. The layers are random
only in training (`training=True`, as inside `fit`); in inference they
return their input unchanged, so they can sit inside a model.
"""

import numbers

import keras
from keras import ops

# Factors of each transformation at strength 1.
ROTATION = 0.2  # fraction of a full turn: +-72 degrees
ZOOM = 0.3
TRANSLATION = 0.2
CONTRAST = 0.5
CROP = 0.3


def build_augmentation(
    strength=0.5,
    flip=True,
    rotation=True,
    zoom=True,
    translation=True,
    contrast=True,
    crop=False,
    seed=None,
):
    """Builds a pipeline of random image transformations.

    Every transformation's range scales linearly with `strength`: at 1
    rotation is up to +-72 degrees (0.2 of a turn), zoom +-30%, translation
    +-20% and contrast +-50%; at 0 the pipeline is the identity.

    Args:
        strength: Number in `[0, 1]` scaling every transformation.
            Defaults to `0.5`.
        flip: Random horizontal flips. Defaults to `True`.
        rotation: Random rotations. Defaults to `True`.
        zoom: Random zoom in and out. Defaults to `True`.
        translation: Random shifts. Defaults to `True`.
        contrast: Random contrast changes. Defaults to `True`.
        crop: Random crops resized back to the image size (a zoom-in by up
            to 30% at strength 1, independent per axis). Defaults to `False`.
        seed: `None`, or an integer that makes the pipeline reproducible
            (each layer gets `seed + i`). Defaults to `None`.

    Returns:
        A `keras.Sequential` named `"augmentation"`.

    Raises:
        ValueError: If `strength` is not in `[0, 1]`.

    Example:

    ```python
    augmentation = build_augmentation(strength=0.3, flip=False, seed=0)
    model = create_model("cnn", (8, 8, 1), "multiclass", 10,
                         augmentation=augmentation)
    ```
    """
    strength = _check_strength(strength)
    transformations = [
        (flip, keras.layers.RandomFlip, {"mode": "horizontal", "name": "flip"}),
        (
            rotation,
            keras.layers.RandomRotation,
            {"factor": ROTATION * strength, "name": "rotation"},
        ),
        (
            zoom,
            keras.layers.RandomZoom,
            {"height_factor": ZOOM * strength, "name": "zoom"},
        ),
        (
            translation,
            keras.layers.RandomTranslation,
            {
                "height_factor": TRANSLATION * strength,
                "width_factor": TRANSLATION * strength,
                "name": "translation",
            },
        ),
        (
            contrast,
            keras.layers.RandomContrast,
            {"factor": CONTRAST * strength, "value_range": (0, 1), "name": "contrast"},
        ),
        (
            crop,
            keras.layers.RandomZoom,
            {
                "height_factor": (-CROP * strength, 0.0),
                "width_factor": (-CROP * strength, 0.0),
                "name": "crop",
            },
        ),
    ]
    chosen = [
        (layer_class, kwargs)
        for enabled, layer_class, kwargs in transformations
        if strength > 0 and enabled
    ]
    layers = [
        layer_class(seed=None if seed is None else seed + i, **kwargs)
        for i, (layer_class, kwargs) in enumerate(chosen)
    ]
    return keras.Sequential(
        layers or [keras.layers.Identity(name="identity")], name="augmentation"
    )


def build_rand_augment(strength=0.5, num_ops=2, seed=None):
    """Builds Keras's RandAugment for images in `[0, 1]`.

    Args:
        strength: Number in `[0, 1]`, the magnitude of each operation.
            Defaults to `0.5`.
        num_ops: Number of random operations applied to each image.
            Defaults to `2`.
        seed: `None`, or an integer for reproducibility. Defaults to `None`.

    Returns:
        A `keras.layers.RandAugment` layer.

    Raises:
        ValueError: If `strength` is not in `[0, 1]`.
    """
    return keras.layers.RandAugment(
        value_range=(0, 1),
        num_ops=num_ops,
        factor=_check_strength(strength),
        seed=seed,
        name="rand_augment",
    )


def build_label_mixing(num_classes, method="mixup", strength=0.2, seed=None):
    """Builds a batch augmentation that mixes images and their labels.

    `"mixup"` (keras.layers.MixUp) blends pairs of images; `"cutmix"`
    (keras.layers.CutMix) pastes a patch of one image into another. The
    labels become soft one-hot vectors, so compile the model with
    `"categorical_crossentropy"` instead of the sparse loss. Apply it to
    training batches only, for example in `tf.data`:
    `train.batch(32).map(mix)`.

    Args:
        num_classes: Number of classes of the integer labels.
        method: `"mixup"` or `"cutmix"`. Defaults to `"mixup"`.
        strength: Number in `[0, 1]`: MixUp's `alpha` or CutMix's `factor`.
            Defaults to `0.2`.
        seed: `None`, or an integer for reproducibility. Defaults to `None`.

    Returns:
        A function `(images, labels) -> (mixed_images, soft_labels)` on a
        batch of images and integer labels.

    Raises:
        ValueError: If `method` or `strength` is invalid.
    """
    strength = _check_strength(strength)
    if method == "mixup":
        layer = keras.layers.MixUp(alpha=strength, seed=seed)
    elif method == "cutmix":
        layer = keras.layers.CutMix(factor=strength, seed=seed)
    else:
        raise ValueError(
            "The 'method' parameter must be one of: mixup, cutmix. "
            f"Received: method={method!r}"
        )

    def mix(images, labels):
        labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
        one_hot = ops.one_hot(labels, num_classes)
        mixed = layer({"images": images, "labels": one_hot})
        return mixed["images"], mixed["labels"]

    return mix


def _check_strength(strength):
    """Returns `strength` as a float if it lies in `[0, 1]`."""
    if (
        isinstance(strength, bool)
        or not isinstance(strength, numbers.Real)
        or not 0 <= strength <= 1
    ):
        raise ValueError(
            "The 'strength' parameter must be a number in [0, 1]. "
            f"Received: strength={strength!r}"
        )
    return float(strength)

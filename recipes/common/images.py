"""Image data sets for the recipes: generated shapes, digits, image folders.

Every loader returns `(x, y, class_names)`: `x` a float32 array of shape
`(samples, height, width, channels)` in `[0, 1]`, `y` integer labels and
`class_names` a tuple of strings indexed by label.
"""

import numbers
import os
import re

import keras
import numpy as np
from sklearn.datasets import load_digits

SHAPES = ("circle", "square", "triangle")
IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def make_shapes(
    n_samples=600,
    image_size=32,
    classes=SHAPES,
    noise=0.1,
    seed=0,
):
    """Generates RGB images of filled shapes, one shape per image.

    Each image has a random background colour, one shape of random size
    (a quarter to three quarters of the image), position and colour, and
    Gaussian pixel noise. The classes are balanced and shuffled; the same
    seed gives the same images.

    Args:
        n_samples: Number of images. Defaults to `600`.
        image_size: Side of the square images, at least 8.
            Defaults to `32`.
        classes: Shapes to draw, a subset of `("circle", "square",
            "triangle")` with at least 2. Defaults to all three.
        noise: Standard deviation of the pixel noise. Defaults to `0.1`.
        seed: Random seed. Defaults to `0`.

    Returns:
        A tuple `(x, y, class_names)`: `x` float32 of shape
        `(n_samples, image_size, image_size, 3)` in `[0, 1]`, `y` int64
        labels indexing `class_names`, which is `tuple(classes)`.

    Raises:
        ValueError: If an argument is invalid.

    Example:

    >>> x, y, class_names = make_shapes(n_samples=30, image_size=16)
    >>> x.shape
    (30, 16, 16, 3)
    """
    _check_int("n_samples", n_samples, 1)
    _check_int("image_size", image_size, 8)
    classes = tuple(classes)
    if (
        len(classes) < 2
        or len(set(classes)) != len(classes)
        or not set(classes) <= set(SHAPES)
    ):
        raise ValueError(
            "The 'classes' parameter must hold at least 2 distinct names of: "
            f"{', '.join(SHAPES)}. Received: classes={classes}"
        )
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or noise < 0:
        raise ValueError(
            f"The 'noise' parameter must be a number >= 0. Received: noise={noise!r}"
        )
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n_samples) % len(classes))
    rows, columns = np.mgrid[0:image_size, 0:image_size] + 0.5
    x = np.empty((n_samples, image_size, image_size, 3), dtype="float32")
    for i, label in enumerate(y):
        radius = rng.uniform(0.125, 0.375) * image_size
        center = rng.uniform(radius, image_size - radius, size=2)
        mask = _shape_mask(
            classes[label], rows - center[0], columns - center[1], radius
        )
        background, foreground = rng.uniform(0, 1, size=(2, 3))
        # Keep the shape visible: push its colour away from the background.
        foreground = np.where(
            np.abs(foreground - background) < 0.3,
            (background + 0.5) % 1.0,
            foreground,
        )
        image = np.where(mask[..., None], foreground, background)
        image = image + rng.normal(0.0, noise, size=image.shape)
        x[i] = np.clip(image, 0.0, 1.0)
    return x, y.astype("int64"), classes


def _shape_mask(shape, dy, dx, radius):
    """Boolean mask of a shape centred at offsets (dy, dx) == 0."""
    if shape == "circle":
        return dy**2 + dx**2 <= radius**2
    if shape == "square":
        half = radius * 0.8
        return (np.abs(dy) <= half) & (np.abs(dx) <= half)
    # Triangle pointing up: apex at (-radius, 0), base at dy = 0.8 * radius.
    base = 0.8 * radius
    width_at_row = (dy + radius) / (base + radius) * radius
    return (dy >= -radius) & (dy <= base) & (np.abs(dx) <= width_at_row)


def load_digits_images():
    """Loads scikit-learn's bundled 8x8 handwritten digits as images.

    Returns:
        A tuple `(x, y, class_names)`: `x` float32 of shape
        `(1797, 8, 8, 1)` in `[0, 1]`, `y` int64 labels 0-9 and
        `class_names` the strings `"0"` to `"9"`.

    Example:

    >>> x, y, class_names = load_digits_images()
    >>> x.shape
    (1797, 8, 8, 1)
    """
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    return x, digits.target.astype("int64"), tuple(str(c) for c in digits.target_names)


def load_image_folder(path, image_size=(32, 32), seed=0):
    """Loads a folder of images with one sub-folder per class.

    Like `keras.utils.image_dataset_from_directory`, but returning arrays
    and checking every file up front: `path/<class_name>/<image>` with
    images in `.bmp`, `.gif`, `.jpeg`, `.jpg` or `.png` (other files are
    ignored; sub-folders of a class folder are searched too). Images are
    converted to RGB and resized to `image_size`.

    Args:
        path: The folder.
        image_size: `(height, width)` of the returned images.
            Defaults to `(32, 32)`.
        seed: Seed of the shuffle of the samples. Defaults to `0`.

    Returns:
        A tuple `(x, y, class_names)`: `x` float32 of shape
        `(samples, height, width, 3)` in `[0, 1]`, `y` int64 labels and
        `class_names` the sorted sub-folder names.

    Raises:
        ValueError: If the folder is missing, has fewer than 2 class
            sub-folders, a class folder has no images, an image file cannot
            be read (the file is named), or `image_size` is invalid.

    Example:

    ```python
    x, y, class_names = load_image_folder("data/flowers", image_size=(64, 64))
    ```
    """
    if (
        not isinstance(image_size, (tuple, list))
        or len(image_size) != 2
        or not all(
            isinstance(size, numbers.Integral)
            and not isinstance(size, bool)
            and size > 0
            for size in image_size
        )
    ):
        raise ValueError(
            "The 'image_size' parameter must be a (height, width) pair of "
            f"positive integers. Received: image_size={image_size!r}"
        )
    if not os.path.isdir(path):
        raise ValueError(f"Image folder '{path}' does not exist.")
    class_names = tuple(
        sorted(entry.name for entry in os.scandir(path) if entry.is_dir())
    )
    if not class_names:
        raise ValueError(
            f"Image folder '{path}' is empty: expected one sub-folder of "
            "images per class."
        )
    if len(class_names) == 1:
        raise ValueError(
            f"Image folder '{path}' has a single class sub-folder "
            f"'{class_names[0]}'; at least 2 classes are needed."
        )
    files, labels = [], []
    for label, name in enumerate(class_names):
        found = _image_files(os.path.join(path, name))
        if not found:
            raise ValueError(
                f"Class folder '{os.path.join(path, name)}' has no images "
                f"({', '.join(IMAGE_EXTENSIONS)})."
            )
        files += found
        labels += [label] * len(found)
    x = np.stack([_read_image(file, image_size) for file in files])
    order = np.random.default_rng(seed).permutation(len(files))
    return x[order], np.array(labels, dtype="int64")[order], class_names


def _image_files(folder):
    """Sorted paths of the image files under `folder`."""
    return sorted(
        os.path.join(root, name)
        for root, _, names in os.walk(folder)
        for name in names
        if name.lower().endswith(IMAGE_EXTENSIONS)
    )


def _read_image(file, image_size):
    """Reads one image as float32 RGB in [0, 1] of `image_size`."""
    try:  # Pillow reads lazily: a truncated file fails in `img_to_array`.
        image = keras.utils.load_img(
            file, color_mode="rgb", target_size=tuple(image_size)
        )
        pixels = keras.utils.img_to_array(image, dtype="float32")
    except (OSError, ValueError, SyntaxError) as error:
        # Pillow names the in-memory copy it read (`<_io.BytesIO object at 0x...>`).
        reason = re.sub(r"\s*<_io\.BytesIO object at 0x[0-9a-fA-F]+>", "", str(error))
        raise ValueError(f"Cannot read image file '{file}': {reason}; fix or remove "
                         "the file.") from None
    return pixels / 255.0


def _check_int(name, value, minimum):
    """Raises ValueError unless `value` is an integer >= `minimum`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
    ):
        raise ValueError(
            f"The '{name}' parameter must be an integer >= {minimum}. "
            f"Received: {name}={value!r}"
        )

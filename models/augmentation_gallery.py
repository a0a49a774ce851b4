"""A PNG gallery of images next to their augmented variants."""

import numbers
import os
import tempfile

import keras
import numpy as np
from matplotlib.figure import Figure


def save_augmentation_gallery(images, augmenter, path, n=8, seed=0):
    """Draws `n` images (top row) and one augmented variant of each (bottom row).

    The figure is drawn with matplotlib's Agg canvas, without pyplot, so
    it neither needs a display nor changes a notebook's backend. The file
    is written atomically: a partial PNG never replaces a good one.

    Args:
        images: Float array of shape `(samples, height, width, channels)`
            in `[0, 1]`, with 1 or 3 channels.
        augmenter: A layer or callable applied with `training=True`, such
            as `build_augmentation()`.
        path: Where to write the PNG.
        n: Number of images drawn, picked at random. Defaults to `8`.
        seed: Seed of the pick of images. Defaults to `0`.

    Returns:
        `path`.

    Raises:
        ValueError: If `images` is not a batch of images or `n` is not in
            `[1, samples]`.

    Example:

    ```python
    save_augmentation_gallery(x_train, build_augmentation(0.5), "runs/aug.png")
    ```
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            "The 'images' parameter must have shape (samples, height, width, "
            f"1 or 3). Received: shape={images.shape}"
        )
    if (
        isinstance(n, bool)
        or not isinstance(n, numbers.Integral)
        or not 1 <= n <= len(images)
    ):
        raise ValueError(
            f"The 'n' parameter must be an integer in [1, {len(images)}]. "
            f"Received: n={n!r}"
        )
    rng = np.random.default_rng(seed)
    picked = images[rng.choice(len(images), int(n), replace=False)]
    augmented = keras.ops.convert_to_numpy(augmenter(picked, training=True))
    figure = Figure(figsize=(1.5 * n, 3.4))
    axes = figure.subplots(2, int(n), squeeze=False)
    for row, (title, batch) in enumerate(
        (("original", picked), ("augmented", augmented))
    ):
        for column in range(n):
            image = np.clip(batch[column].squeeze(), 0, 1)
            axes[row, column].imshow(image, cmap="gray", vmin=0, vmax=1)
            axes[row, column].set_axis_off()
        axes[row, 0].set_title(title, loc="left", fontsize=9)
    figure.tight_layout()
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, suffix=".png")
    try:
        with os.fdopen(handle, "wb") as file:
            figure.savefig(file, format="png", dpi=100)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path

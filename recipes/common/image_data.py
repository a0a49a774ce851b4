"""Image data of the image recipes: bundled shapes or digits, or a folder.

Image recipes choose their images with the same flags: `--dataset shapes`
(generated, the default) or `--dataset digits` (scikit-learn's bundled
8x8 digits), or `--images DIR` for a folder of the user's own images with
one sub-folder per class; `--image-size` sets the side of the square images
the model sees, and `--train-size` keeps only a small stratified subset of
the training split (the validation and test splits stay whole, so the
scores stay precise). Nothing here touches the network.
"""

import dataclasses
import numbers
import typing

import keras
import numpy as np
from sklearn.model_selection import train_test_split

from keras_recipes.recipes.common.config import RecipeConfig
from keras_recipes.recipes.common.config import option
from keras_recipes.recipes.common.datasets import Dataset
from keras_recipes.recipes.common.datasets import split_dataset
from keras_recipes.recipes.common.images import load_digits_images
from keras_recipes.recipes.common.images import load_image_folder
from keras_recipes.recipes.common.images import make_shapes

IMAGE_DATASETS = ("shapes", "digits")
# Generated shapes: 2000 images give 1400/300/300 train/val/test images.
SHAPES_SAMPLES = 2000
MIN_IMAGE_SIZE = 8


@dataclasses.dataclass
class ImageDataConfig(RecipeConfig):
    """Settings of recipes that train on images: bundled or the user's folder.

    A recipe's `Config` subclasses it and may redeclare a field to change
    its default (for example `image_size: int = option(16, ...)`).
    """

    dataset: str = option("shapes", "Bundled image set (ignored with --images).",
                          choices=IMAGE_DATASETS)
    images: typing.Optional[str] = option(
        None, "Folder of your own images, one sub-folder of images per class.")
    image_size: int = option(32, "Side of the square images the model sees, >= 8.")
    train_size: typing.Optional[int] = option(
        None, "Training images kept (a stratified subset of the training "
        "split); none keeps them all.")

    def __post_init__(self):
        super().__post_init__()
        check_image_options(self.image_size, self.train_size)


def check_image_options(image_size, train_size=None):
    """Checks the `image_size` and `train_size` settings.

    Args:
        image_size: Side of the square images, an integer >= 8.
        train_size: `None`, or the number of training images, an integer
            >= 2. Defaults to `None`.

    Raises:
        ValueError: If a setting is invalid; the message names it.
    """
    if not _is_int(image_size) or image_size < MIN_IMAGE_SIZE:
        raise ValueError(
            f"The 'image_size' parameter must be an integer >= {MIN_IMAGE_SIZE}."
            f" Received: image_size={image_size!r}"
        )
    if train_size is not None and (not _is_int(train_size) or train_size < 2):
        raise ValueError(
            "The 'train_size' parameter must be None or an integer >= 2. "
            f"Received: train_size={train_size!r}"
        )


@dataclasses.dataclass
class ImageDataset(Dataset):
    """A `Dataset` of images: `x_*` are float32 `(n, height, width, channels)`.

    `available_train` is the size of the training split before
    `train_size` took a subset of it.
    """

    available_train: int = 0

    @property
    def image_shape(self):
        """Shape of one image, `(height, width, channels)`."""
        return tuple(self.x_train.shape[1:])

    def describe(self):
        """Returns a one-line summary for logs and reports."""
        sizes = self.sizes
        height, width, channels = self.image_shape
        subset = ""
        if sizes["train"] < self.available_train:
            subset = f" (a stratified subset of {self.available_train})"
        return (
            f"{self.name}: {self.num_classes} classes ({', '.join(self.class_names)}), "
            f"{height}x{width}x{channels} images, {sizes['train']}{subset}/"
            f"{sizes['val']}/{sizes['test']} train/val/test images"
        )


def load_image_data(dataset="shapes", images=None, image_size=32,
                    train_size=None, seed=42, validation_fraction=0.15,
                    test_fraction=0.15):
    """Loads bundled or folder images and splits them into train/val/test.

    The split is stratified; with `train_size` only that many training
    images are kept (stratified too), while the validation and test
    splits keep every image.

    - `"shapes"`: 2000 generated RGB images of circles, squares and
      triangles (`images.make_shapes`, seeded by `seed`), drawn at
      `image_size`.
    - `"digits"`: scikit-learn's 1797 8x8 grey-scale digits, resized
      (bilinear) to `image_size`.
    - `images`: a folder with one sub-folder per class (see
      `images.load_image_folder`), read as RGB at `image_size`.

    Args:
        dataset: `"shapes"` or `"digits"`; ignored when `images` is given.
            Defaults to `"shapes"`.
        images: `None`, or the path of an image folder. Defaults to `None`.
        image_size: Side of the square images, >= 8. Defaults to `32`.
        train_size: `None` (keep the whole training split) or the number of
            training images to keep, at least one per class. Defaults to
            `None`.
        seed: Seed of the generated shapes, the split and the subset.
            Defaults to `42`.
        validation_fraction: Fraction of images for validation. Defaults to
            `0.15`.
        test_fraction: Fraction of images for testing. Defaults to `0.15`.

    Returns:
        An `ImageDataset`; its task is `"binary"` for two classes and
        `"multiclass"` otherwise.

    Raises:
        ValueError: If `dataset`, `image_size` or `train_size` is invalid,
            or the image folder cannot be used (the message says why).

    Example:

    >>> data = load_image_data("digits", image_size=16, train_size=50, seed=0)
    >>> data.image_shape, data.sizes["train"]
    ((16, 16, 1), 50)
    """
    check_image_options(image_size, train_size)
    if images is not None:
        x, y, class_names = load_image_folder(
            images, image_size=(image_size, image_size), seed=seed)
        name = f"images in {images}"
    elif dataset == "shapes":
        x, y, class_names = make_shapes(
            n_samples=SHAPES_SAMPLES, image_size=image_size, seed=seed)
        name = "shapes"
    elif dataset == "digits":
        x, y, class_names = load_digits_images()
        if image_size != x.shape[1]:
            x = keras.ops.convert_to_numpy(
                keras.ops.image.resize(x, (image_size, image_size)))
            x = np.clip(x, 0.0, 1.0).astype("float32")
        name = "digits"
    else:
        raise ValueError(
            f"Unknown image dataset {dataset!r}. Bundled image sets: "
            f"{', '.join(IMAGE_DATASETS)}; or pass --images DIR."
        )
    task = "binary" if len(class_names) == 2 else "multiclass"
    data = split_dataset(
        name, task, x, y, feature_names=[], class_names=list(class_names),
        seed=seed, validation_fraction=validation_fraction,
        test_fraction=test_fraction,
    )
    available = len(data.y_train)
    x_train, y_train = data.x_train, data.y_train
    if train_size is not None and train_size < available:
        if train_size < len(class_names):
            raise ValueError(
                f"The 'train_size' parameter must keep at least one image per "
                f"class ({len(class_names)} classes). Received: "
                f"train_size={train_size}"
            )
        kept, _ = train_test_split(
            np.arange(available), train_size=train_size, random_state=seed,
            stratify=y_train)
        x_train, y_train = x_train[kept], y_train[kept]
    elif train_size is not None and train_size > available:
        raise ValueError(
            f"The 'train_size' parameter asks for more images than the "
            f"training split of {name} holds ({available}). Received: "
            f"train_size={train_size}"
        )
    fields = {field.name: getattr(data, field.name)
              for field in dataclasses.fields(Dataset)}
    fields.update(x_train=x_train, y_train=y_train)
    return ImageDataset(**fields, available_train=available)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)

"""Image data of the image recipes: bundled shapes or digits, or a folder.

Image recipes choose their images with the same flags: `--dataset shapes`
(generated, the default) or `--dataset digits` (scikit-learn's bundled
8x8 digits), `--dataset mnist|fashion_mnist|cifar10` (through
`keras.datasets`, downloaded and cached by Keras on first use), or
`--images DIR` for a folder of the user's own images with one sub-folder
per class; `--image-size` sets the side of the square images the model
sees, `--train-size` keeps only a small stratified subset of the training
split and `--eval-size` caps the validation and test splits (stratified
too), so a run on 70,000 images stays short on a CPU. Only the
`keras.datasets` sets touch the network, and only when they are not cached.
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
from keras_recipes.recipes.common.keras_image_sets import KERAS_IMAGE_SETS
from keras_recipes.recipes.common.keras_image_sets import load_keras_image_set
from keras_recipes.tuning.distributed import DISTRIBUTE_MODES
from keras_recipes.tuning.distributed import check_data_parallel_backend
from keras_recipes.tuning.distributed import start_data_parallel

IMAGE_DATASETS = ("shapes", "digits", *KERAS_IMAGE_SETS)
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
    eval_size: typing.Optional[int] = option(
        2000, "At most this many validation and as many test images (stratified "
        "subsets); none keeps them all.")

    def __post_init__(self):
        super().__post_init__()
        check_image_options(self.image_size, self.train_size, self.eval_size)


@dataclasses.dataclass
class DistributeConfig:
    """Settings of image recipes that can train each run over several devices.

    Mix it in before the data config. `--distribute data_parallel` (JAX
    only) replicates the model on every device and splits every batch
    between them (`keras_recipes.tuning.distributed`); with several
    processes or hosts, every process runs the same command with its own
    `--process-id` and its own `--out`.
    """

    distribute: str = option(
        "none", "'data_parallel' trains every run over several devices (JAX backend): "
        "the model is replicated and every batch split between the devices.",
        choices=DISTRIBUTE_MODES)
    devices: typing.Optional[int] = option(
        None, "Devices of --distribute data_parallel; none uses every device (of "
        "every process).")
    coordinator_address: typing.Optional[str] = option(
        None, "host:port of process 0 when several processes or hosts train together "
        "(or KERAS_DISTRIBUTION_JOB_ADDRESSES).")
    num_processes: typing.Optional[int] = option(
        None, "Processes that train together (or KERAS_DISTRIBUTION_NUM_PROCESSES).")
    process_id: typing.Optional[int] = option(
        None, "This process's index, 0 for the coordinator (or "
        "KERAS_DISTRIBUTION_PROCESS_ID).")

    def __post_init__(self):
        super().__post_init__()
        settings = {"devices": self.devices, "coordinator_address": self.coordinator_address,
                    "num_processes": self.num_processes, "process_id": self.process_id}
        if self.distribute == "none":
            given = [name for name, value in settings.items() if value is not None]
            if given:
                raise ValueError(
                    f"The '{given[0]}' parameter applies to --distribute data_parallel. "
                    f"Got {given[0]}={settings[given[0]]!r} with distribute='none'.")
            return
        check_data_parallel_backend()
        if getattr(self, "workers", 1) > 1:
            raise ValueError(
                "The 'workers' parameter must be 1 with --distribute data_parallel, "
                f"which trains each run on every device. Got workers={self.workers!r}.")

    def start_distribution(self):
        """Starts `--distribute` (call it first in `run`): a `DataParallelPlan` or `None`."""
        if self.distribute == "none":
            return None
        return start_data_parallel(self.devices, self.coordinator_address,
                                   self.num_processes, self.process_id)


def check_image_options(image_size, train_size=None, eval_size=None):
    """Checks the `image_size`, `train_size` and `eval_size` settings.

    Args:
        image_size: Side of the square images, an integer >= 8.
        train_size: `None`, or the number of training images, an integer
            >= 2. Defaults to `None`.
        eval_size: `None`, or the most validation (and test) images, an
            integer >= 2. Defaults to `None`.

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
    if eval_size is not None and (not _is_int(eval_size) or eval_size < 2):
        raise ValueError(
            "The 'eval_size' parameter must be None or an integer >= 2. "
            f"Received: eval_size={eval_size!r}"
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
                    test_fraction=0.15, eval_size=None):
    """Loads bundled, downloadable or folder images, split into train/val/test.

    The split is stratified; with `train_size` only that many training
    images are kept, and with `eval_size` at most that many validation and
    as many test images (stratified subsets too).

    - `"shapes"`: 2000 generated RGB images of circles, squares and
      triangles (`images.make_shapes`, seeded by `seed`), drawn at
      `image_size`.
    - `"digits"`: scikit-learn's 1797 8x8 grey-scale digits, resized
      (bilinear) to `image_size`.
    - `"mnist"`, `"fashion_mnist"`, `"cifar10"`: the `keras.datasets` sets
      (`keras_image_sets.load_keras_image_set`: cached by Keras, downloaded
      on first use), resized to `image_size`. Their own test set is the
      test split; the validation split is `validation_fraction` of their
      training set (`test_fraction` does not apply).
    - `images`: a folder with one sub-folder per class (see
      `images.load_image_folder`), read as RGB at `image_size`.

    Args:
        dataset: One of `IMAGE_DATASETS`; ignored when `images` is given.
            Defaults to `"shapes"`.
        images: `None`, or the path of an image folder. Defaults to `None`.
        image_size: Side of the square images, >= 8. Defaults to `32`.
        train_size: `None` (keep the whole training split) or the number of
            training images to keep, at least one per class. Defaults to
            `None`.
        seed: Seed of the generated shapes, the split and the subsets.
            Defaults to `42`.
        validation_fraction: Fraction of images for validation. Defaults to
            `0.15`.
        test_fraction: Fraction of images for testing. Defaults to `0.15`.
        eval_size: `None` (keep them all) or the most validation images and
            the most test images to keep. Defaults to `None`.

    Returns:
        An `ImageDataset`; its task is `"binary"` for two classes and
        `"multiclass"` otherwise.

    Raises:
        ValueError: If `dataset`, `image_size`, `train_size` or `eval_size`
            is invalid, the image folder cannot be used, or a
            `keras.datasets` set is neither cached nor downloadable (the
            message says why).

    Example:

    >>> data = load_image_data("digits", image_size=16, train_size=50, seed=0)
    >>> data.image_shape, data.sizes["train"]
    ((16, 16, 1), 50)
    """
    check_image_options(image_size, train_size, eval_size)
    if images is None and dataset in KERAS_IMAGE_SETS:
        data = _split_keras_set(dataset, seed, validation_fraction)
    else:
        data = _split_bundled(dataset, images, image_size, seed, validation_fraction,
                              test_fraction)
    available = len(data.y_train)
    if train_size is not None and train_size > available:
        raise ValueError(
            f"The 'train_size' parameter asks for more images than the "
            f"training split of {data.name} holds ({available}). Received: "
            f"train_size={train_size}"
        )
    if train_size is not None and train_size < data.num_classes:
        raise ValueError(
            f"The 'train_size' parameter must keep at least one image per "
            f"class ({data.num_classes} classes). Received: "
            f"train_size={train_size}"
        )
    fields = {field.name: getattr(data, field.name)
              for field in dataclasses.fields(Dataset)}
    for split, size in (("train", train_size), ("val", eval_size), ("test", eval_size)):
        x, y = _stratified_subset(fields[f"x_{split}"], fields[f"y_{split}"], size, seed)
        if images is None and dataset in KERAS_IMAGE_SETS:
            x = _float_images(x, image_size)
        fields.update({f"x_{split}": x, f"y_{split}": y})
    return ImageDataset(**fields, available_train=available)


def _split_bundled(dataset, images, image_size, seed, validation_fraction, test_fraction):
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
            x = _resized(x, image_size)
        name = "digits"
    else:
        raise ValueError(
            f"Unknown image dataset {dataset!r}. Image sets: "
            f"{', '.join(IMAGE_DATASETS)}; or pass --images DIR."
        )
    task = "binary" if len(class_names) == 2 else "multiclass"
    return split_dataset(
        name, task, x, y, feature_names=[], class_names=list(class_names),
        seed=seed, validation_fraction=validation_fraction,
        test_fraction=test_fraction,
    )


def _split_keras_set(dataset, seed, validation_fraction):
    """The set's training images split into train/val, uint8 for now."""
    x_train, y_train, x_test, y_test, class_names = load_keras_image_set(dataset)
    train, val = train_test_split(
        np.arange(len(y_train)), test_size=validation_fraction, random_state=seed,
        stratify=y_train)
    return Dataset(
        f"{dataset} (keras.datasets)", "multiclass", x_train[train], y_train[train],
        x_train[val], y_train[val], x_test, y_test, feature_names=[],
        class_names=list(class_names))


def _stratified_subset(x, y, size, seed):
    if size is None or size >= len(y):
        return x, y
    kept, _ = train_test_split(np.arange(len(y)), train_size=size, random_state=seed,
                               stratify=y)
    return x[kept], y[kept]


def _float_images(images, image_size):
    x = images.astype("float32") / 255.0
    return x if image_size == x.shape[1] else _resized(x, image_size)


def _resized(images, image_size):
    x = keras.ops.convert_to_numpy(keras.ops.image.resize(images, (image_size, image_size)))
    return np.clip(x, 0.0, 1.0).astype("float32")


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)

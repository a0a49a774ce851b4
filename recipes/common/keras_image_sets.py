"""The downloadable image sets of `keras.datasets`: MNIST, Fashion-MNIST, CIFAR-10.

`load_keras_image_set(name)` calls `keras.datasets.<name>.load_data()`,
which reads the set from Keras's cache (`~/.keras/datasets`, or
`$KERAS_HOME/datasets`) and downloads it there on first use; MNIST and
CIFAR-10 are checked against their published SHA-256 (a cached file that
does not match is downloaded again). Without the cached files and without
network it raises a one-line `ValueError` that names the set, the cache
path and the download address, instead of urllib's traceback.
"""

import dataclasses
import os
import urllib.error

import keras
import numpy as np

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


@dataclasses.dataclass(frozen=True)
class KerasImageSet:
    """One set of `keras.datasets`: its loader, cached files and class names.

    Attributes:
        name: The `keras.datasets` module, such as `"mnist"`.
        cache_files: The files `load_data` keeps, relative to the cache
            folder (`KERAS_HOME/datasets`).
        origin: Where `load_data` downloads them from.
        class_names: Name of each label, in label order.
    """

    name: str
    cache_files: tuple
    origin: str
    class_names: tuple

    def load(self):
        """Returns `(x_train, y_train), (x_test, y_test)` from `keras.datasets`."""
        return getattr(keras.datasets, self.name).load_data()


_FASHION_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                  "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
KERAS_IMAGE_SETS = {
    "mnist": KerasImageSet(
        "mnist", ("mnist.npz",), ORIGIN + "mnist.npz", tuple(str(d) for d in range(10))),
    "fashion_mnist": KerasImageSet(
        "fashion_mnist", tuple(os.path.join("fashion-mnist", f) for f in _FASHION_FILES),
        ORIGIN, ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot")),
    "cifar10": KerasImageSet(
        "cifar10", ("cifar-10-batches-py-target_archive",),
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
         "truck")),
}


def keras_cache_dir():
    """The folder where `keras.datasets` keeps its files.

    `KERAS_HOME/datasets` (Keras reads `KERAS_HOME` when it is imported),
    else `~/.keras/datasets`; like `keras.utils.get_file`, `/tmp/.keras`
    when that home is not writable.
    """
    from keras.src.backend.config import keras_home  # Keras has no public accessor.

    home = os.path.expanduser(keras_home())
    if not os.access(home, os.W_OK):
        home = os.path.join("/tmp", ".keras")
    return os.path.join(home, "datasets")


def load_keras_image_set(name):
    """Loads a `keras.datasets` image set as uint8 images with a channel axis.

    Args:
        name: `"mnist"`, `"fashion_mnist"` or `"cifar10"`.

    Returns:
        `(x_train, y_train, x_test, y_test, class_names)`: uint8 images
        `(n, height, width, channels)` (grey-scale sets get one channel),
        int64 labels `(n,)` and the class names.

    Raises:
        ValueError: If `name` is not one of the sets, or the set is not
            cached and cannot be downloaded; the message names the set,
            the cache path and the download address.

    Example:

    >>> x_train, y_train, x_test, y_test, names = load_keras_image_set("mnist")
    >>> x_train.shape, names[:3]
    ((60000, 28, 28, 1), ('0', '1', '2'))
    """
    if name not in KERAS_IMAGE_SETS:
        raise ValueError(f"Unknown keras.datasets image set {name!r}. Expected one of "
                         f"{', '.join(KERAS_IMAGE_SETS)}.")
    image_set = KERAS_IMAGE_SETS[name]
    try:
        (x_train, y_train), (x_test, y_test) = image_set.load()
    except Exception as error:  # noqa: BLE001 - get_file wraps URLError in Exception.
        if not _is_download_failure(error):
            raise
        cached = [os.path.join(keras_cache_dir(), f) for f in image_set.cache_files]
        missing = [path for path in cached if not os.path.exists(path)] or cached
        raise ValueError(
            f"The {name} dataset is not in the Keras cache ({', '.join(missing)}: missing "
            f"or not matching its checksum) and downloading it from {image_set.origin} "
            f"failed: {' '.join(str(error).split())}. Run once with internet access, or "
            "copy the file there (set KERAS_HOME to use another cache folder).") from None
    return (_with_channels(x_train), _labels(y_train), _with_channels(x_test),
            _labels(y_test), image_set.class_names)


def _is_download_failure(error):
    while error is not None:
        if (isinstance(error, (urllib.error.URLError, ConnectionError, TimeoutError))
                or str(error).startswith("URL fetch failure")):
            return True
        error = error.__cause__ or error.__context__
    return False


def _with_channels(images):
    images = np.asarray(images, dtype="uint8")
    return images[..., None] if images.ndim == 3 else images


def _labels(labels):
    return np.asarray(labels).reshape(-1).astype("int64")

"""The keras.datasets image sets, read by Keras's own loaders from a fake cache.

Nothing here downloads. The tests write small files in the exact layout and
format `keras.datasets.<name>.load_data()` reads from its cache
(`KERAS_HOME/datasets`). Two things are patched in Keras for the duration of
a test: its cache folder (Keras reads `KERAS_HOME` once, at import) and the
SHA-256 check of `keras.utils.get_file`, which a fake file cannot pass (for
MNIST and CIFAR-10 Keras pins the hash of the real file and downloads again
on a mismatch). `urlretrieve` raises, as it does without network.
"""

import gzip
import io
import json
import os
import pickle
import tarfile
import urllib.error

import numpy as np
import pytest
from keras.src.backend import config as keras_config
from keras.src.utils import file_utils

from keras_recipes.recipes.common.image_data import load_image_data
from keras_recipes.recipes.common.keras_image_sets import keras_cache_dir
from keras_recipes.recipes.common.keras_image_sets import load_keras_image_set
from keras_recipes.recipes.image_augmentation import main

PER_CLASS_TRAIN, PER_CLASS_TEST = 10, 3


def no_network(url, *args, **kwargs):
    raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty Keras dataset cache under tmp_path; downloads fail as offline."""
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(home))
    monkeypatch.setattr(file_utils, "validate_file", lambda *args, **kwargs: True)
    monkeypatch.setattr(file_utils, "urlretrieve", no_network)
    datasets = home / "datasets"
    datasets.mkdir(parents=True)
    return datasets


def labelled_images(per_class, shape, seed):
    """uint8 images whose every pixel is 20 * label (+ channel), labels 0-9."""
    labels = np.repeat(np.arange(10, dtype="uint8"), per_class)
    np.random.default_rng(seed).shuffle(labels)
    images = np.broadcast_to((20 * labels).reshape(-1, *[1] * len(shape)),
                             (len(labels), *shape)).astype("uint8")
    return images.copy(), labels


def write_mnist(cache):
    x_train, y_train = labelled_images(PER_CLASS_TRAIN, (28, 28), seed=0)
    x_test, y_test = labelled_images(PER_CLASS_TEST, (28, 28), seed=1)
    np.savez(cache / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test,
             y_test=y_test)


def write_fashion_mnist(cache):
    folder = cache / "fashion-mnist"
    folder.mkdir()
    for part, per_class, seed in (("train", PER_CLASS_TRAIN, 2), ("t10k", PER_CLASS_TEST, 3)):
        images, labels = labelled_images(per_class, (28, 28), seed)
        header = np.array([2049, len(labels)], ">i4").tobytes()
        with gzip.open(folder / f"{part}-labels-idx1-ubyte.gz", "wb") as stream:
            stream.write(header + labels.tobytes())
        header = np.array([2051, len(labels), 28, 28], ">i4").tobytes()
        with gzip.open(folder / f"{part}-images-idx3-ubyte.gz", "wb") as stream:
            stream.write(header + images.tobytes())


def write_cifar10(cache):
    """cifar-10-python.tar.gz as Keras keeps it, with one image per training batch.

    Keras fills 10,000 rows per training batch from each batch file, so a
    batch of one image stands for 10,000 copies of it (NumPy broadcasting):
    5 training images (labels 0-4) and a real 30-image test batch.
    """
    def batch(images, labels):
        rows = images.transpose(0, 3, 1, 2).reshape(len(labels), -1)  # Stored channels first.
        return pickle.dumps({b"data": rows, b"labels": [int(v) for v in labels]}, protocol=4)

    members = {}
    for index in range(1, 6):
        image = np.full((1, 32, 32, 3), 20 * (index - 1), "uint8")
        image[..., 1] += 1  # A channel of its own: checks the channels-last transpose.
        members[f"data_batch_{index}"] = batch(image, [index - 1])
    test_images, test_labels = labelled_images(PER_CLASS_TEST, (32, 32, 3), seed=4)
    test_images[..., 1] += 1
    members["test_batch"] = batch(test_images, test_labels)
    with tarfile.open(cache / "cifar-10-batches-py-target_archive", "w:gz") as archive:
        for name, payload in members.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))


def assert_labels_match_pixels(x, y, channel_offset=0):
    np.testing.assert_array_equal(x[:, 0, 0, 0], 20 * y)
    if channel_offset:
        np.testing.assert_array_equal(x[:, 0, 0, 1], 20 * y + channel_offset)


@pytest.mark.parametrize("name, write, shape", [
    ("mnist", write_mnist, (28, 28, 1)),
    ("fashion_mnist", write_fashion_mnist, (28, 28, 1)),
])
def test_grey_sets_load_through_keras_with_a_channel_axis(cache, name, write, shape):
    write(cache)
    x_train, y_train, x_test, y_test, names = load_keras_image_set(name)
    assert x_train.shape == (100, *shape) and x_test.shape == (30, *shape)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert_labels_match_pixels(x_train, y_train)
    assert_labels_match_pixels(x_test, y_test)
    assert len(names) == 10
    assert names[0] == ("0" if name == "mnist" else "T-shirt/top")


def test_cifar10_loads_through_keras_channels_last(cache):
    write_cifar10(cache)
    x_train, y_train, x_test, y_test, names = load_keras_image_set("cifar10")
    assert x_train.shape == (50000, 32, 32, 3) and x_test.shape == (30, 32, 32, 3)
    assert y_train.shape == (50000,) and sorted(set(y_train)) == [0, 1, 2, 3, 4]
    assert_labels_match_pixels(x_train, y_train, channel_offset=1)
    assert_labels_match_pixels(x_test, y_test, channel_offset=1)
    assert names[0] == "airplane" and names[-1] == "truck"


def test_load_image_data_splits_subsamples_and_resizes_a_keras_set(cache):
    write_mnist(cache)
    data = load_image_data("mnist", image_size=16, train_size=20, eval_size=20, seed=0)
    assert data.image_shape == (16, 16, 1) and data.x_train.dtype == np.float32
    assert data.sizes == {"train": 20, "val": 15, "test": 20}
    assert data.available_train == 85  # 100 training images less 15% for validation.
    np.testing.assert_array_equal(np.bincount(data.y_train), [2] * 10)
    np.testing.assert_allclose(data.x_test[:, 5, 5, 0], 20 * data.y_test / 255, atol=1e-6)
    assert data.class_names == [str(d) for d in range(10)] and data.task == "multiclass"
    assert data.describe().startswith("mnist (keras.datasets): 10 classes")


def test_a_missing_set_without_network_is_one_clear_error(cache):
    with pytest.raises(ValueError) as error:
        load_keras_image_set("fashion_mnist")
    message = str(error.value)
    assert "fashion_mnist dataset is not in the Keras cache" in message
    assert os.path.join(str(cache), "fashion-mnist", "train-labels-idx1-ubyte.gz") in message
    assert "storage.googleapis.com" in message and "name resolution" in message
    assert keras_cache_dir() == str(cache)


def test_recipe_smoke_run_on_a_cached_mnist(cache, tmp_path, capsys):
    write_mnist(cache)
    result = main(["--smoke", "--dataset", "mnist", "--eval-size", "20", "--verbose", "0",
                   "--out", str(tmp_path / "run")])
    metrics = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert set(metrics["arms"]) == {"none", "augmented"}
    assert 0 <= metrics["arms"]["none"]["test_accuracy"]["mean"] <= 1
    assert "mnist (keras.datasets)" in open(result.report_path).read()


def test_recipe_without_the_cache_exits_with_one_line(cache, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--smoke", "--dataset", "cifar10", "--verbose", "0",
              "--out", str(tmp_path / "run")])
    assert stop.value.code == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "Traceback" not in error
    assert "cifar10 dataset is not in the Keras cache" in error
    assert "cifar-10-batches-py-target_archive" in error

import numpy as np
import pytest
from PIL import Image

from keras_recipes.recipes.common.image_data import ImageDataConfig
from keras_recipes.recipes.common.image_data import ImageDataset
from keras_recipes.recipes.common.image_data import load_image_data


def test_digits_resized_with_a_stratified_training_subset():
    data = load_image_data("digits", image_size=16, train_size=50, seed=0)
    assert isinstance(data, ImageDataset)
    assert data.task == "multiclass" and data.num_classes == 10
    assert data.image_shape == (16, 16, 1) and data.x_train.dtype == np.float32
    assert 0 <= data.x_train.min() and data.x_train.max() <= 1
    np.testing.assert_array_equal(np.bincount(data.y_train), [5] * 10)
    assert data.sizes == {"train": 50, "val": 270, "test": 270}
    assert data.available_train == 1257
    assert "50 (a stratified subset of 1257)/270/270" in data.describe()


def test_digits_keep_their_native_size_and_every_training_image():
    data = load_image_data("digits", image_size=8, seed=0)
    assert data.image_shape == (8, 8, 1)
    assert data.sizes["train"] == data.available_train == 1257
    assert "subset" not in data.describe()


def test_shapes_are_seeded_and_split():
    data = load_image_data("shapes", image_size=12, train_size=30, seed=3)
    again = load_image_data("shapes", image_size=12, train_size=30, seed=3)
    assert data.image_shape == (12, 12, 3) and data.class_names == [
        "circle", "square", "triangle"]
    assert data.sizes == {"train": 30, "val": 300, "test": 300}
    np.testing.assert_array_equal(data.x_train, again.x_train)
    np.testing.assert_array_equal(data.y_test, again.y_test)


def write_folder(root, classes=("blue", "red"), per_class=10):
    colours = {"blue": (0, 0, 255), "red": (255, 0, 0), "green": (0, 255, 0)}
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.new("RGB", (10, 7), colours[name]).save(root / name / f"{i}.png")
    return str(root)


def test_image_folder_with_two_classes_is_binary(tmp_path):
    data = load_image_data(images=write_folder(tmp_path / "data"), image_size=8)
    assert data.task == "binary" and data.class_names == ["blue", "red"]
    assert data.image_shape == (8, 8, 3)
    assert sum(data.sizes.values()) == 20
    assert data.name.startswith("images in ")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"dataset": "cifar"}, "Unknown image dataset 'cifar'"),
        ({"image_size": 4}, "image_size=4"),
        ({"train_size": 1}, "train_size=1"),
        ({"dataset": "digits", "train_size": 5}, "at least one image per class"),
        ({"dataset": "digits", "train_size": 5000}, "train_size=5000"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_image_data(**{"image_size": 8, **kwargs})


def test_missing_image_folder_is_refused(tmp_path):
    with pytest.raises(ValueError, match="nowhere' does not exist"):
        load_image_data(images=str(tmp_path / "nowhere"))


def test_config_checks_image_options():
    assert ImageDataConfig(image_size=8, train_size=2).train_size == 2
    with pytest.raises(ValueError, match="image_size=7"):
        ImageDataConfig(image_size=7)
    with pytest.raises(ValueError, match="train_size=0"):
        ImageDataConfig(train_size=0)

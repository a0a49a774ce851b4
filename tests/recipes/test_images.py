import numpy as np
import pytest
from PIL import Image

from keras_recipes.recipes.common.images import load_digits_images
from keras_recipes.recipes.common.images import load_image_folder
from keras_recipes.recipes.common.images import make_shapes


def test_shapes_are_balanced_in_range_and_deterministic():
    x, y, class_names = make_shapes(n_samples=30, image_size=16, seed=3)
    assert x.shape == (30, 16, 16, 3) and x.dtype == np.float32
    assert x.min() >= 0 and x.max() <= 1
    assert class_names == ("circle", "square", "triangle")
    np.testing.assert_array_equal(np.bincount(y), [10, 10, 10])
    x_again, y_again, _ = make_shapes(n_samples=30, image_size=16, seed=3)
    np.testing.assert_array_equal(x, x_again)
    np.testing.assert_array_equal(y, y_again)
    assert not np.array_equal(x, make_shapes(n_samples=30, image_size=16, seed=4)[0])


def test_shapes_without_noise_have_two_colours():
    x, _, class_names = make_shapes(n_samples=4, image_size=12, classes=("square", "circle"), noise=0)
    assert class_names == ("square", "circle")
    for image in x:
        assert len(np.unique(image.reshape(-1, 3), axis=0)) == 2


def test_shape_areas_differ_by_class():
    x, y, _ = make_shapes(n_samples=60, image_size=32, noise=0, seed=0)
    corner = x[:, :1, :1, :]
    area = (np.abs(x - corner).sum(axis=-1) > 0).mean(axis=(1, 2))
    sizes = [area[y == label].mean() for label in range(3)]
    assert sizes[1] > sizes[0] > sizes[2]  # square > circle > triangle


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"classes": ("circle",)}, "'classes'"),
        ({"classes": ("circle", "star")}, "'classes'"),
        ({"image_size": 4}, "image_size=4"),
        ({"n_samples": 0}, "n_samples=0"),
        ({"noise": -1}, "noise=-1"),
    ],
)
def test_shapes_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_shapes(**kwargs)


def test_digits():
    x, y, class_names = load_digits_images()
    assert x.shape == (1797, 8, 8, 1) and x.dtype == np.float32
    assert x.min() == 0 and x.max() == 1
    assert class_names == tuple("0123456789")
    assert set(y) == set(range(10))


def write_image(path, colour, size=(6, 5)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


def test_image_folder(tmp_path):
    write_image(tmp_path / "red" / "a.png", (255, 0, 0))
    write_image(tmp_path / "red" / "deeper" / "b.jpg", (255, 0, 0))
    write_image(tmp_path / "blue" / "c.png", (0, 0, 255))
    (tmp_path / "blue" / "notes.txt").write_text("ignored")
    x, y, class_names = load_image_folder(tmp_path, image_size=(4, 3))
    assert class_names == ("blue", "red")
    assert x.shape == (3, 4, 3, 3) and x.dtype == np.float32
    assert sorted(y.tolist()) == [0, 1, 1]
    for image, label in zip(x, y):
        channel = 2 if label == 0 else 0
        assert image[..., channel].min() > 0.9


def test_image_folder_missing(tmp_path):
    with pytest.raises(ValueError, match="'.*nowhere' does not exist"):
        load_image_folder(tmp_path / "nowhere")


def test_image_folder_empty(tmp_path):
    with pytest.raises(ValueError, match="is empty"):
        load_image_folder(tmp_path)


def test_image_folder_single_class(tmp_path):
    write_image(tmp_path / "cats" / "a.png", (1, 2, 3))
    with pytest.raises(ValueError, match="single class sub-folder 'cats'"):
        load_image_folder(tmp_path)


def test_image_folder_class_without_images(tmp_path):
    write_image(tmp_path / "cats" / "a.png", (1, 2, 3))
    (tmp_path / "dogs").mkdir()
    with pytest.raises(ValueError, match="dogs' has no images"):
        load_image_folder(tmp_path)


def test_image_folder_corrupt_file_is_named(tmp_path):
    write_image(tmp_path / "cats" / "a.png", (1, 2, 3))
    write_image(tmp_path / "dogs" / "b.png", (1, 2, 3))
    (tmp_path / "dogs" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="Cannot read image file '.*broken.png'"):
        load_image_folder(tmp_path)


def test_image_folder_bad_image_size(tmp_path):
    with pytest.raises(ValueError, match=r"image_size=\(32,\)"):
        load_image_folder(tmp_path, image_size=(32,))

import matplotlib.image
import numpy as np
import pytest

from keras_recipes.models import build_augmentation
from keras_recipes.models import save_augmentation_gallery

IMAGES = np.random.default_rng(0).uniform(size=(6, 8, 8, 1)).astype("float32")


def test_writes_png(tmp_path):
    path = str(tmp_path / "gallery.png")
    assert save_augmentation_gallery(IMAGES, build_augmentation(seed=0), path, n=3) == path
    picture = matplotlib.image.imread(path)
    assert picture.shape[0] > 100 and picture.shape[1] > 200
    assert [p.name for p in tmp_path.iterdir()] == ["gallery.png"]


def test_bad_n(tmp_path):
    with pytest.raises(ValueError, match=r"'n'.*\[1, 6\]. Received: n=7"):
        save_augmentation_gallery(IMAGES, build_augmentation(), str(tmp_path / "g.png"), n=7)


def test_bad_images(tmp_path):
    with pytest.raises(ValueError, match=r"'images'.*shape=\(6, 8, 8\)"):
        save_augmentation_gallery(IMAGES[..., 0], build_augmentation(), str(tmp_path / "g.png"))

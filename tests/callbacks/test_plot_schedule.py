import pytest

from keras_recipes.callbacks import OneCycle
from keras_recipes.callbacks import plot_schedule


def test_writes_png(tmp_path):
    path = plot_schedule(OneCycle(0.1, 50), 50, tmp_path / "plots" / "lr.png")
    with open(path, "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"


def test_constant_rate(tmp_path):
    assert (plot_schedule(0.01, 10, tmp_path / "lr.png")).exists()


def test_invalid_steps(tmp_path):
    with pytest.raises(ValueError, match="Received: steps=0"):
        plot_schedule(0.01, 0, tmp_path / "lr.png")

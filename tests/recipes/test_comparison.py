import keras
import numpy as np
import pytest

from keras_recipes.recipes.common.comparison import first_epoch_reaching
from keras_recipes.recipes.common.comparison import mean_std
from keras_recipes.recipes.common.comparison import plot_curves
from keras_recipes.recipes.common.comparison import timed_fit


def test_timed_fit_adds_increasing_seconds():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    history = timed_fit(model, x, x.sum(axis=1), epochs=3, verbose=0)
    assert len(history["seconds"]) == 3
    assert np.all(np.diff(history["seconds"]) > 0)


def test_mean_std_and_first_epoch_reaching():
    assert mean_std([0.9, 1.0]) == "0.95 ± 0.05"
    assert mean_std([0.5]) == "0.5"
    assert mean_std([0.1 + 0.2, 0.3, 0.3]) == "0.3 ± 0"
    history = {"val_accuracy": [0.5, 0.8, 0.95, 0.9], "val_loss": [1.0, 0.4, 0.2]}
    assert first_epoch_reaching(history, "val_accuracy", 0.9) == 3
    assert first_epoch_reaching(history, "val_accuracy", 0.99) is None
    assert first_epoch_reaching(history, "val_loss", 0.5, mode="min") == 2


@pytest.mark.parametrize("x_axis", ["epoch", "seconds"])
def test_plot_curves_writes_a_png(tmp_path, x_axis):
    histories = [{"loss": [1.0, 0.5, 0.2], "seconds": [0.1, 0.2, 0.3]},
                 {"loss": [1.1, 0.6], "seconds": [0.1, 0.25]}]
    path = plot_curves({"adam": histories, "sgd": histories[:1]}, "loss",
                       str(tmp_path / "c.png"), x_axis=x_axis, log_y=True)
    assert (tmp_path / "c.png").stat().st_size > 0 and path.endswith("c.png")
    with pytest.raises(ValueError, match="x_axis"):
        plot_curves({}, "loss", str(tmp_path / "d.png"), x_axis="steps")

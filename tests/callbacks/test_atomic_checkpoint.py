import os

import keras
import numpy as np
import pytest

from keras_recipes.callbacks import AtomicCheckpoint
from keras_recipes.callbacks import atomic_files


class Feed(keras.callbacks.Callback):
    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["score"] = self.values[epoch]


def test_best_and_last_k(regression_data, make_model, tmp_path):
    x, y = regression_data
    checkpoint = AtomicCheckpoint(tmp_path, monitor="score", keep_last=2)
    values = [1.0, 0.5, 0.7, 0.6]
    make_model().fit(
        x, y, epochs=4, verbose=0, callbacks=[Feed(values), checkpoint]
    )
    assert sorted(os.listdir(tmp_path)) == [
        "best.keras",
        "epoch-0003.keras",
        "epoch-0004.keras",
    ]
    assert checkpoint.best == 0.5 and checkpoint.best_epoch == 1
    assert checkpoint.last_path.endswith("epoch-0004.keras")
    keras.saving.load_model(checkpoint.best_path)


def test_auto_mode_maximizes_accuracy(tmp_path):
    assert AtomicCheckpoint(tmp_path, monitor="val_accuracy").mode == "max"
    assert AtomicCheckpoint(tmp_path, monitor="val_loss").mode == "min"


def test_failed_write_leaves_previous_file_loadable(make_model, flat_weights, tmp_path):
    model = make_model()
    path = tmp_path / "best.keras"
    atomic_files.save_model(model, path)
    saved = flat_weights(model)

    def crash_midway(filepath, *args, **kwargs):
        with open(filepath, "wb") as file:
            file.write(b"half a zip file")
        raise KeyboardInterrupt("killed while saving")

    model.set_weights([w + 1 for w in model.get_weights()])
    model.save = crash_midway
    with pytest.raises(KeyboardInterrupt):
        atomic_files.save_model(model, path)
    assert os.listdir(tmp_path) == ["best.keras"]
    np.testing.assert_array_equal(flat_weights(keras.saving.load_model(path)), saved)


def test_never_writes_non_finite_weights(make_model, flat_weights, tmp_path):
    model = make_model()
    checkpoint = AtomicCheckpoint(tmp_path, monitor="loss")
    checkpoint.set_model(model)
    checkpoint.on_train_begin()
    checkpoint.on_epoch_end(0, {"loss": 1.0})
    good = flat_weights(model)
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    with pytest.warns(UserWarning, match="not finite"):
        checkpoint.on_epoch_end(1, {"loss": 0.5})
    for path in (checkpoint.best_path, checkpoint.last_path):
        np.testing.assert_array_equal(flat_weights(keras.saving.load_model(path)), good)


def test_state_round_trip(tmp_path):
    checkpoint = AtomicCheckpoint(tmp_path)
    checkpoint.set_state({"best": 0.25, "best_epoch": 3})
    checkpoint.on_train_begin()
    assert checkpoint.get_state() == {"best": 0.25, "best_epoch": 3}


def test_invalid_arguments(tmp_path):
    with pytest.raises(ValueError, match="Received: mode=best"):
        AtomicCheckpoint(tmp_path, mode="best")
    with pytest.raises(ValueError, match="Nothing to save"):
        AtomicCheckpoint(tmp_path, save_best=False, keep_last=0)

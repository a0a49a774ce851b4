import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from keras_recipes.callbacks import LearningRateLogger
from keras_recipes.callbacks import TensorBoardScalars


def scalars(log_dir):
    events = EventAccumulator(log_dir, size_guidance={"scalars": 0})
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)]
            for tag in events.Tags()["scalars"]}


def test_fit_writes_train_and_validation_scalars_per_epoch(tmp_path, make_model,
                                                           regression_data):
    x, y = regression_data
    history = make_model().fit(
        x, y, validation_data=(x, y), epochs=3, verbose=0,
        callbacks=[LearningRateLogger(), TensorBoardScalars(tmp_path / "logs")]).history
    train = scalars(str(tmp_path / "logs" / "train"))
    validation = scalars(str(tmp_path / "logs" / "validation"))
    assert [step for step, _ in train["epoch_loss"]] == [0, 1, 2]
    np.testing.assert_allclose([v for _, v in train["epoch_loss"]], history["loss"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in validation["epoch_loss"]], history["val_loss"],
                               rtol=1e-6)
    np.testing.assert_allclose([v for _, v in train["epoch_learning_rate"]], 0.01, rtol=1e-6)
    assert "epoch_val_loss" not in train


def test_a_second_fit_appends_new_event_files(tmp_path, make_model, regression_data):
    x, y = regression_data
    model, board = make_model(), TensorBoardScalars(tmp_path)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[board])
    model.fit(x, y, epochs=4, initial_epoch=2, verbose=0, callbacks=[board])
    assert [step for step, _ in scalars(str(tmp_path / "train"))["epoch_loss"]] == [0, 1, 2, 3]
    assert len(os.listdir(tmp_path / "train")) == 2


def test_non_numeric_logs_are_skipped(tmp_path):
    TensorBoardScalars(tmp_path).write_history(
        {"loss": [1.0, np.float32(0.5)], "note": ["a", "b"], "stopped": [True, False]})
    assert set(scalars(str(tmp_path / "train"))) == {"epoch_loss"}


def test_a_bad_log_dir_is_refused():
    with pytest.raises(ValueError, match="'log_dir' parameter of TensorBoardScalars.*Got ''"):
        TensorBoardScalars("")


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="checked once, on JAX")
def test_writes_without_tensorflow_installed(tmp_path):
    # A GPU image with JAX and no TensorFlow: importing tensorflow fails there.
    program = (
        "import sys; sys.modules['tensorflow'] = None\n"
        "from keras_recipes.callbacks import TensorBoardScalars\n"
        f"TensorBoardScalars({str(tmp_path)!r}).write_history("
        "{'loss': [2.0, 1.0], 'val_loss': [3.0, 2.5]})\n")
    subprocess.run([sys.executable, "-c", program], check=True,
                   env={**os.environ, "KERAS_BACKEND": "jax"})
    assert scalars(str(tmp_path / "validation"))["epoch_loss"] == [(0, 3.0), (1, 2.5)]

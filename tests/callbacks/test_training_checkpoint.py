import json
import os
import runpy
import signal
import subprocess
import sys
import textwrap
import time

import keras
import numpy as np
import pytest
from keras import ops

from keras_recipes.callbacks import EarlyStopping
from keras_recipes.callbacks import OneCycle
from keras_recipes.callbacks import StochasticWeightAveraging
from keras_recipes.callbacks import TrainingCheckpoint

EPOCHS = 8
KILL_AFTER_EPOCH = 3

TRAINING_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np
    from keras_recipes.callbacks import EarlyStopping, OneCycle, TrainingCheckpoint

    run_dir, epochs, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    keras.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1))).astype("float32")
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1),
    ])
    schedule = OneCycle(0.05, total_steps=epochs * 4)
    model.compile(keras.optimizers.Adam(schedule), loss="mse")
    early_stopping = EarlyStopping(monitor="loss", patience=100)
    checkpoint = TrainingCheckpoint(run_dir, callbacks=[early_stopping])
    initial_epoch = checkpoint.restore(model)

    class Pause(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            time.sleep(pause)

    model.fit(x, y, batch_size=16, epochs=epochs, initial_epoch=initial_epoch,
              shuffle=False, verbose=0,
              callbacks=[early_stopping, checkpoint, Pause()])
    np.save(os.path.join(run_dir, "weights.npy"),
            np.concatenate([w.ravel() for w in model.get_weights()]))
    with open(os.path.join(run_dir, "result.json"), "w") as file:
        json.dump({"initial_epoch": initial_epoch,
                   "iterations": int(model.optimizer.iterations.numpy()),
                   "early_stopping": early_stopping.get_state()}, file)
    """
)


def launch(script, run_dir, pause):
    return subprocess.Popen(
        [sys.executable, str(script), str(run_dir), str(EPOCHS), str(pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def saved_epoch(run_dir):
    try:
        with open(run_dir / "state.json") as file:
            return json.load(file)["epoch"]
    except (OSError, ValueError):
        return 0


def test_killed_run_resumes_to_the_same_weights(tmp_path, monkeypatch):
    script = tmp_path / "train.py"
    script.write_text(TRAINING_SCRIPT)
    killed_dir, whole_dir = tmp_path / "killed", tmp_path / "whole"

    process = launch(script, killed_dir, pause=0.5)
    deadline = time.monotonic() + 180
    while saved_epoch(killed_dir) < KILL_AFTER_EPOCH:
        assert process.poll() is None, process.stdout.read().decode()
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = saved_epoch(killed_dir)
    assert KILL_AFTER_EPOCH <= killed_at < EPOCHS
    assert not (killed_dir / "weights.npy").exists()

    resumed = launch(script, killed_dir, pause=0.0)
    # Meanwhile, the uninterrupted reference run, in this process.
    monkeypatch.setattr(sys, "argv", ["train.py", str(whole_dir), str(EPOCHS), "0"])
    runpy.run_path(str(script), run_name="__main__")
    output = resumed.communicate(timeout=180)[0].decode()
    assert resumed.returncode == 0, output

    with open(killed_dir / "result.json") as file:
        result = json.load(file)
    with open(whole_dir / "result.json") as file:
        reference = json.load(file)
    assert result["initial_epoch"] == killed_at
    # The schedule's position is the optimizer's iteration counter: restored.
    assert result["iterations"] == reference["iterations"] == EPOCHS * 4
    assert result["early_stopping"] == pytest.approx(reference["early_stopping"])
    np.testing.assert_allclose(
        np.load(killed_dir / "weights.npy"),
        np.load(whole_dir / "weights.npy"),
        rtol=1e-5,
        atol=1e-6,
    )


def test_restore_puts_back_model_optimizer_and_callbacks(
    regression_data, make_model, flat_weights, tmp_path
):
    x, y = regression_data
    early_stopping = EarlyStopping(monitor="loss", patience=5)
    checkpoint = TrainingCheckpoint(tmp_path, callbacks=[early_stopping])
    model = make_model(keras.optimizers.Adam(OneCycle(0.05, total_steps=40)))
    model.fit(
        x, y, batch_size=16, epochs=3, verbose=0,
        callbacks=[early_stopping, checkpoint],
    )
    assert sorted(os.listdir(tmp_path)) == ["model-0003.keras", "state.json"]

    keras.utils.set_random_seed(1)
    fresh_early_stopping = EarlyStopping(monitor="loss", patience=5)
    fresh = make_model(keras.optimizers.Adam(OneCycle(0.05, total_steps=40)))
    restored = TrainingCheckpoint(tmp_path, callbacks=[fresh_early_stopping])
    assert restored.restore(fresh) == 3
    np.testing.assert_array_equal(flat_weights(fresh), flat_weights(model))
    for mine, theirs in zip(fresh.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(
            ops.convert_to_numpy(mine), ops.convert_to_numpy(theirs)
        )
    assert int(ops.convert_to_numpy(fresh.optimizer.iterations)) == 12
    assert fresh_early_stopping.get_state() == early_stopping.get_state()


def test_nothing_to_restore(make_model, tmp_path):
    assert TrainingCheckpoint(tmp_path / "empty").restore(make_model()) == 0


def test_callbacks_must_match(regression_data, make_model, tmp_path):
    x, y = regression_data
    early_stopping = EarlyStopping(monitor="loss")
    model = make_model()
    model.fit(
        x, y, epochs=1, verbose=0,
        callbacks=[TrainingCheckpoint(tmp_path, callbacks=[early_stopping])],
    )
    with pytest.raises(ValueError, match="holds the states of"):
        TrainingCheckpoint(tmp_path).restore(make_model())


def test_rejects_callbacks_without_state(tmp_path):
    with pytest.raises(ValueError, match="Received: CSVLogger"):
        TrainingCheckpoint(tmp_path, callbacks=[keras.callbacks.CSVLogger("x.csv")])


# Exact resume in one process: a "kill" is an exception out of `fit()`, and
# the resumed run reseeds and rebuilds everything, as a new process would.

SCORES = [5.0, 4.0, 3.0, 3.5, 3.6, 3.7, 3.8, 3.9]  # Best after epoch 3, stop after 5.


class Killed(Exception):
    pass


class KillAfter(keras.callbacks.Callback):
    def __init__(self, epochs):
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epochs:
            raise Killed


class Score(keras.callbacks.Callback):
    """A scripted monitored value, so early stopping stops where planned."""

    def on_epoch_end(self, epoch, logs=None):
        logs["score"] = SCORES[epoch]


def train(directory, data, kill_after=None):
    """Seeds, builds and fits a dropout model; resumes from `directory`."""
    x, y = data
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1),
    ])
    model.compile(keras.optimizers.Adam(0.01), loss="mse")
    early_stopping = EarlyStopping(monitor="score", mode="min", patience=2,
                                   restore_best_weights=True)
    swa = StochasticWeightAveraging(start_epoch=1)
    checkpoint = TrainingCheckpoint(directory, callbacks=[early_stopping, swa])
    initial_epoch = checkpoint.restore(model)
    callbacks = [Score(), early_stopping, swa, checkpoint]
    if kill_after is not None:
        callbacks.append(KillAfter(kill_after))
    history = model.fit(x, y, batch_size=8, epochs=len(SCORES), shuffle=True,
                        initial_epoch=initial_epoch, verbose=0, callbacks=callbacks)
    return model, history.history, early_stopping


def test_a_resumed_fit_ends_bit_equal_to_an_uninterrupted_one(regression_data,
                                                              flat_weights, tmp_path):
    """Shuffling, dropout masks, early stopping's best weights, SWA's average."""
    whole, whole_history, whole_stopping = train(tmp_path / "whole", regression_data)
    assert len(whole_history["loss"]) == 5 and whole_stopping.best_epoch == 2

    with pytest.raises(Killed):
        train(tmp_path / "killed", regression_data, kill_after=3)
    resumed, history, early_stopping = train(tmp_path / "killed", regression_data)
    assert len(history["loss"]) == 2  # Epochs 4 and 5.
    np.testing.assert_array_equal(history["loss"], whole_history["loss"][3:])
    np.testing.assert_array_equal(flat_weights(resumed), flat_weights(whole))
    assert early_stopping.stopped_epoch == whole_stopping.stopped_epoch == 4
    for mine, theirs in zip(early_stopping.best_weights, whole_stopping.best_weights):
        np.testing.assert_array_equal(mine, theirs)
    assert sorted(os.listdir(tmp_path / "killed")) == [
        "arrays-0005.npz", "model-0005.keras", "state.json"]


def test_a_run_resumed_after_it_stopped_trains_no_further_epoch(
        regression_data, flat_weights, tmp_path):
    whole, _, _ = train(tmp_path, regression_data)
    with open(tmp_path / "state.json") as file:
        assert json.load(file)["stopped"] is True
    resumed, history, _ = train(tmp_path, regression_data)
    assert history == {}
    np.testing.assert_array_equal(flat_weights(resumed), flat_weights(whole))
    assert resumed._initial_epoch is None  # The next fit() starts where asked.


def test_dropout_seed_states_are_restored(tmp_path):
    """A `.keras` file does not hold them; the checkpoint does."""
    keras.utils.set_random_seed(0)
    x = np.ones((8, 4), "float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dropout(0.5),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, x[:, :1], epochs=3, verbose=0,
              callbacks=[TrainingCheckpoint(tmp_path)])
    state = model.layers[0].seed_generator.state
    fresh = keras.models.clone_model(model)
    fresh.compile("sgd", "mse")
    TrainingCheckpoint(tmp_path).restore(fresh)
    np.testing.assert_array_equal(
        ops.convert_to_numpy(fresh.layers[0].seed_generator.state),
        ops.convert_to_numpy(state))

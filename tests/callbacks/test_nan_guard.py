import logging

import keras
import numpy as np
import pytest
from keras import ops

from keras_recipes.callbacks import AtomicCheckpoint
from keras_recipes.callbacks import NaNGuard


class PoisonOnce(keras.callbacks.Callback):
    """Sets a layer's weights to NaN before one batch, as a blown-up step would."""

    def __init__(self, epoch, batch, layer="output"):
        super().__init__()
        self.at = (epoch, batch)
        self.layer = layer
        self.epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            for weight in self.model.get_layer(self.layer).weights:
                weight.assign(np.full(weight.shape, np.nan, dtype="float32"))


def test_recovers_from_an_injected_nan(
    regression_data, make_model, flat_weights, tmp_path
):
    x, y = regression_data
    model = make_model(keras.optimizers.SGD(0.01))
    guard = NaNGuard(factor=0.5, max_retries=2, verbose=0)
    checkpoint = AtomicCheckpoint(tmp_path, monitor="loss")
    history = model.fit(
        x, y, batch_size=16, epochs=4, verbose=0,
        callbacks=[PoisonOnce(epoch=2, batch=1), guard, checkpoint],
    )
    assert guard.retries == 1 and not guard.exhausted
    assert len(history.history["loss"]) == 4
    assert np.all(np.isfinite(history.history["loss"]))
    assert np.all(np.isfinite(flat_weights(model)))
    rate = float(ops.convert_to_numpy(model.optimizer.learning_rate))
    assert rate == pytest.approx(0.005)
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_array_equal(
        flat_weights(keras.saving.load_model(checkpoint.last_path)), flat_weights(model)
    )


def test_recovers_from_nan_weights_behind_a_finite_loss(
    regression_data, make_model, flat_weights
):
    x, y = regression_data
    model = make_model()
    guard = NaNGuard(verbose=0)
    model.fit(
        x, y, batch_size=16, epochs=3, verbose=0,
        callbacks=[PoisonOnce(epoch=1, batch=3, layer="hidden"), guard],
    )
    assert guard.retries >= 1 and not guard.exhausted
    assert np.all(np.isfinite(flat_weights(model)))


def test_huge_learning_rate_is_lowered_until_training_is_stable(
    regression_data, make_model, flat_weights
):
    x, y = regression_data
    model = make_model(keras.optimizers.SGD(1e4))
    guard = NaNGuard(factor=0.01, max_retries=5, verbose=0)
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[guard])
    assert 1 <= guard.retries <= 5 and not guard.exhausted
    assert float(ops.convert_to_numpy(model.optimizer.learning_rate)) < 1e4
    assert np.isfinite(history.history["loss"][-1])
    assert np.all(np.isfinite(flat_weights(model)))


def test_gives_up_after_max_retries(regression_data, make_model, flat_weights, caplog):
    x, y = regression_data
    y = y.copy()
    y[::8] = np.nan  # A NaN target in every batch of 8.
    model = make_model()
    initial = flat_weights(model)
    guard = NaNGuard(max_retries=2, verbose=0)
    with caplog.at_level(logging.ERROR):
        history = model.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[guard])
    assert guard.exhausted and guard.retries == 2
    assert len(history.history["loss"]) == 1
    np.testing.assert_array_equal(flat_weights(model), initial)
    assert "stopping training" in caplog.text


class RecordBatchWeights(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.weights = []

    def on_train_batch_end(self, batch, logs=None):
        weights = self.model.get_weights()
        self.weights.append(np.concatenate([w.ravel() for w in weights]))


def test_snapshot_every_batch(regression_data, make_model, flat_weights):
    x, y = regression_data
    model = make_model()
    recorder = RecordBatchWeights()
    guard = NaNGuard(max_retries=0, snapshot_every=1, verbose=0)
    model.fit(
        x, y, batch_size=16, epochs=2, verbose=0,
        callbacks=[PoisonOnce(epoch=0, batch=2), recorder, guard],
    )
    assert guard.exhausted
    # Restored to the snapshot taken after batch 1, not the initial weights.
    np.testing.assert_array_equal(flat_weights(model), recorder.weights[1])


def test_schedule_is_not_scaled(regression_data, make_model, caplog):
    x, y = regression_data
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 100, 0.5)
    model = make_model(keras.optimizers.SGD(schedule))
    guard = NaNGuard(verbose=0)
    with caplog.at_level(logging.WARNING):
        model.fit(x, y, batch_size=16, epochs=2, verbose=0,
                  callbacks=[PoisonOnce(1, 0), guard])
    assert guard.retries == 1
    assert "schedule and was not lowered" in caplog.text


def test_invalid_arguments():
    with pytest.raises(ValueError, match="Received: factor=1.5"):
        NaNGuard(factor=1.5)
    with pytest.raises(ValueError, match="Received: snapshot_every=0"):
        NaNGuard(snapshot_every=0)

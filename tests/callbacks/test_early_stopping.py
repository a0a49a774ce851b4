import math

import keras
import pytest

from keras_recipes.callbacks import EarlyStopping


class Feed(keras.callbacks.Callback):
    """Overwrites the monitored value with a scripted sequence."""

    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["score"] = self.values[epoch]


def fit_epochs(model, data, values, early_stopping, initial_epoch=0):
    x, y = data
    history = model.fit(
        x,
        y,
        epochs=len(values),
        initial_epoch=initial_epoch,
        verbose=0,
        callbacks=[Feed(values), early_stopping],
    )
    return len(history.history["loss"])


def test_min_epochs_delays_the_patience_stop(regression_data, make_model):
    flat = [1.0] * 8
    model = make_model()
    early_stopping = EarlyStopping("score", patience=1, mode="min")
    assert fit_epochs(model, regression_data, flat, early_stopping) == 2
    early_stopping = EarlyStopping("score", patience=1, mode="min", min_epochs=5)
    assert fit_epochs(model, regression_data, flat, early_stopping) == 5


def test_stops_on_non_finite_value(regression_data, make_model):
    values = [1.0, 0.9, math.nan, 0.8, 0.7]
    early_stopping = EarlyStopping("score", patience=10, mode="min", min_epochs=5)
    assert fit_epochs(make_model(), regression_data, values, early_stopping) == 3
    assert early_stopping.best == pytest.approx(0.9)


def test_stops_on_divergence(regression_data, make_model):
    values = [1.0, 0.5, 0.8, 2.6, 0.4, 0.3]
    early_stopping = EarlyStopping(
        "score", patience=10, mode="min", divergence_factor=5.0
    )
    assert fit_epochs(make_model(), regression_data, values, early_stopping) == 4


def test_state_round_trip_survives_train_begin(regression_data, make_model):
    values = [1.0, 0.5, 0.6, 0.7]
    first = EarlyStopping("score", patience=3, mode="min")
    fit_epochs(make_model(), regression_data, values, first)
    state = first.get_state()
    assert state == {"wait": 2, "best": 0.5, "best_epoch": 1, "stopped_epoch": 0,
                     "best_weights": None}
    second = EarlyStopping("score", patience=3, mode="min")
    second.set_state(state)
    # Resumed at epoch 4: one more epoch without improvement is enough.
    values += [0.9, 0.9, 0.9]
    assert fit_epochs(make_model(), regression_data, values, second, 4) == 1


def test_invalid_arguments():
    with pytest.raises(ValueError, match="Received: min_epochs=-1"):
        EarlyStopping(min_epochs=-1)
    with pytest.raises(ValueError, match="Received: divergence_factor=1.0"):
        EarlyStopping(divergence_factor=1.0)

import time

import keras
import pytest

from keras_recipes.callbacks import TimeBudget


class Slow(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        time.sleep(0.02)


def test_stops_when_the_budget_is_spent(regression_data, make_model):
    x, y = regression_data
    budget = TimeBudget(seconds=0.3)
    history = make_model().fit(
        x, y, batch_size=16, epochs=100, verbose=0, callbacks=[Slow(), budget]
    )
    assert budget.stopped
    assert len(history.history["loss"]) < 100
    assert budget.elapsed >= 0.3


def test_budget_spans_resumes(regression_data, make_model):
    x, y = regression_data
    budget = TimeBudget(seconds=60)
    budget.set_state({"elapsed": 60.0})
    history = make_model().fit(x, y, epochs=5, verbose=0, callbacks=[budget])
    assert budget.stopped and len(history.history["loss"]) == 1
    assert budget.get_state()["elapsed"] >= 60.0


def test_invalid_budget():
    with pytest.raises(ValueError, match="Received: seconds=0"):
        TimeBudget(0)

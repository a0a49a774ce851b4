import keras
import numpy as np
import pytest

from keras_recipes.callbacks import LearningRateLogger


def test_logs_the_scheduled_rate(regression_data, make_model, tmp_path):
    x, y = regression_data
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 4, 0.5)
    csv_path = tmp_path / "history.csv"
    history = make_model(keras.optimizers.SGD(schedule)).fit(
        x, y, batch_size=16, epochs=3, verbose=0,
        callbacks=[LearningRateLogger(), keras.callbacks.CSVLogger(str(csv_path))],
    )
    # 4 steps per epoch: the rate halves every epoch.
    np.testing.assert_allclose(
        history.history["learning_rate"], [0.05, 0.025, 0.0125], rtol=1e-5
    )
    assert "learning_rate" in csv_path.read_text().splitlines()[0]


def test_logs_a_float_rate(regression_data, make_model):
    x, y = regression_data
    history = make_model(keras.optimizers.Adam(0.003)).fit(
        x, y, epochs=1, verbose=0, callbacks=[LearningRateLogger()]
    )
    assert history.history["learning_rate"] == [pytest.approx(0.003)]

"""find_learning_rate sees every batch of a model compiled for multi-step calls."""

import keras
import numpy as np

from keras_recipes.callbacks import find_learning_rate


def test_a_multi_step_model_is_probed_batch_by_batch_and_keeps_its_setting():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(320, 4)).astype("float32")
    y = x @ np.ones((4, 1), "float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.01), loss="mse", steps_per_execution=8)
    _, finder = find_learning_rate(model, x, y, batch_size=32, num_steps=30)
    rates = finder.history["learning_rate"]
    assert len(rates) >= 25  # One entry per batch, not one per 8-batch call.
    assert np.all(np.diff(rates) > 0)
    assert model.steps_per_execution == 8

"""Tiny data and models shared by the callback tests."""

import keras
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(0)


@pytest.fixture(scope="session")
def regression_data():
    """64 samples, 4 features, a linear target with a little noise."""
    rng = np.random.RandomState(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = x @ rng.normal(size=(4, 1)) + 0.1 * rng.normal(size=(64, 1))
    return x, y.astype("float32")


@pytest.fixture
def make_model():
    """Returns a factory of small compiled regression models."""

    def make(optimizer=None, hidden=8, batchnorm=False):
        layers = [keras.Input((4,))]
        if batchnorm:
            layers.append(keras.layers.BatchNormalization())
        layers += [
            keras.layers.Dense(hidden, activation="relu", name="hidden"),
            keras.layers.Dense(1, name="output"),
        ]
        model = keras.Sequential(layers)
        model.compile(optimizer or keras.optimizers.SGD(0.01), loss="mse")
        return model

    return make


@pytest.fixture
def flat_weights():
    """Returns a function: model -> all its weights as one flat array."""
    return lambda model: np.concatenate([w.ravel() for w in model.get_weights()])

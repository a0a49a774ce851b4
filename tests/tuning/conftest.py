import keras
import numpy as np
import pytest


@pytest.fixture
def regression_data():
    """64 samples of a noisy linear target with 4 features."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.1 * rng.normal(size=64)).astype("float32")
    return x, y[:, None]


@pytest.fixture
def make_linear_model():
    """Returns a factory of seeded, uncompiled one-layer regression models."""

    def make(n_features=4):
        keras.utils.set_random_seed(0)
        return keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(1)])

    return make

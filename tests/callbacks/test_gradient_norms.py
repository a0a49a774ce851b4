import keras
import numpy as np
import pytest

from keras_recipes.callbacks import gradient_norms


def test_matches_the_analytic_gradient_of_a_linear_model(regression_data):
    x, y = regression_data
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(1, use_bias=False, name="linear")]
    )
    model.compile(keras.optimizers.SGD(), loss="mse")
    kernel = model.get_weights()[0]
    expected = 2.0 / len(x) * x.T @ (x @ kernel - y)
    norms = gradient_norms(model, x, y)
    assert list(norms) == ["linear"]
    assert norms["linear"] == pytest.approx(np.linalg.norm(expected), rel=1e-4)


def test_one_entry_per_layer_with_weights(regression_data, make_model):
    x, y = regression_data
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="relu", name="hidden"),
            keras.layers.Dropout(0.5, name="dropout"),
            keras.layers.Dense(1, name="output"),
        ]
    )
    model.compile(keras.optimizers.SGD(), loss="mse")
    norms = gradient_norms(model, x, y)
    assert list(norms) == ["hidden", "output"]
    assert all(norm > 0 for norm in norms.values())
    # Inference mode: dropout is off, so the probe is deterministic.
    assert gradient_norms(model, x, y) == norms

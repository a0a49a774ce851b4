"""add_target_scaling: the network learns a standardised target, the model predicts raw units."""

import keras
import numpy as np
import pytest

from keras_recipes.models import add_target_scaling


def linear_model():
    inputs = keras.Input((2,))
    outputs = keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros")(inputs)
    return keras.Model(inputs, outputs, name="base")


def test_output_is_rescaled_by_the_training_target_statistics():
    y_train = np.array([100.0, 200.0, 300.0], "float32")
    model = add_target_scaling(linear_model(), y_train)
    x = np.array([[0.0, 0.0], [1.0, 0.5]], "float32")
    predicted = model.predict(x, verbose=0).reshape(-1)
    expected = np.array([0.0, 1.5]) * y_train.std() + y_train.mean()
    assert predicted == pytest.approx(expected, rel=1e-5)
    assert model.name == "base"


def test_a_constant_target_keeps_unit_scale():
    model = add_target_scaling(linear_model(), np.full(4, 7.0, "float32"))
    assert model.predict(np.ones((1, 2), "float32"), verbose=0)[0, 0] == pytest.approx(9.0)


def test_the_scaled_model_saves_and_reloads(tmp_path):
    model = add_target_scaling(linear_model(), np.array([1.0, 3.0], "float32"))
    path = str(tmp_path / "model.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    x = np.ones((2, 2), "float32")
    assert reloaded.predict(x, verbose=0) == pytest.approx(model.predict(x, verbose=0))

import keras
import numpy as np
import pytest

from keras_recipes.models import create_model
from keras_recipes.models import input_gradients
from keras_recipes.models import output_gradients


def tiny_model(units=3, activation="softmax"):
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(5, activation="tanh")(inputs)
    outputs = keras.layers.Dense(units, activation=activation)(hidden)
    return keras.Model(inputs, outputs)


def sample_losses(model, x, y, loss):
    return keras.ops.convert_to_numpy(loss(y, model(x, training=False)))


def finite_differences(function, x, step=1e-3):
    """Central differences of a per-sample scalar `function(x)` (batch,)."""
    x = x.astype("float64")
    gradients = np.zeros_like(x)
    for index in np.ndindex(x.shape[1:]):
        shift = np.zeros_like(x)
        shift[(slice(None), *index)] = step
        upper = function((x + shift).astype("float32"))
        lower = function((x - shift).astype("float32"))
        gradients[(slice(None), *index)] = (upper - lower) / (2 * step)
    return gradients


@pytest.fixture
def rows():
    rng = np.random.default_rng(0)
    return rng.normal(size=(6, 4)).astype("float32"), rng.integers(0, 3, size=6)


def test_loss_gradients_match_finite_differences(rows):
    x, y = rows
    model = tiny_model()
    loss = keras.losses.sparse_categorical_crossentropy
    gradients = input_gradients(model, x, y)
    expected = finite_differences(lambda v: sample_losses(model, v, y, loss), x)
    assert gradients.shape == x.shape and gradients.dtype == np.float32
    np.testing.assert_allclose(gradients, expected, atol=2e-3, rtol=2e-2)


def test_output_gradients_match_finite_differences(rows):
    x, _ = rows
    model = tiny_model()
    gradients = output_gradients(model, x, output_index=2)
    expected = finite_differences(
        lambda v: keras.ops.convert_to_numpy(model(v, training=False))[:, 2], x)
    np.testing.assert_allclose(gradients, expected, atol=2e-3, rtol=2e-2)


def test_compiled_binary_loss_is_used_per_sample(rows):
    x, _ = rows
    y = np.array([0, 1, 1, 0, 1, 0])
    model = tiny_model(units=1, activation="sigmoid")
    model.compile(loss="binary_crossentropy")
    gradients = input_gradients(model, x, y)
    loss = keras.losses.binary_crossentropy
    expected = finite_differences(
        lambda v: sample_losses(model, v, y[:, None].astype("float32"), loss), x)
    np.testing.assert_allclose(gradients, expected, atol=2e-3, rtol=2e-2)


def test_loss_object_matches_loss_name(rows):
    x, y = rows
    model = tiny_model()
    by_name = input_gradients(model, x, y, loss="sparse_categorical_crossentropy")
    by_object = input_gradients(
        model, x, y, loss=keras.losses.SparseCategoricalCrossentropy())
    np.testing.assert_allclose(by_name, by_object, rtol=1e-5, atol=1e-7)


def test_rows_are_independent(rows):
    x, y = rows
    model = tiny_model()
    whole = input_gradients(model, x, y)
    first = input_gradients(model, x[:1], y[:1])
    np.testing.assert_allclose(whole[:1], first, rtol=1e-5, atol=1e-7)


def test_inference_mode_turns_dropout_off(rows):
    x, y = rows
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(3, activation="softmax")(
        keras.layers.Dropout(0.9)(inputs))
    model = keras.Model(inputs, outputs)
    np.testing.assert_array_equal(input_gradients(model, x, y),
                                  input_gradients(model, x, y))


def test_cnn_image_gradients_have_the_image_shape():
    model = create_model("cnn", (8, 8, 1), "multiclass", 10, filters=4, depth=1)
    images = np.random.default_rng(1).uniform(size=(3, 8, 8, 1))
    gradients = input_gradients(model, images, np.array([0, 5, 9]))
    assert gradients.shape == images.shape
    assert np.all(np.isfinite(gradients)) and np.any(gradients != 0)


def test_mismatched_targets_are_refused(rows):
    x, y = rows
    with pytest.raises(ValueError, match="'y'.*Received: 5 targets"):
        input_gradients(tiny_model(), x, y[:5])


def test_bad_output_index_is_refused(rows):
    x, _ = rows
    with pytest.raises(ValueError, match="output_index=3"):
        output_gradients(tiny_model(), x, output_index=3)


def test_bad_loss_and_inputs_are_refused(rows):
    x, y = rows
    with pytest.raises(TypeError, match="'loss'"):
        input_gradients(tiny_model(), x, y, loss=3)
    with pytest.raises(TypeError, match="'x'"):
        input_gradients(tiny_model(), {"a": x}, y)

"""SHAP values through shap's permutation explainer (skipped without shap)."""

import keras
import numpy as np
import pytest

from keras_recipes.models.integrated_gradients import predict_outputs

shap = pytest.importorskip(
    "shap", reason="shap is optional: pip install \"keras-recipes[explain]\" to test it.")

from keras_recipes.models.shap_values import shap_values  # noqa: E402


def model_and_rows():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(3, activation="softmax")])
    rng = np.random.default_rng(0)
    return model, rng.normal(0, 2, (6, 4)).astype("float32"), \
        rng.normal(0, 2, (20, 4)).astype("float32")


def test_values_add_up_to_the_output_minus_the_background_mean():
    model, x, background = model_and_rows()
    values = shap_values(model, x, background, output_index=2, permutations=2)
    assert values.shape == x.shape
    expected = predict_outputs(model, x)[:, 2] - predict_outputs(model, background)[:, 2].mean()
    np.testing.assert_allclose(values.sum(axis=1), expected, atol=1e-5)


def test_linear_model_values_are_weight_times_distance_from_the_background_mean():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    x = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")
    background = np.random.default_rng(2).normal(size=(10, 3)).astype("float32")
    weights = keras.ops.convert_to_numpy(model.layers[0].kernel)[:, 0]
    np.testing.assert_allclose(shap_values(model, x, background),
                               (x - background.mean(axis=0)) * weights, atol=1e-5)


def test_bad_shapes_and_permutations_are_refused():
    model, x, background = model_and_rows()
    with pytest.raises(ValueError, match="same number of columns.*\\(6, 4\\) and \\(20, 3\\)"):
        shap_values(model, x, background[:, :3])
    with pytest.raises(ValueError, match="'permutations'.*Got 0"):
        shap_values(model, x, background, permutations=0)

"""Integrated gradients: exact on a linear model, complete within tolerance on an MLP."""

import keras
import numpy as np
import pytest

from keras_recipes.models.integrated_gradients import COMPLETENESS_TOLERANCE
from keras_recipes.models.integrated_gradients import completeness_gap
from keras_recipes.models.integrated_gradients import integrated_gradients
from keras_recipes.models.integrated_gradients import path_weights


def mlp(features=5, classes=3):
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((features,)),
                             keras.layers.Dense(16, activation="tanh"),
                             keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(classes, activation="softmax")])


def rows(count=12, features=5, seed=0):
    return np.random.default_rng(seed).normal(0, 2, size=(count, features)).astype("float32")


def test_path_weights_sum_to_one_for_every_rule():
    for rule, points in (("trapezoid", 11), ("left", 10), ("right", 10), ("midpoint", 10)):
        alphas, weights = path_weights(10, rule)
        assert len(alphas) == points and weights.sum() == pytest.approx(1.0)
        assert 0 <= alphas.min() and alphas.max() <= 1
    with pytest.raises(ValueError, match="'steps'.*positive integer. Got 0"):
        path_weights(0)
    with pytest.raises(ValueError, match="'rule'.*trapezoid.*Got 'simpson'"):
        path_weights(10, "simpson")


def test_linear_model_attributions_are_weight_times_distance_from_the_baseline():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    x, baseline = rows(6, 4), rows(1, 4, seed=1)[0]
    attributions = integrated_gradients(model, x, baseline=baseline, steps=3, rule="left")
    weights = keras.ops.convert_to_numpy(model.layers[0].kernel)[:, 0]
    np.testing.assert_allclose(attributions, (x - baseline) * weights, rtol=1e-4, atol=1e-5)
    assert completeness_gap(model, x, attributions, baseline)["gap"].max() < 1e-4


def test_mlp_attributions_add_up_to_the_output_difference_within_the_tolerance():
    model, x = mlp(), rows()
    baseline = x.mean(axis=0)
    attributions = integrated_gradients(model, x, baseline=baseline)
    assert attributions.shape == x.shape and attributions.dtype == np.float32
    gap = completeness_gap(model, x, attributions, baseline)
    assert gap["within_tolerance"].all()
    big = np.abs(gap["difference"]) > 0.05
    assert big.sum() >= 3 and gap["relative_gap"][big].max() < COMPLETENESS_TOLERANCE


def test_more_steps_bring_the_sum_closer_to_the_output_difference():
    model, x = mlp(), rows()
    coarse = completeness_gap(model, x, integrated_gradients(model, x, steps=2, rule="left"))
    fine = completeness_gap(model, x, integrated_gradients(model, x, steps=200))
    assert fine["gap"].mean() < coarse["gap"].mean() / 5


def test_output_index_per_row_and_images():
    keras.utils.set_random_seed(0)
    cnn = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                            keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    images = np.random.default_rng(0).random((4, 6, 6, 1)).astype("float32")
    per_row = integrated_gradients(cnn, images, output_index=[0, 1, 1, 0], steps=16)
    assert per_row.shape == images.shape
    np.testing.assert_allclose(per_row[[0, 3]],
                               integrated_gradients(cnn, images[[0, 3]], output_index=0,
                                                    steps=16), atol=1e-6)
    gap = completeness_gap(cnn, images, per_row, output_index=[0, 1, 1, 0])
    assert gap["within_tolerance"].all()
    # Two output columns of a softmax share the probability: their IG are opposite.
    other = integrated_gradients(cnn, images, output_index=[1, 0, 0, 1], steps=16)
    np.testing.assert_allclose(per_row, -other, atol=1e-5)


def test_bad_baseline_and_output_index_are_refused():
    model, x = mlp(), rows()
    with pytest.raises(ValueError, match="'baseline'.*broadcast.*Got shape \\(3,\\)"):
        integrated_gradients(model, x, baseline=np.zeros(3))
    with pytest.raises(ValueError, match="'output_index'.*one per row \\(12\\)"):
        integrated_gradients(model, x, output_index=[0, 1])

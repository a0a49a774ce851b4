"""Feature preparation inside the model: scaling, imputation + indicator, selection."""

import keras
import numpy as np
import pytest

from keras_recipes.models import MissingIndicator
from keras_recipes.models import build_feature_preparation
from keras_recipes.models import create_model
from keras_recipes.models import select_columns

RNG = np.random.default_rng(0)
X = np.column_stack([RNG.normal(100, 20, 60), RNG.uniform(0, 1, 60),
                     np.full(60, 3.0)]).astype("float32")
Y = (X[:, 1] > 0.5).astype("int64")


def prepared(model, x):
    return keras.ops.convert_to_numpy(model(x))


@pytest.mark.parametrize("scaling, low, high", [("minmax", 0.0, 1.0), ("none", 0.0, 140)])
def test_minmax_maps_the_training_range_to_the_unit_interval_and_none_keeps_values(
        scaling, low, high):
    out = prepared(build_feature_preparation(X, scaling=scaling), X)
    assert out[:, :2].min() >= low - 1e-6 and out[:, :2].max() <= high
    if scaling == "minmax":
        np.testing.assert_allclose(out[:, :2].min(axis=0), 0, atol=1e-6)
        np.testing.assert_allclose(out[:, :2].max(axis=0), 1, atol=1e-6)
    else:
        np.testing.assert_allclose(out, X)


def test_standard_scaling_centres_and_keeps_a_constant_column_finite():
    out = prepared(build_feature_preparation(X), X)
    np.testing.assert_allclose(out[:, :2].mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(out[:, :2].std(axis=0), 1, atol=1e-3)
    assert np.all(out[:, 2] == 0)


def test_imputation_with_indicator_flags_only_columns_missing_in_training():
    x = X.copy()
    x[::5, 0] = np.nan
    model = build_feature_preparation(x, impute="median", missing_indicator=True)
    out = prepared(model, x)
    assert out.shape == (60, 4) and np.isfinite(out).all()
    np.testing.assert_array_equal(out[:, 3], np.isnan(x[:, 0]))
    assert build_feature_preparation(x, impute="median").output.shape[-1] == 3


def test_selection_keeps_the_informative_column_and_the_model_reloads(tmp_path):
    assert select_columns(X, Y, "binary", 1) == [1]
    preparation = build_feature_preparation(X, Y, "binary", select_features=1)
    model = create_model("mlp", task="binary", preprocessing=preparation, units=4)
    assert model.input_shape == (None, 3)
    assert [l for l in model.layers if l.name == "feature_selection"][0].trainable is False
    path = str(tmp_path / "model.keras")
    model.save(path)
    np.testing.assert_allclose(keras.saving.load_model(path).predict(X, verbose=0),
                               model.predict(X, verbose=0), atol=1e-6)


def test_indicator_layer_config_round_trip():
    layer = MissingIndicator([0, 2], name="flags")
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    out = keras.ops.convert_to_numpy(clone(np.array([[np.nan, 1.0, 2.0]], "float32")))
    np.testing.assert_array_equal(out, [[1.0, 0.0]])


@pytest.mark.parametrize("arguments, message", [
    ({"scaling": "robust"}, "'scaling' parameter.*standard, minmax, none.*'robust'"),
    ({"missing_indicator": True}, "'missing_indicator' parameter needs 'impute'"),
    ({"select_features": 2}, "'select_features' parameter needs 'y_train' and 'task'"),
    ({"select_features": 5, "y_train": Y, "task": "binary"},
     r"'select_features' parameter must be None or an integer in \[1, 3\].*5"),
])
def test_bad_settings_are_refused_before_building(arguments, message):
    with pytest.raises(ValueError, match=message):
        build_feature_preparation(X, **arguments)


def test_missing_values_without_imputation_are_refused_naming_the_columns():
    x = X.copy()
    x[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"1 missing values in columns \[1\]"):
        build_feature_preparation(x)

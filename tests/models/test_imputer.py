import keras
import numpy as np
import pytest

from keras_recipes.models.imputer import Imputer
from keras_recipes.models.imputer import impute_statistics

X = np.array([[1.0, 7.0], [np.nan, 7.0], [5.0, 2.0], [6.0, np.nan]])


@pytest.mark.parametrize(
    "strategy, expected",
    [("mean", [4.0, 16 / 3]), ("median", [5.0, 7.0]), ("most_frequent", [1.0, 7.0])],
)
def test_statistics(strategy, expected):
    np.testing.assert_allclose(impute_statistics(X, strategy), expected)


def test_unknown_strategy():
    with pytest.raises(ValueError, match="'impute'.*median.*Received: impute='zero'"):
        impute_statistics(X, "zero")


def test_all_missing_column():
    with pytest.raises(ValueError, match=r"columns \[1\]"):
        impute_statistics(np.array([[1.0, np.nan]]), "mean")


def test_layer_replaces_only_nan():
    layer = Imputer([4.0, 5.0])
    output = keras.ops.convert_to_numpy(layer(X.astype("float32")))
    np.testing.assert_allclose(output, [[1, 7], [4, 7], [5, 2], [6, 5]])


def test_layer_config_round_trip():
    layer = Imputer([4.0, 5.0], name="imp")
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(clone, Imputer)
    assert clone.statistics == [4.0, 5.0]


def test_layer_refuses_nan_statistics():
    with pytest.raises(ValueError, match="statistics"):
        Imputer([np.nan])

import numpy as np
import pytest

from keras_recipes.recipes.common.constant_columns import constant_columns
from keras_recipes.recipes.common.constant_columns import drop_constant_columns
from keras_recipes.recipes.common.datasets import Dataset


def make_dataset(x_train, x_other, names, categorical=()):
    y = np.array([0, 1] * (len(next(iter(x_train.values())) if isinstance(x_train, dict)
                                else x_train) // 2))
    return Dataset("toy", "binary", x_train, y, x_other, y[:2], x_other, y[:2],
                   list(names), list(categorical), ["a", "b"])


def test_constant_columns_ignores_nan_and_categorical_parts():
    x = np.array([[1.0, 2.0, np.nan], [1.0, 3.0, np.nan], [1.0, np.nan, np.nan]])
    assert constant_columns(x) == [0, 2]
    assert constant_columns({"numeric": x, "city": np.array([["a"], ["b"], ["c"]])}) == [0, 2]
    assert constant_columns({"city": np.array([["a"]])}) == []


def test_drop_constant_columns_removes_them_from_every_split():
    x_train = np.array([[0.0, 1.0, 5.0], [0.0, 2.0, 5.0]], "float32")
    x_other = np.array([[9.0, 1.5, 7.0], [0.0, 0.5, 5.0]], "float32")
    dataset, dropped = drop_constant_columns(make_dataset(x_train, x_other, "abc"))
    assert dropped == ["a", "c"]
    assert dataset.feature_names == ["b"]
    for x in (dataset.x_train, dataset.x_val, dataset.x_test):
        assert x.shape[1] == 1
    np.testing.assert_array_equal(dataset.x_val[:, 0], [1.5, 0.5])


def test_drop_constant_columns_keeps_categorical_inputs():
    x_train = {"numeric": np.array([[0.0, 1.0], [0.0, 2.0]], "float32"),
               "city": np.array([["x"], ["y"]])}
    dataset, dropped = drop_constant_columns(
        make_dataset(x_train, dict(x_train), ["n0", "n1", "city"], ["city"]))
    assert dropped == ["n0"]
    assert dataset.feature_names == ["n1", "city"]
    assert dataset.x_test["numeric"].shape == (2, 1) and "city" in dataset.x_test


def test_nothing_to_drop_returns_the_same_dataset():
    x = np.array([[0.0, 1.0], [1.0, 2.0]], "float32")
    original = make_dataset(x, x, "ab")
    dataset, dropped = drop_constant_columns(original)
    assert dataset is original and dropped == []


def test_all_constant_features_are_refused():
    x = np.ones((2, 2), "float32")
    with pytest.raises(ValueError, match="Every feature of toy is constant"):
        drop_constant_columns(make_dataset(x, x, "ab"))

"""prediction_measures scores a diverged model's NaN outputs at chance, not a crash."""

import types

import numpy as np
import pytest

from keras_recipes.recipes.common.evaluation import prediction_measures


def dataset(task, y_test, y_train=(0.0, 2.0)):
    return types.SimpleNamespace(task=task, y_test=np.asarray(y_test),
                                 y_train=np.asarray(y_train))


@pytest.mark.parametrize("task, y_test, outputs", [
    ("multiclass", [0, 1, 2, 1], np.full((4, 3), np.nan)),
    ("binary", [0, 1, 1, 0], np.array([[np.nan], [np.inf], [0.9], [0.1]])),
    ("regression", [1.0, 2.0], np.array([[np.nan], [2.0]])),
])
def test_non_finite_outputs_get_the_uninformative_prediction(task, y_test, outputs):
    measures = prediction_measures(dataset(task, y_test), outputs)
    assert all(np.isfinite(value) for value in measures.values() if value is not None)
    if task == "multiclass":
        assert measures["test_loss"] == pytest.approx(np.log(3))
    if task == "regression":
        assert measures["test_mse"] == pytest.approx(0.0)  # NaN row -> training mean 1.0.

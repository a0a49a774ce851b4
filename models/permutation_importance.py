"""Permutation importance of a trained Keras model on raw rows.

Shuffle one column of the test rows, and the model's score drops by as
much as it relied on that column: scikit-learn's
`sklearn.inspection.permutation_importance` does the shuffling, column by
column and `repeats` times, and `KerasEstimator` lets it score a Keras
model. The rows stay a `pandas.DataFrame` of raw columns (numbers, text,
missing values, as the model's own preprocessing expects them), so a
column is permuted by its name and text columns are permuted like any
other; `to_inputs` turns the rows into the model's inputs (a matrix, or
the dict of a model with text inputs).

The default score is the negative log loss for a classifier (smooth, so
small effects do not vanish in ties of the accuracy) and the negative mean
squared error for a regression; an importance is the drop in that score.

Example:

>>> importances = permutation_importance(model, test_frame, y_test, task="binary")
>>> importances.sort_values("importance", ascending=False).feature.iloc[0]
'worst radius'
"""

import keras
import numpy as np
import pandas as pd
from sklearn import inspection
from sklearn.base import BaseEstimator
from sklearn.metrics import accuracy_score
from sklearn.metrics import log_loss
from sklearn.metrics import mean_squared_error

TASKS = ("binary", "multiclass", "regression")


def numeric_inputs(frame):
    """The default `to_inputs`: every column as one float32 matrix."""
    return frame.to_numpy(dtype="float32")


class KerasEstimator(BaseEstimator):
    """A trained Keras model behind scikit-learn's `predict` / `score`.

    `fit` does not train (the model is trained already); it only exists so
    that scikit-learn tools accept the object.

    Args:
        model: A trained `keras.Model`.
        task: `"binary"` (one sigmoid unit), `"multiclass"` (a softmax) or
            `"regression"`.
        to_inputs: A function from a `pandas.DataFrame` of raw rows to the
            model's inputs. Defaults to `None`: `numeric_inputs`.
        metric: `"log_loss"`, `"accuracy"` (classifiers) or `"mse"`; `score`
            returns its negative (higher is better) or the accuracy.
            Defaults to `None`: `"log_loss"`, or `"mse"` for a regression.
    """

    def __init__(self, model, task, to_inputs=None, metric=None):
        self.model = model
        self.task = task
        self.to_inputs = to_inputs
        self.metric = metric

    def fit(self, x=None, y=None):
        """Returns the estimator unchanged (the model is already trained)."""
        return self

    def outputs(self, frame):
        """The model's outputs on raw rows, as a float64 `(rows, units)` array."""
        to_inputs = self.to_inputs or numeric_inputs
        inputs = keras.tree.map_structure(keras.ops.convert_to_tensor, to_inputs(frame))
        values = self.model(inputs, training=False)
        return np.asarray(keras.ops.convert_to_numpy(values), "float64").reshape(len(frame), -1)

    def predict_proba(self, frame):
        """Class probabilities, one column per class (two for a binary model)."""
        outputs = self.outputs(frame)
        if self.task == "binary":
            return np.hstack([1.0 - outputs, outputs])
        return outputs

    def predict(self, frame):
        """Predicted class indices, or values for a regression."""
        if self.task == "regression":
            return self.outputs(frame)[:, 0]
        return self.predict_proba(frame).argmax(axis=1)

    def score(self, frame, y):
        """The score of the rows (higher is better): `-log loss`, accuracy or `-MSE`."""
        metric = _metric(self.task, self.metric)
        if metric == "mse":
            return -mean_squared_error(y, self.predict(frame))
        if metric == "accuracy":
            return accuracy_score(y, self.predict(frame))
        probabilities = np.clip(self.predict_proba(frame), 1e-7, 1.0)
        return -log_loss(y, probabilities / probabilities.sum(axis=1, keepdims=True),
                         labels=list(range(probabilities.shape[1])))


def permutation_importance(model, x, y, task, to_inputs=None, metric=None, repeats=5,
                           feature_names=None, seed=0):
    """How much a trained model's score drops when each column is shuffled.

    Args:
        model: A trained `keras.Model`.
        x: The rows, a `pandas.DataFrame` of raw columns (or a 2-D array,
            with `feature_names`); held-out rows (the test split) measure
            what the model uses to generalise.
        y: Their targets: class indices, or values for a regression.
        task: `"binary"`, `"multiclass"` or `"regression"`.
        to_inputs: A function from a `DataFrame` of rows to the model's
            inputs. Defaults to `None`: all columns as one float32 matrix.
        metric: The score, see `KerasEstimator`. Defaults to `None`.
        repeats: Shuffles per column. Defaults to `5`.
        feature_names: Column names of an array `x`. Defaults to `None`:
            `x0, x1, ...`.
        seed: Seed of the shuffles. Defaults to `0`.

    Returns:
        A `DataFrame` with one row per column, in column order: `feature`,
        `importance` (the mean drop of the score), `std` (over repeats) and
        `baseline_score` (the score of the unshuffled rows).

    Raises:
        ValueError: If `task`, `metric` or `repeats` is invalid, or `x` and
            `y` hold different numbers of rows.

    Example:

    >>> permutation_importance(model, frame, y, "multiclass", repeats=10).head()
    """
    if task not in TASKS:
        raise ValueError(f"The 'task' parameter must be one of {', '.join(TASKS)}. Got "
                         f"{task!r} instead.")
    _metric(task, metric)
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ValueError(f"The 'repeats' parameter must be a positive integer. Got "
                         f"{repeats!r} instead.")
    if not isinstance(x, pd.DataFrame):
        x = np.asarray(x)
        names = feature_names or [f"x{i}" for i in range(x.shape[1])]
        x = pd.DataFrame(x, columns=[str(name) for name in names])
    y = np.asarray(y).reshape(-1)
    if len(y) != len(x):
        raise ValueError(f"The 'y' parameter must hold one target per row of 'x' "
                         f"({len(x)}). Got {len(y)} targets instead.")
    estimator = KerasEstimator(model, task, to_inputs, metric)
    result = inspection.permutation_importance(estimator, x, y, n_repeats=int(repeats),
                                               random_state=seed)
    return pd.DataFrame({"feature": [str(c) for c in x.columns],
                         "importance": result.importances_mean,
                         "std": result.importances_std,
                         "baseline_score": estimator.score(x, y)})


def _metric(task, metric):
    allowed = ("mse",) if task == "regression" else ("log_loss", "accuracy")
    if metric is None:
        return allowed[0]
    if metric not in allowed:
        raise ValueError(f"The 'metric' parameter must be one of {', '.join(allowed)} for "
                         f"task {task!r}. Got {metric!r} instead.")
    return metric

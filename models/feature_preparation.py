"""Numeric feature preparation inside the model: imputation, selection, scaling.

`build_tabular_preprocessing` always standardises (and can project onto
principal components). The data-preparation recipe compares the choices
that come before a network sees a number, so this builder makes each one a
switch, fitted on the training split and stored in the returned model:

1. **impute** missing (NaN) values with a per-column statistic (`Imputer`);
2. **select** the `select_features` columns that score highest in a
   univariate test against the target (scikit-learn's `f_classif` or
   `f_regression`), as a fixed 0/1 projection;
3. **scale**: `"standard"` (zero mean, unit variance), `"minmax"` (to
   [0, 1] over the training range) or `"none"`;
4. append a **missing indicator** per column that had missing training
   values (`MissingIndicator`: 1.0 where the raw value was NaN), so the
   network can tell an imputed value from a measured one.

Example:

>>> preparation = build_feature_preparation(x_train, y_train, "binary",
...                                         impute="mean", missing_indicator=True)
>>> model = create_model("mlp", task="binary", preprocessing=preparation)
"""

import numbers
import warnings

import keras
import numpy as np
from keras import ops
from sklearn.feature_selection import f_classif
from sklearn.feature_selection import f_regression

from keras_recipes.models.imputer import Imputer
from keras_recipes.models.imputer import impute_statistics

SCALINGS = ("standard", "minmax", "none")


@keras.saving.register_keras_serializable(package="keras_recipes")
class MissingIndicator(keras.layers.Layer):
    """Outputs 1.0 where a column's value is missing (NaN) and 0.0 elsewhere.

    Args:
        columns: Indices (last axis) of the columns to flag, in output
            order.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Raises:
        ValueError: If `columns` is empty or holds a negative index.

    Example:

    >>> MissingIndicator(columns=[1])(np.array([[1.0, np.nan]], "float32"))
    ... # [[1.0]]
    """

    def __init__(self, columns, **kwargs):
        super().__init__(**kwargs)
        columns = [int(column) for column in columns]
        if not columns or min(columns) < 0:
            raise ValueError("The 'columns' parameter of MissingIndicator must be a "
                             f"non-empty list of column indices. Got {columns} instead.")
        self.columns = columns

    def call(self, inputs):
        flagged = ops.take(inputs, ops.convert_to_tensor(self.columns, "int32"), axis=-1)
        return ops.cast(ops.isnan(flagged), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], len(self.columns))

    def get_config(self):
        config = super().get_config()
        config.update({"columns": self.columns})
        return config


def select_columns(x_train, y_train, task, count):
    """Indices of the `count` columns with the highest univariate F score.

    Classification targets use the ANOVA F test (`f_classif`), regression
    targets the F test of the correlation (`f_regression`), both computed
    on `x_train` as given (impute missing values first). A constant column
    scores 0.

    Args:
        x_train: Float array `(samples, columns)` without NaN.
        y_train: Training targets.
        task: `"binary"`, `"multiclass"` or `"regression"`.
        count: Number of columns to keep, in `[1, columns]`.

    Returns:
        The sorted indices, a list of ints.

    Raises:
        ValueError: If `count` is out of range.
    """
    columns = np.shape(x_train)[1]
    if (isinstance(count, bool) or not isinstance(count, numbers.Integral)
            or not 1 <= count <= columns):
        raise ValueError(f"The 'select_features' parameter must be None or an integer in "
                         f"[1, {columns}] (the numeric columns). Got {count!r} instead.")
    test = f_regression if task == "regression" else f_classif
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Features [...] are constant."
        scores, _ = test(np.asarray(x_train, "float64"), np.asarray(y_train))
    scores = np.nan_to_num(scores, nan=0.0)
    return sorted(int(i) for i in np.argsort(-scores, kind="stable")[:count])


def build_feature_preparation(x_train, y_train=None, task=None, *, scaling="standard",
                              impute=None, missing_indicator=False, select_features=None):
    """Builds a model that prepares raw numeric rows for a network.

    Every statistic is fitted on `x_train` (and `y_train` for the
    selection) and stored in the model, so it prepares new rows exactly as
    it prepared the training rows and saves with the network as one
    `.keras` file.

    Args:
        x_train: Training features, a float array `(samples, columns)`;
            NaN marks a missing value.
        y_train: Training targets, needed by `select_features`. Defaults to
            `None`.
        task: `"binary"`, `"multiclass"` or `"regression"`, needed by
            `select_features`. Defaults to `None`.
        scaling: `"standard"`, `"minmax"` or `"none"`. A constant column
            keeps its scale instead of being divided by zero. Defaults to
            `"standard"`.
        impute: `None`, `"mean"`, `"median"` or `"most_frequent"` (see
            `impute_statistics`). Defaults to `None`: missing values are
            refused.
        missing_indicator: Whether to append one 0/1 column per column that
            has missing training values (needs `impute`). Defaults to
            `False`.
        select_features: `None` (keep every column) or how many columns to
            keep (see `select_columns`). Defaults to `None`.

    Returns:
        A functional `keras.Model` from a `"numeric"` float32 input of
        shape `(columns,)` to a float32 tensor `(batch, features)`.

    Raises:
        ValueError: If `x_train` is not a non-empty 2-D array, has missing
            values and `impute` is `None`, `missing_indicator` comes
            without `impute`, `select_features` comes without `y_train`
            and `task`, or a parameter is out of range.

    Example:

    >>> preparation = build_feature_preparation(x_train, scaling="minmax")
    """
    if scaling not in SCALINGS:
        raise ValueError(f"The 'scaling' parameter must be one of {', '.join(SCALINGS)}. "
                         f"Got {scaling!r} instead.")
    if missing_indicator and impute is None:
        raise ValueError("The 'missing_indicator' parameter needs 'impute' (the indicator "
                         "marks the values the imputer filled). Got impute=None.")
    if select_features is not None and (y_train is None or task is None):
        raise ValueError("The 'select_features' parameter needs 'y_train' and 'task' to "
                         f"score the columns. Got y_train={type(y_train).__name__}, "
                         f"task={task!r}.")
    x = np.asarray(x_train, dtype="float32")
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError("The 'x_train' parameter must be a float array of shape (samples, "
                         f"columns). Got shape {x.shape} instead.")
    inputs = keras.Input(shape=(x.shape[1],), dtype="float32", name="numeric")
    missing = np.isnan(x)
    features = inputs
    if impute is not None:
        statistics = impute_statistics(x, impute)
        features = Imputer(statistics, dtype="float32", name="imputer")(features)
        x = np.where(missing, statistics, x).astype("float32")
    elif missing.any():
        raise ValueError(f"The 'x_train' parameter has {int(missing.sum())} missing values "
                         f"in columns {np.flatnonzero(missing.any(axis=0)).tolist()}; "
                         "impute them (impute='median') or drop them.")
    if select_features is not None:
        kept = select_columns(x, y_train, task, select_features)
        features = _fixed_projection(features, np.eye(x.shape[1], dtype="float32")[:, kept],
                                     "feature_selection")
        x = x[:, kept]
    features = _scale(features, x, scaling)
    flagged = np.flatnonzero(missing.any(axis=0))
    if missing_indicator and flagged.size:
        indicator = MissingIndicator(flagged.tolist(), dtype="float32",
                                     name="missing_indicator")(inputs)
        features = keras.layers.Concatenate(dtype="float32", name="features")(
            [features, indicator])
    return keras.Model(inputs, features, name="feature_preparation")


def _scale(features, x, scaling):
    if scaling == "none":
        return features
    if scaling == "standard":
        centre, spread = x.mean(axis=0), x.std(axis=0)
    else:
        centre, spread = x.min(axis=0), x.max(axis=0) - x.min(axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    # (x - centre) / spread, stored as a Normalization layer's mean and variance.
    return keras.layers.Normalization(mean=centre, variance=spread ** 2, dtype="float32",
                                      name=f"{scaling}_scaling")(features)


def _fixed_projection(features, matrix, name):
    projection = keras.layers.Dense(matrix.shape[1], use_bias=False, trainable=False,
                                    dtype="float32", name=name)
    outputs = projection(features)
    projection.set_weights([matrix])
    return outputs

"""Loads a user's CSV file into a `Dataset`, refusing bad input up front.

Every check runs before any training and names the file, column or value at
fault. The file is only read, never modified.
"""

import os
import re

import numpy as np
import pandas as pd

from keras_recipes.recipes.common.datasets import split_dataset

IMPUTE_STRATEGIES = ("mean", "median", "most_frequent")
CSV_TASKS = ("classification", "regression")


def load_csv(path, target, task="classification", impute=None, drop=(),
             seed=42, validation_fraction=0.15, test_fraction=0.15):
    """Reads a CSV file, validates it and splits it into a `Dataset`.

    Numeric columns become one float32 matrix (input `"numeric"`); text
    columns stay raw strings (one `(n, 1)` `tf.string` tensor each, since
    Keras's NumPy adapters refuse string arrays) so the model encodes them
    itself and a saved model takes raw rows. Missing numeric values are
    refused unless `impute` is given, in which case they stay NaN for the
    model's imputation layer; missing text values become their own category.

    Args:
        path: Path of the CSV file (header row required).
        target: Name of the target column.
        task: `"classification"` or `"regression"`. Defaults to
            `"classification"`.
        impute: `None`, `"mean"`, `"median"` or `"most_frequent"`. Defaults
            to `None` (missing values are an error).
        drop: Column names to ignore, such as ID columns. Defaults to `()`.
        seed: Split seed. Defaults to `42`.
        validation_fraction: Defaults to `0.15`.
        test_fraction: Defaults to `0.15`.

    Returns:
        A `Dataset` whose `categorical_columns` are the input names of the
        text columns.

    Raises:
        ValueError: For a missing or empty file, an unknown target or dropped
            column, a target with missing values or a single class, an ID-like
            text column, missing feature values without `impute`, or too few
            rows to split.
    """
    _check_choice("task", task, CSV_TASKS)
    if impute is not None:
        _check_choice("impute", impute, IMPUTE_STRATEGIES)
    frame = read_csv(path)
    name = os.path.basename(path)
    _check_columns(frame, name, [target], "target")
    _check_columns(frame, name, list(drop), "drop")
    features = frame.drop(columns=[target, *drop])
    if features.shape[1] == 0:
        raise ValueError(f"{name} has no feature columns besides '{target}'.")
    y, class_names, dataset_task = _encode_target(frame[target], target, task)
    numeric = [c for c in features if _is_numeric(features[c])]
    categorical = [c for c in features if c not in numeric]
    _check_id_columns(features, categorical)
    _check_missing(features, impute)

    x = {}
    if numeric:
        x["numeric"] = features[numeric].to_numpy(dtype="float32")
    input_names = _input_names(categorical)
    if categorical:
        import tensorflow as tf  # Keras feeds string inputs only as tensors.

        for column, input_name in zip(categorical, input_names):
            values = features[column].astype("string").fillna("").to_numpy(str)
            x[input_name] = tf.constant(values.reshape(-1, 1))
    if not categorical:
        x = x["numeric"]
    return split_dataset(
        name, dataset_task, x, y, numeric + categorical,
        categorical_columns=input_names, class_names=class_names, seed=seed,
        validation_fraction=validation_fraction, test_fraction=test_fraction,
    )


def read_csv(path):
    """Reads a CSV file with a clear error when it is missing or empty."""
    if not os.path.isfile(path):
        raise ValueError(f"The CSV file '{path}' does not exist.")
    if os.path.getsize(path) == 0:
        raise ValueError(f"The CSV file '{path}' is empty.")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise ValueError(f"The CSV file '{path}' is empty.") from None
    except pd.errors.ParserError as error:
        raise ValueError(f"The CSV file '{path}' could not be parsed: {error}") from None
    if len(frame) == 0:
        raise ValueError(f"The CSV file '{path}' has a header but no data rows.")
    return frame


def _check_choice(parameter, value, choices):
    if value not in choices:
        raise ValueError(
            f"The '{parameter}' parameter must be one of {', '.join(choices)}. "
            f"Got {value!r} instead."
        )


def _check_columns(frame, name, columns, role):
    unknown = [c for c in columns if c not in frame.columns]
    if unknown:
        raise ValueError(
            f"Column {', '.join(map(repr, unknown))} (the {role}) is not in "
            f"{name}. Its columns are: {', '.join(map(str, frame.columns))}."
        )


def _rows(mask):
    rows = (np.flatnonzero(mask) + 1).tolist()
    shown = ", ".join(map(str, rows[:5]))
    return shown + (", ..." if len(rows) > 5 else "")


def _encode_target(column, target, task):
    missing = column.isna()
    if missing.any():
        raise ValueError(
            f"The target column '{target}' has {int(missing.sum())} missing "
            f"values (data rows {_rows(missing)}); drop those rows first."
        )
    if task == "regression":
        if not _is_numeric(column):
            raise ValueError(
                f"The target column '{target}' must be numeric for regression. "
                f"Got values such as {column.iloc[0]!r} instead."
            )
        return column.to_numpy(dtype="float32"), None, "regression"
    classes, y = np.unique(column.to_numpy(), return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            f"The target column '{target}' has a single class "
            f"({classes[0]!r}); classification needs at least two."
        )
    dataset_task = "binary" if len(classes) == 2 else "multiclass"
    return y.astype("int64"), [str(c) for c in classes], dataset_task


def _is_numeric(column):
    return pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


def _check_id_columns(features, categorical):
    for column in categorical:
        values = features[column].dropna()
        if len(features) >= 10 and values.nunique() == len(features):
            raise ValueError(
                f"Column '{column}' is text with a different value in every row "
                "(an ID?); it cannot help a model generalise. Drop it with "
                f"--drop {column}."
            )


def _check_missing(features, impute):
    if impute is not None:
        return
    for column in features:
        missing = features[column].isna()
        if missing.any():
            raise ValueError(
                f"Column '{column}' has {int(missing.sum())} missing values "
                f"(data rows {_rows(missing)}); impute or drop them "
                "(--impute median)."
            )


def _input_names(columns):
    names = []
    for column in columns:
        base = re.sub(r"\W+", "_", str(column)).strip("_") or "column"
        if base[0].isdigit() or base == "numeric":
            base = f"col_{base}"
        name, suffix = base, 2
        while name in names:
            name, suffix = f"{base}_{suffix}", suffix + 1
        names.append(name)
    return names

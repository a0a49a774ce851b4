"""Dropping numeric columns that are constant on the training rows.

A column with a single value in the training rows carries no information for
a model trained on them: it is only an input that is always zero after
scaling (the library's preprocessing keeps a zero-variance column at unit
scale rather than dividing by ~0). Small training subsets of sparse data
(the border pixels of `digits`, rare one-hot flags) have many.
`drop_constant_columns` removes such columns from every split before the
preprocessing is fitted, which keeps the model and its report smaller.
"""

import dataclasses
import warnings

import numpy as np


def constant_columns(x_train):
    """Returns the indices of the numeric columns constant on `x_train`.

    Args:
        x_train: A float array `(samples, columns)`, or a dict whose
            `"numeric"` entry is one (other entries are categorical columns
            and are ignored).

    Returns:
        A sorted list of column indices (empty when there is no numeric
        part).
    """
    numeric = x_train.get("numeric") if isinstance(x_train, dict) else x_train
    if numeric is None:
        return []
    numeric = np.asarray(numeric, dtype="float64")
    if numeric.shape[0] == 0:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # All-NaN columns.
        low = np.nanmin(numeric, axis=0)
        high = np.nanmax(numeric, axis=0)
    constant = (low == high) | np.isnan(low)
    return np.flatnonzero(constant).tolist()


def drop_constant_columns(dataset):
    """Removes the numeric columns that are constant on the training split.

    The same columns are removed from the validation and test splits, and
    from `feature_names`. Categorical columns are kept.

    Args:
        dataset: A `Dataset`.

    Returns:
        A tuple `(dataset, dropped)`: the new `Dataset` (the same object when
        nothing is dropped) and the names of the dropped columns.

    Raises:
        ValueError: If every feature of the dataset would be dropped.

    Example:

    >>> dataset, dropped = drop_constant_columns(load_dataset("digits"))
    >>> dropped
    ['pixel_0_0', 'pixel_4_0', 'pixel_4_7']
    """
    columns = constant_columns(dataset.x_train)
    if not columns:
        return dataset, []
    numeric = (dataset.x_train["numeric"] if isinstance(dataset.x_train, dict)
               else dataset.x_train)
    width = numeric.shape[1]
    keep = np.setdiff1d(np.arange(width), columns)
    categorical = len(dataset.feature_names) - width
    if len(keep) == 0 and categorical == 0:
        raise ValueError(
            f"Every feature of {dataset.name} is constant on its "
            f"{len(dataset.y_train)} training rows; there is nothing to learn from. "
            "Use more training rows.")
    numeric_names = dataset.feature_names[:width]
    dropped = [numeric_names[i] for i in columns]
    parts = {}
    for part in ("train", "val", "test"):
        x = getattr(dataset, f"x_{part}")
        if isinstance(x, dict):
            x = dict(x)
            if len(keep):
                x["numeric"] = x["numeric"][:, keep]
            else:
                del x["numeric"]
        else:
            x = x[:, keep]
        parts[f"x_{part}"] = x
    names = [numeric_names[i] for i in keep] + list(dataset.feature_names[width:])
    return dataclasses.replace(dataset, feature_names=names, **parts), dropped

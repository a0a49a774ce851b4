"""Row selection and stacking for model inputs: arrays, or dicts of columns.

Tabular inputs with text columns are dicts mixing NumPy arrays and string
tensors; these two helpers select and stack their rows the same way for
every container, so folds, bootstrap resamples and splits need no branch.
"""

import numpy as np
from keras import ops


def take_rows(x, indices):
    """Selects rows of an array, or of every column of a dict of arrays.

    Args:
        x: An array, or a dict of arrays (or backend tensors, such as string
            columns) with the same number of rows.
        indices: Integer row indices.

    Returns:
        The rows, in the container type of `x`.
    """
    if isinstance(x, dict):
        return {name: take_rows(column, indices) for name, column in x.items()}
    if isinstance(x, np.ndarray):
        return x[indices]
    return ops.take(x, indices, axis=0)


def concatenate_rows(parts):
    """Stacks the rows of several arrays (or backend tensors, such as string columns)."""
    if all(isinstance(part, np.ndarray) for part in parts):
        return np.concatenate(parts)
    return ops.concatenate([ops.convert_to_tensor(part) for part in parts], axis=0)

"""A shift in what the model says: KS tests on its output probabilities.

The model's outputs on the new rows are compared with its outputs on
reference rows by a two-sample Kolmogorov-Smirnov test per output column
(the one sigmoid column of a binary classifier, each class of a softmax,
the prediction of a regression), Holm-corrected over the columns. It needs
no labels, sees only the shifts that reach the model's decision (a moved
feature the model ignores goes unseen, a changed class mix does not), and
tests a handful of columns where the feature tests test every feature.

Use held-out rows as the reference (the validation split): on its own
training rows a model is more confident than on any new rows, and that
difference alone can look like a shift.

Example:

>>> result = output_shift_test(model.predict(x_val), model.predict(x_new))
>>> result["p_value"] < 0.05
True
"""

import numpy as np
from scipy import stats

from keras_recipes.tuning.feature_shift import adjust_p_values


def output_shift_test(reference_outputs, current_outputs):
    """Kolmogorov-Smirnov tests of each output column, Holm-corrected.

    Args:
        reference_outputs: Model outputs on the reference rows, shaped
            `(rows,)` or `(rows, columns)`.
        current_outputs: Model outputs on the new rows, with as many
            columns.

    Returns:
        A dict: `statistic` (the largest KS distance over the columns),
        `p_value` (the smallest Holm-adjusted p-value) and `columns` (per
        column: `column`, `statistic`, `p_value`, `p_adjusted`).

    Raises:
        ValueError: If the two have different numbers of columns, or no rows.

    Example:

    >>> output_shift_test(np.random.rand(100, 1), np.random.rand(80, 1))["p_value"] > 0.05
    True
    """
    reference = _columns(reference_outputs, "reference_outputs")
    current = _columns(current_outputs, "current_outputs")
    if reference.shape[1] != current.shape[1]:
        raise ValueError(
            f"The 'current_outputs' must have the {reference.shape[1]} columns of the "
            f"'reference_outputs'. Got {current.shape[1]} columns instead.")
    tests = [stats.ks_2samp(reference[:, index], current[:, index])
             for index in range(reference.shape[1])]
    adjusted = adjust_p_values([test.pvalue for test in tests])
    columns = [{"column": index, "statistic": float(test.statistic),
                "p_value": float(test.pvalue), "p_adjusted": float(p)}
               for index, (test, p) in enumerate(zip(tests, adjusted))]
    return {"statistic": max(c["statistic"] for c in columns),
            "p_value": min(c["p_adjusted"] for c in columns), "columns": columns}


def _columns(outputs, name):
    outputs = np.asarray(outputs, dtype="float64")
    outputs = outputs.reshape(len(outputs), -1) if outputs.ndim else outputs.reshape(1, 1)
    if len(outputs) == 0:
        raise ValueError(f"The '{name}' parameter must hold at least one row. Got none.")
    return outputs

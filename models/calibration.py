"""Calibration measures of predicted class probabilities (NumPy only).

A classifier is *calibrated* when, among the rows it gives 80% confidence,
about 80% are right. Accuracy does not see this; these measures do:

- `negative_log_likelihood`: mean `-log p(true class)`; punishes confident
  mistakes without bound.
- `brier_score`: mean squared error of the probability vector against the
  one-hot truth (for one sigmoid output, of `p` against `y`).
- `expected_calibration_error`: the gap between confidence and accuracy,
  averaged over confidence bins weighted by their rows (Guo et al., 2017).
- `reliability_curve`: the per-bin numbers a reliability diagram draws.

Probabilities are `(rows, classes)` softmax outputs, or `(rows,)` /
`(rows, 1)` probabilities of the positive class.

Example:

>>> y = np.array([0, 1, 1, 0])
>>> p = np.array([0.1, 0.8, 0.6, 0.3])
>>> round(brier_score(y, p), 4)
0.075
"""

import numbers

import numpy as np


def _two_columns(y_true, probabilities):
    y_true = np.asarray(y_true).reshape(-1).astype("int64")
    p = np.asarray(probabilities, dtype="float64")
    if p.ndim == 1 or p.shape[-1] == 1:
        positive = p.reshape(-1)
        p = np.stack([1 - positive, positive], axis=1)
    if p.ndim != 2 or len(p) != len(y_true):
        raise ValueError(
            "The 'probabilities' parameter must be (rows, classes) or (rows,) with one "
            f"row per label ({len(y_true)}). Got shape {np.shape(probabilities)} instead.")
    if len(y_true) == 0:
        raise ValueError("The 'y_true' parameter must hold at least one label. Got an "
                         "empty array instead.")
    if y_true.min() < 0 or y_true.max() >= p.shape[1]:
        raise ValueError(
            f"The 'y_true' parameter must hold class indices in [0, {p.shape[1] - 1}]. "
            f"Got values from {y_true.min()} to {y_true.max()} instead.")
    return y_true, p


def negative_log_likelihood(y_true, probabilities, epsilon=1e-7):
    """Mean negative log-probability of the true class (the log loss).

    Args:
        y_true: True class indices.
        probabilities: Predicted probabilities (see the module docstring).
        epsilon: Probabilities are clipped to `[epsilon, 1]` so a confident
            mistake costs `-log(epsilon)`, not infinity. Defaults to `1e-7`.

    Returns:
        A float.
    """
    y_true, p = _two_columns(y_true, probabilities)
    true_class = np.clip(p[np.arange(len(y_true)), y_true], epsilon, 1.0)
    return float(-np.mean(np.log(true_class)))


def brier_score(y_true, probabilities):
    """Mean squared error of the predicted probabilities against the truth.

    For one sigmoid output (or `(rows,)` probabilities) it is the usual
    binary Brier score `mean((p - y)^2)`, from 0 (perfect) to 1; for
    `(rows, classes)` probabilities the multiclass form
    `mean(sum_c (p_c - [y == c])^2)`, from 0 to 2.

    Args:
        y_true: True class indices.
        probabilities: Predicted probabilities.

    Returns:
        A float.
    """
    binary = np.ndim(probabilities) == 1 or np.shape(probabilities)[-1] == 1
    y_true, p = _two_columns(y_true, probabilities)
    if binary:
        return float(np.mean((p[:, 1] - y_true) ** 2))
    one_hot = np.eye(p.shape[1])[y_true]
    return float(np.mean(np.sum((p - one_hot) ** 2, axis=1)))


def reliability_curve(y_true, probabilities, bins=10):
    """Confidence against accuracy in equal-width bins of the top-class confidence.

    Args:
        y_true: True class indices.
        probabilities: Predicted probabilities.
        bins: Number of equal-width confidence bins over `[0, 1]`, an
            integer >= 1. Defaults to `10`.

    Returns:
        A dict of arrays, one entry per non-empty bin: `confidence` (mean
        top-class probability), `accuracy` (fraction right), `count`
        (rows), plus `edges` (all `bins + 1` bin edges).

    Raises:
        ValueError: If `bins` is not a positive integer or the shapes
            disagree.
    """
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or bins < 1:
        raise ValueError(f"The 'bins' parameter must be an integer >= 1. "
                         f"Got {bins!r} instead.")
    y_true, p = _two_columns(y_true, probabilities)
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == y_true).astype("float64")
    edges = np.linspace(0.0, 1.0, bins + 1)
    # Bin (lo, hi]; a confidence of exactly 0 joins the first bin.
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    kept = counts > 0
    mean_confidence = np.bincount(index, confidence, bins)[kept] / counts[kept]
    accuracy = np.bincount(index, correct, bins)[kept] / counts[kept]
    return {"confidence": mean_confidence, "accuracy": accuracy,
            "count": counts[kept], "edges": edges}


def expected_calibration_error(y_true, probabilities, bins=10):
    """Expected calibration error: mean |accuracy - confidence| over bins.

    The rows are binned by their top-class confidence (`bins` equal-width
    bins); each bin's gap between accuracy and mean confidence is weighted
    by its share of rows (Naeini et al., 2015; Guo et al., 2017). 0 is
    perfectly calibrated. It depends on `bins` and is noisy on a few
    hundred rows, so compare models at the same `bins` on the same rows.

    Args:
        y_true: True class indices.
        probabilities: Predicted probabilities.
        bins: Number of bins. Defaults to `10`.

    Returns:
        A float in `[0, 1]`.
    """
    curve = reliability_curve(y_true, probabilities, bins)
    weights = curve["count"] / curve["count"].sum()
    return float(np.sum(weights * np.abs(curve["accuracy"] - curve["confidence"])))

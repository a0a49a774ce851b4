"""Integrated gradients: per-feature attributions of one model output.

Integrated gradients (Sundararajan, Taly and Yan, 2017) attribute an
output `f(x)` to the input features by integrating the output's gradient
along the straight path from a baseline `b` (an input that means "no
signal": a black image, the training means of a table) to `x`:

    IG_i(x) = (x_i - b_i) * integral from 0 to 1 of df/dx_i(b + a (x - b)) da

The integral is a sum over `steps` points of the path (the trapezoid rule
by default, or a left, right or midpoint Riemann sum), each gradient from
`output_gradients`, so it runs on every backend. Its defining property is
*completeness*: the attributions of a row add up to `f(x) - f(b)`.
`completeness_gap` measures how far a finite sum is from it; with the
default 50 trapezoid steps on the small MLPs and CNNs of this project the
gap stays within `COMPLETENESS_TOLERANCE` (5%) of `|f(x) - f(b)|` (or
`COMPLETENESS_ATOL` when that difference is tiny); more steps shrink it.

Example:

>>> attributions = integrated_gradients(model, x_test, baseline=x_train.mean(axis=0))
>>> gap = completeness_gap(model, x_test, attributions, baseline=x_train.mean(axis=0))
>>> bool(gap["within_tolerance"].all())
True
"""

import numbers

import keras
import numpy as np

from keras_recipes.models.input_gradients import output_gradients

RULES = ("trapezoid", "left", "right", "midpoint")
COMPLETENESS_TOLERANCE = 0.05
COMPLETENESS_ATOL = 0.005
_PATH_ROWS = 4096  # Largest batch of path points sent to one gradient call.


def path_weights(steps=50, rule="trapezoid"):
    """The points `a` of the path in [0, 1] and their quadrature weights.

    Args:
        steps: Number of intervals of [0, 1]. Defaults to `50`.
        rule: `"trapezoid"` (`steps + 1` points), `"left"`, `"right"` or
            `"midpoint"` (`steps` points). Defaults to `"trapezoid"`.

    Returns:
        `(alphas, weights)`, two float arrays; the weights sum to 1.

    Raises:
        ValueError: If `steps` is not a positive integer or `rule` is unknown.
    """
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
        raise ValueError(f"The 'steps' parameter must be a positive integer. Got "
                         f"{steps!r} instead.")
    if rule not in RULES:
        raise ValueError(f"The 'rule' parameter must be one of {', '.join(RULES)}. Got "
                         f"{rule!r} instead.")
    if rule == "trapezoid":
        weights = np.full(steps + 1, 1.0 / steps)
        weights[[0, -1]] /= 2
        return np.linspace(0.0, 1.0, steps + 1), weights
    offset = {"left": 0.0, "right": 1.0, "midpoint": 0.5}[rule]
    return (np.arange(steps) + offset) / steps, np.full(steps, 1.0 / steps)


def integrated_gradients(model, x, baseline=None, output_index=None, steps=50,
                         rule="trapezoid"):
    """Attributes one output of a model to each input feature of each row.

    Args:
        model: A built `keras.Model` with one numeric array input and
            outputs of shape `(batch, units)` (a softmax, a sigmoid unit, a
            regression output).
        x: The rows to explain, an array of shape `(rows, ...)`.
        baseline: The input that means "no signal", broadcast to `x` (one
            row such as the training means, or an array like `x`).
            Defaults to `None`: zeros.
        output_index: The output column explained: one integer for every
            row, or one per row. Defaults to `None`: each row's predicted
            class (the argmax; column 0 for a single-unit output).
        steps: Intervals of the path integral. Defaults to `50`.
        rule: Quadrature rule, one of `RULES`. Defaults to `"trapezoid"`.

    Returns:
        A float32 array shaped like `x`.

    Raises:
        ValueError: If `baseline` does not broadcast to `x`, `output_index`
            has the wrong length, or `steps` or `rule` is invalid.
        TypeError: If `x` is not one array (see `output_gradients`).

    Example:

    >>> maps = integrated_gradients(cnn, images[:8], steps=64)
    >>> maps.shape == images[:8].shape
    True
    """
    alphas, weights = path_weights(steps, rule)
    x, baseline = _inputs_and_baseline(x, baseline)
    indices = explained_outputs(model, x, output_index)
    attributions = np.zeros_like(x)
    chunk = max(1, _PATH_ROWS // len(alphas))
    for column in np.unique(indices):
        rows = np.flatnonzero(indices == column)
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            attributions[part] = _integrate(model, x[part], baseline[part], int(column),
                                            alphas, weights)
    return attributions


def completeness_gap(model, x, attributions, baseline=None, output_index=None):
    """How far attributions are from adding up to `f(x) - f(baseline)`.

    Args:
        model: The model the attributions explain.
        x: The explained rows.
        attributions: Their attributions (`integrated_gradients`).
        baseline: The baseline used. Defaults to `None`: zeros.
        output_index: The output explained, as given to
            `integrated_gradients`. Defaults to `None`: the predicted class.

    Returns:
        A dict of per-row arrays: `total` (the sum of the attributions),
        `difference` (`f(x) - f(baseline)`), `gap` (`|total - difference|`),
        `relative_gap` (`gap / |difference|`) and `within_tolerance` (`gap
        <= max(COMPLETENESS_TOLERANCE * |difference|, COMPLETENESS_ATOL)`).

    Example:

    >>> gap = completeness_gap(model, x, integrated_gradients(model, x), None)
    >>> float(gap["relative_gap"].max()) < 0.05
    True
    """
    x, baseline = _inputs_and_baseline(x, baseline)
    indices = explained_outputs(model, x, output_index)
    rows = np.arange(len(x))
    difference = (predict_outputs(model, x)[rows, indices]
                  - predict_outputs(model, baseline)[rows, indices])
    total = np.asarray(attributions, dtype="float64").reshape(len(x), -1).sum(axis=1)
    gap = np.abs(total - difference)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = gap / np.abs(difference)
    allowed = np.maximum(COMPLETENESS_TOLERANCE * np.abs(difference), COMPLETENESS_ATOL)
    return {"total": total, "difference": difference, "gap": gap,
            "relative_gap": relative, "within_tolerance": gap <= allowed}


def explained_outputs(model, x, output_index=None):
    """The output column explained for each row (see `integrated_gradients`)."""
    if output_index is None:
        outputs = predict_outputs(model, x)
        return np.zeros(len(x), "int64") if outputs.shape[1] == 1 \
            else outputs.argmax(axis=1)
    indices = np.asarray(output_index, dtype="int64")
    if indices.ndim == 0:
        return np.full(len(x), int(indices))
    if indices.shape != (len(x),):
        raise ValueError(f"The 'output_index' parameter must be one integer or one per "
                         f"row ({len(x)}). Got shape {indices.shape} instead.")
    return indices


def predict_outputs(model, x):
    """The model's outputs in inference mode, as a float64 `(rows, units)` array."""
    outputs = keras.ops.convert_to_numpy(model(np.asarray(x, "float32"), training=False))
    return np.asarray(outputs, dtype="float64").reshape(len(x), -1)


def _inputs_and_baseline(x, baseline):
    x = np.asarray(x, dtype="float32")
    if baseline is None:
        return x, np.zeros_like(x)
    try:
        return x, np.broadcast_to(np.asarray(baseline, dtype="float32"), x.shape).copy()
    except ValueError:
        raise ValueError(f"The 'baseline' parameter must broadcast to the shape of 'x' "
                         f"{x.shape}. Got shape {np.shape(baseline)} instead.") from None


def _integrate(model, x, baseline, column, alphas, weights):
    delta = x - baseline
    shape = (len(alphas),) + (1,) * x.ndim
    path = baseline[None] + alphas.reshape(shape).astype("float32") * delta[None]
    gradients = output_gradients(model, path.reshape((-1,) + x.shape[1:]), column)
    gradients = gradients.reshape((len(alphas),) + x.shape)
    return (delta * np.tensordot(weights, gradients, axes=1)).astype("float32")

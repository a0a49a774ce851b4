"""SHAP values of a Keras model through shap's model-agnostic explainer.

SHAP values (Lundberg and Lee, 2017) share a row's output `f(x)` among
its features as Shapley values of a game whose players are the features:
a feature's value is its average contribution over the orders in which
features can be switched from "absent" to their value in `x`, "absent"
meaning drawn from background rows. shap's `PermutationExplainer` samples
those orders (antithetically, forward and back), so it needs nothing but
the model's prediction function and works for any backend; each row's
values add up exactly to `f(x)` minus the mean output over the
background rows.

shap is an optional dependency: `pip install "keras-recipes[explain]"`
(shap 0.51 with numpy 2 on Python 3.11; it pulls in numba). It is imported
only when `shap_values` runs.

Example:

>>> values = shap_values(model, x_test[:40], background=x_train[:50])
>>> values.shape == x_test[:40].shape
True
"""

import numpy as np

from keras_recipes.models.integrated_gradients import explained_outputs
from keras_recipes.models.integrated_gradients import predict_outputs


def import_shap():
    """Imports shap, or raises a `ValueError` with the command that installs it."""
    try:
        import shap
    except ImportError:
        raise ValueError(
            "SHAP values need the optional 'shap' package (shap>=0.51 for numpy 2): "
            "pip install \"keras-recipes[explain]\".") from None
    return shap


def shap_values(model, x, background, output_index=None, permutations=10, seed=0):
    """SHAP values of one output of a model, for each row and feature.

    Args:
        model: A built `keras.Model` with one numeric array input of shape
            `(batch, features)` and outputs of shape `(batch, units)`.
        x: The rows to explain, shaped `(rows, features)`.
        background: Rows that stand for "feature absent" (say 50 training
            rows); the cost grows with their number.
        output_index: The output column explained: one integer, or one per
            row. Defaults to `None`: each row's predicted class (column 0
            for a single-unit output).
        permutations: Feature orders sampled per row (each costs `2 *
            features + 1` evaluations of the model on every background
            row); more give steadier values. Defaults to `10`.
        seed: Seed of the sampled orders. Defaults to `0`.

    Returns:
        A float64 array shaped like `x`; row `i` sums to `f(x_i) -
        mean(f(background))` of its explained output.

    Raises:
        ValueError: If shap is not installed, `x` or `background` is not a
            2-D array with the same number of columns, or `permutations`
            is not a positive integer.

    Example:

    >>> values = shap_values(model, x_test, x_train[:50], permutations=5)
    >>> np.abs(values).mean(axis=0).argmax()
    """
    x = np.asarray(x, dtype="float32")
    background = np.asarray(background, dtype="float32")
    if x.ndim != 2 or background.ndim != 2 or x.shape[1] != background.shape[1]:
        raise ValueError(f"The 'x' and 'background' parameters must be 2-D arrays with the "
                         f"same number of columns. Got shapes {x.shape} and "
                         f"{background.shape} instead.")
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) \
            or permutations < 1:
        raise ValueError(f"The 'permutations' parameter must be a positive integer. Got "
                         f"{permutations!r} instead.")
    shap = import_shap()
    indices = explained_outputs(model, x, output_index)
    masker = shap.maskers.Independent(background, max_samples=len(background))
    explainer = shap.PermutationExplainer(lambda rows: predict_outputs(model, rows), masker,
                                          seed=seed)
    explanation = explainer(x, max_evals=int(permutations) * (2 * x.shape[1] + 1),
                            silent=True)
    values = np.asarray(explanation.values, dtype="float64").reshape(x.shape + (-1,))
    return values[np.arange(len(x)), :, indices]

"""Builds the preprocessing model of tabular data from the training split."""

import numbers

import keras
import numpy as np
from sklearn.decomposition import PCA

from keras_recipes.models.imputer import Imputer
from keras_recipes.models.imputer import impute_statistics

NUMERIC = "numeric"


def build_tabular_preprocessing(
    x_train, categorical_columns=(), impute=None, pca_components=None
):
    """Builds a model mapping raw tabular inputs to one float feature vector.

    Every statistic is fitted on `x_train` only and stored inside the
    returned model, so the model preprocesses new data exactly like the
    training data, and a model built on top of it (see `create_model`)
    saves and reloads as one `.keras` file.

    Numeric columns go through `Imputer` (when `impute` is set), then
    `keras.layers.Normalization`, then optionally a fixed (non-trainable)
    linear projection onto the first `pca_components` principal components
    of the normalised training data. Each categorical column is one-hot
    encoded by a `keras.layers.StringLookup` whose vocabulary is the
    column's training values, most frequent first; missing values (`""`,
    `None` or NaN) and values not seen in training map to the
    out-of-vocabulary token.

    Args:
        x_train: Training features: either a float array of shape
            `(samples, columns)` (all-numeric data), or a dict holding an
            optional `"numeric"` float array of shape `(samples, columns)`
            and, per categorical column, a string (or object) array of
            shape `(samples, 1)` keyed by the column name (a valid Python
            identifier).
        categorical_columns: Names of the categorical columns in `x_train`.
            Defaults to `()`: every key of a dict `x_train` other than
            `"numeric"`.
        impute: `None`, `"mean"`, `"median"` or `"most_frequent"`: how to
            fill missing numeric values. Defaults to `None`: missing numeric
            values are refused.
        pca_components: `None`, or the number of principal components to
            keep of the numeric columns. Defaults to `None`.

    Returns:
        A functional `keras.Model`. Its input is a single `"numeric"` input
        when `x_train` is an array, else a dict of inputs named like the
        keys of `x_train` (`"numeric"` of shape `(columns,)` float32; each
        categorical column of shape `(1,)` and dtype string). Its output is
        a float32 tensor of shape `(batch, features)`.

    Raises:
        ValueError: If `x_train` has missing numeric values and `impute`
            is `None`, if a parameter is invalid, or if the columns of
            `x_train` and `categorical_columns` disagree.
        TypeError: If `x_train` is neither an array nor a dict, or its
            numeric part is not numeric.

    Example:

    ```python
    preprocessing = build_tabular_preprocessing(
        {"numeric": x_numeric, "city": x_city},
        categorical_columns=("city",),
        impute="median",
    )
    model = create_model(
        "mlp", task="binary", num_classes=2, preprocessing=preprocessing
    )
    ```

    With the TensorFlow backend, pass string columns to `fit`/`predict` as
    tensors or through `tf.data` (Keras refuses NumPy string arrays), with
    `None` replaced by `""`.
    """
    numeric, categorical = _split_columns(x_train, categorical_columns)
    inputs = {}
    features = []
    if numeric is not None:
        inputs[NUMERIC] = keras.Input(
            shape=(numeric.shape[1],), dtype="float32", name=NUMERIC
        )
        features.append(
            _numeric_features(inputs[NUMERIC], numeric, impute, pca_components)
        )
    for name, values in categorical.items():
        inputs[name] = keras.Input(shape=(1,), dtype="string", name=name)
        lookup = keras.layers.StringLookup(
            vocabulary=_vocabulary(name, values),
            output_mode="one_hot",
            name=f"lookup_{name}",
        )
        features.append(lookup(inputs[name]))
    if len(features) == 1:
        outputs = features[0]
    else:
        outputs = keras.layers.Concatenate(dtype="float32", name="features")(
            features
        )
    if not isinstance(x_train, dict):
        inputs = inputs[NUMERIC]
    return keras.Model(inputs, outputs, name="tabular_preprocessing")


def _split_columns(x_train, categorical_columns):
    """Returns (numeric float32 array or None, {name: values}), validated."""
    if isinstance(x_train, dict):
        names = tuple(categorical_columns) or tuple(
            key for key in x_train if key != NUMERIC
        )
        expected = set(names) | ({NUMERIC} & set(x_train))
        if set(x_train) != expected or NUMERIC in names:
            raise ValueError(
                "The keys of 'x_train' must be 'numeric' (optional) and the "
                f"categorical_columns. Received: keys={sorted(x_train)}, "
                f"categorical_columns={list(categorical_columns)}"
            )
        numeric = x_train.get(NUMERIC)
        categorical = {name: x_train[name] for name in names}
    elif categorical_columns:
        raise ValueError(
            "The 'categorical_columns' parameter needs a dict 'x_train'. "
            f"Received: categorical_columns={list(categorical_columns)} with "
            f"x_train of type {type(x_train).__name__}"
        )
    else:
        numeric, categorical = x_train, {}
    if numeric is None and not categorical:
        raise ValueError("The 'x_train' parameter holds no columns.")
    if numeric is not None:
        try:
            numeric = np.asarray(numeric, dtype="float32")
        except (TypeError, ValueError) as error:
            raise TypeError(
                "The numeric part of 'x_train' must be a float array. "
                f"Received an array that is not numeric ({error})."
            ) from None
        if numeric.ndim != 2 or numeric.shape[0] == 0:
            raise ValueError(
                "The numeric part of 'x_train' must have shape "
                f"(samples, columns). Received: shape={numeric.shape}"
            )
    return numeric, categorical


def _numeric_features(inputs, numeric, impute, pca_components):
    """Imputes, normalises and optionally projects the numeric columns."""
    x = inputs
    if impute is not None:
        statistics = impute_statistics(numeric, impute)
        x = Imputer(statistics, dtype="float32", name="imputer")(x)
        numeric = np.where(np.isnan(numeric), statistics, numeric)
    missing = np.isnan(numeric)
    if missing.any():
        rows = np.flatnonzero(missing.any(axis=1))
        columns = np.flatnonzero(missing.any(axis=0))
        raise ValueError(
            f"The numeric part of 'x_train' has {int(missing.sum())} missing "
            f"values (rows {_preview(rows)}; columns {columns.tolist()}); "
            "impute them (impute='median') or drop them."
        )
    variance = numeric.var(axis=0)
    # A constant column keeps unit scale (as scikit-learn's StandardScaler
    # does) instead of dividing by ~0, which would blow up unseen values.
    normalization = keras.layers.Normalization(
        mean=numeric.mean(axis=0),
        variance=np.where(variance > 0, variance, 1.0),
        dtype="float32",
        name="normalization",
    )
    x = normalization(x)
    if pca_components is None:
        return x
    limit = min(numeric.shape)
    if (
        isinstance(pca_components, bool)
        or not isinstance(pca_components, numbers.Integral)
        or not 1 <= pca_components <= limit
    ):
        raise ValueError(
            f"The 'pca_components' parameter must be None or an integer in "
            f"[1, {limit}] (min of samples and numeric columns). "
            f"Received: pca_components={pca_components!r}"
        )
    normalized = keras.ops.convert_to_numpy(normalization(numeric))
    pca = PCA(n_components=pca_components, svd_solver="full").fit(normalized)
    projection = keras.layers.Dense(
        pca_components, trainable=False, dtype="float32", name="pca"
    )
    x = projection(x)
    projection.set_weights(
        [pca.components_.T, -pca.mean_ @ pca.components_.T]
    )
    return x


def _preview(indices, size=5):
    """Returns the first `size` indices as text, with '...' if there are more."""
    text = ", ".join(str(i) for i in indices[:size])
    return text + (", ..." if len(indices) > size else "")


def _vocabulary(name, values):
    """Returns the present values of a column, most frequent first."""
    values = np.asarray(keras.ops.convert_to_numpy(values), dtype=object).reshape(-1)
    values = [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]
    present = [
        str(value)
        for value in values
        if value is not None
        and value != ""
        and not (isinstance(value, float) and np.isnan(value))
    ]
    if not present:
        raise ValueError(
            f"Categorical column '{name}' has no values (all missing); "
            "drop it."
        )
    unique, counts = np.unique(present, return_counts=True)
    order = sorted(range(len(unique)), key=lambda i: (-counts[i], unique[i]))
    return [str(unique[i]) for i in order]

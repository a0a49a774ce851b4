"""A layer that replaces missing (NaN) numeric values by fitted statistics."""

import keras
import numpy as np
from keras import ops

STRATEGIES = ("mean", "median", "most_frequent")


def impute_statistics(x, strategy):
    """Computes the per-column replacement values for missing entries.

    Args:
        x: Float array of shape `(samples, columns)`; NaN marks a missing
            value.
        strategy: `"mean"`, `"median"` or `"most_frequent"` (the smallest
            of equally frequent values), computed over the present values.

    Returns:
        A float64 array of shape `(columns,)`.

    Raises:
        ValueError: If `strategy` is unknown, or a column has no values.
    """
    if strategy not in STRATEGIES:
        raise ValueError(
            f"The 'impute' parameter must be None or one of: "
            f"{', '.join(STRATEGIES)}. Received: impute={strategy!r}"
        )
    x = np.asarray(x, dtype="float64")
    empty = np.flatnonzero(np.isnan(x).all(axis=0))
    if empty.size:
        raise ValueError(
            f"Numeric columns {empty.tolist()} have no values to impute "
            f"from (all missing); drop them."
        )
    if strategy == "mean":
        return np.nanmean(x, axis=0)
    if strategy == "median":
        return np.nanmedian(x, axis=0)
    statistics = []
    for column in x.T:
        values, counts = np.unique(column[~np.isnan(column)], return_counts=True)
        statistics.append(values[np.argmax(counts)])
    return np.array(statistics)


@keras.saving.register_keras_serializable(package="keras_recipes")
class Imputer(keras.layers.Layer):
    """Replaces NaN entries of each column by a fixed statistic.

    The statistics are fitted once, on the training data, by
    `impute_statistics`, and stored in the layer's config, so a saved model
    imputes new data exactly as it imputed the training data.

    Args:
        statistics: One replacement value per column (last axis).
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Raises:
        ValueError: If `statistics` is empty or holds a non-finite value.

    Example:

    >>> layer = Imputer(statistics=[1.0, 5.0])
    >>> layer(np.array([[np.nan, 2.0]], "float32"))
    ... # [[1.0, 2.0]]
    """

    def __init__(self, statistics, **kwargs):
        super().__init__(**kwargs)
        statistics = [float(value) for value in statistics]
        if not statistics or not np.all(np.isfinite(statistics)):
            raise ValueError(
                "The 'statistics' parameter of Imputer must be a non-empty "
                f"list of finite numbers. Received: statistics={statistics}"
            )
        self.statistics = statistics

    def call(self, inputs):
        statistics = ops.cast(ops.convert_to_tensor(self.statistics), inputs.dtype)
        return ops.where(ops.isnan(inputs), statistics, inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"statistics": self.statistics})
        return config

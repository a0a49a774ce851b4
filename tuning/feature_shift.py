"""Per-feature tests of distribution shift between two sets of rows.

Given reference rows (the training data, say) and new rows with the same
columns, every numeric column gets a two-sample Kolmogorov-Smirnov test and
every categorical column a chi-squared test of its category counts
(`scipy.stats`). Testing many columns at once raises the chance that one
of them looks shifted by luck, so the p-values are corrected: Holm's
step-down method (controls the family-wise error) by default, or
Benjamini-Hochberg (controls the false discovery rate). Each column also
gets its population stability index (PSI), the drift score of credit
scoring, whose rule of thumb reads below 0.1 as stable, 0.1 to 0.25 as
moderate and above 0.25 as a major shift. PSI has no p-value and is biased
upward on small samples: about `(bins - 1) * (1 / n_reference + 1 /
n_current)` with no shift at all.

Missing values: KS compares the values present; the chi-squared test and
the PSI count a missing value as a category (a bin) of its own.

Example:

>>> rows = feature_shift_tests(train_frame, new_frame)
>>> [row["feature"] for row in rows if row["shifted"]]
['age']
"""

import numpy as np
import pandas as pd
from scipy import stats

CORRECTIONS = ("holm", "bh")
MISSING = "<missing>"
_PSI_FLOOR = 1e-4


def adjust_p_values(p_values, method="holm"):
    """Corrects p-values for testing several hypotheses at once.

    Args:
        p_values: The raw p-values, one per test.
        method: `"holm"` (Holm's step-down, family-wise error) or `"bh"`
            (Benjamini-Hochberg, false discovery rate). Defaults to
            `"holm"`.

    Returns:
        A float array of adjusted p-values, in the input order, capped at 1.

    Raises:
        ValueError: If `method` is not one of `CORRECTIONS`.

    Example:

    >>> adjust_p_values([0.01, 0.04, 0.03])
    array([0.03, 0.06, 0.06])
    """
    if method not in CORRECTIONS:
        raise ValueError(f"The 'method' parameter must be one of {', '.join(CORRECTIONS)}. "
                         f"Got {method!r} instead.")
    p = np.asarray(p_values, dtype="float64")
    count = len(p)
    if count == 0:
        return p
    order = np.argsort(p)
    ranked = p[order]
    if method == "holm":
        adjusted = np.maximum.accumulate((count - np.arange(count)) * ranked)
    else:
        scaled = ranked * count / np.arange(1, count + 1)
        adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    result = np.empty(count)
    result[order] = np.minimum(adjusted, 1.0)
    return result


def categorical_columns(frame, categorical=None):
    """The columns treated as categories: `categorical`, or the non-numeric ones."""
    if categorical is not None:
        return [str(c) for c in categorical]
    return [str(c) for c in frame.columns
            if not pd.api.types.is_numeric_dtype(frame[c])
            or pd.api.types.is_bool_dtype(frame[c])]


def population_stability_index(reference, current, categorical=False, bins=10):
    """The population stability index of one column between two samples.

    `PSI = sum((c - r) * ln(c / r))` over bins, with `r` and `c` the shares of
    the reference and current rows in each bin (floored at 1e-4). Numeric
    bins are the reference's quantiles; categorical bins are the
    categories; missing values form a bin of their own.

    Args:
        reference: The reference values (a 1-D array or `Series`).
        current: The current values.
        categorical: Whether the values are categories. Defaults to `False`.
        bins: Number of quantile bins of a numeric column. Defaults to `10`.

    Returns:
        The PSI, a float (0 when the binned shares are equal).
    """
    reference, current = pd.Series(reference), pd.Series(current)
    if categorical:
        reference_bins, current_bins = _category_labels(reference), _category_labels(current)
    else:
        values = reference.to_numpy(dtype="float64", na_value=np.nan)
        edges = np.unique(np.nanquantile(values, np.linspace(0, 1, bins + 1)[1:-1])) \
            if np.isfinite(values).any() else np.array([])
        reference_bins = _quantile_bins(values, edges)
        current_bins = _quantile_bins(current.to_numpy(dtype="float64", na_value=np.nan),
                                      edges)
    labels = sorted(set(reference_bins) | set(current_bins), key=str)
    r = np.maximum(_shares(reference_bins, labels), _PSI_FLOOR)
    c = np.maximum(_shares(current_bins, labels), _PSI_FLOOR)
    return float(np.sum((c - r) * np.log(c / r)))


def feature_shift_tests(reference, current, categorical=None, correction="holm",
                        alpha=0.05, bins=10):
    """Tests every column of two frames for a shift in its distribution.

    Args:
        reference: A `pandas.DataFrame` of reference rows (the training data).
        current: A `DataFrame` with the same columns (the new rows).
        categorical: Names of the categorical columns. Defaults to `None`:
            the columns that are not numeric (text, categories, booleans).
        correction: Multiple-testing correction, `"holm"` or `"bh"`.
            Defaults to `"holm"`.
        alpha: Level below which an adjusted p-value flags a shift. Defaults
            to `0.05`.
        bins: Quantile bins of the PSI of a numeric column. Defaults to `10`.

    Returns:
        One dict per column, in the frame's column order: `feature`, `kind`
        (`"numeric"` or `"categorical"`), `test` (`"ks"` or `"chi2"`),
        `statistic`, `p_value`, `p_adjusted`, `psi` and `shifted`
        (`p_adjusted < alpha`); a categorical row also lists the
        `unseen` categories (present in `current` only).

    Raises:
        ValueError: If the frames' columns differ, a frame has no rows, or
            `correction` or `alpha` is invalid.

    Example:

    >>> rows = feature_shift_tests(train_frame, new_frame, correction="bh")
    >>> sorted(rows, key=lambda row: row["p_adjusted"])[0]["feature"]
    'age'
    """
    check_frames(reference, current)
    if not 0 < alpha < 1:
        raise ValueError(f"The 'alpha' parameter must be in (0, 1). Got {alpha!r} instead.")
    categories = set(categorical_columns(reference, categorical))
    rows = []
    for column in reference.columns:
        kind = "categorical" if str(column) in categories else "numeric"
        test = _chi_squared if kind == "categorical" else _kolmogorov_smirnov
        row = {"feature": str(column), "kind": kind, **test(reference[column], current[column])}
        row["psi"] = population_stability_index(reference[column], current[column],
                                                kind == "categorical", bins)
        rows.append(row)
    adjusted = adjust_p_values([row["p_value"] for row in rows], correction)
    for row, value in zip(rows, adjusted):
        row["p_adjusted"] = float(value)
        row["shifted"] = bool(value < alpha)
    return rows


def check_frames(reference, current):
    """Refuses two frames whose columns differ, or an empty one."""
    for name, frame in (("reference", reference), ("current", current)):
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"The '{name}' parameter must be a pandas DataFrame. Got "
                            f"{type(frame).__name__} instead.")
        if len(frame) == 0:
            raise ValueError(f"The '{name}' parameter must hold at least one row. Got "
                             "an empty DataFrame instead.")
    expected, received = [str(c) for c in reference.columns], [str(c) for c in current.columns]
    if expected != received:
        missing = [c for c in expected if c not in received]
        extra = [c for c in received if c not in expected]
        raise ValueError(
            "The 'current' rows must have the columns of the 'reference' rows, in the "
            f"same order. Missing: {missing or 'none'}; extra: {extra or 'none'}; "
            f"expected {expected}.")


def _kolmogorov_smirnov(reference, current):
    a = reference.to_numpy(dtype="float64", na_value=np.nan)
    b = current.to_numpy(dtype="float64", na_value=np.nan)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0:
        return {"test": "ks", "statistic": float("nan"), "p_value": 1.0}
    result = stats.ks_2samp(a, b)
    return {"test": "ks", "statistic": float(result.statistic),
            "p_value": float(result.pvalue)}


def _chi_squared(reference, current):
    a, b = _category_labels(reference), _category_labels(current)
    labels = sorted(set(a) | set(b), key=str)
    table = np.array([[np.sum(a == label) for label in labels],
                      [np.sum(b == label) for label in labels]])
    unseen = [str(label) for label in labels if label not in set(a)]
    if len(labels) < 2:
        return {"test": "chi2", "statistic": 0.0, "p_value": 1.0, "unseen": unseen}
    result = stats.chi2_contingency(table)
    return {"test": "chi2", "statistic": float(result.statistic),
            "p_value": float(result.pvalue), "unseen": unseen}


def _category_labels(values):
    return values.astype("string").fillna(MISSING).to_numpy(dtype=object)


def _quantile_bins(values, edges):
    labels = np.searchsorted(edges, values, side="right").astype(object)
    labels[np.isnan(values)] = -1
    return labels


def _shares(labels, bins):
    counts = pd.Series(labels).value_counts()
    return np.array([counts.get(b, 0) for b in bins], dtype="float64") / len(labels)

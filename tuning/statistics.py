"""Confidence intervals over seeds and paired tests between arms.

Every score a comparison reports is a mean over seeds with a 95% interval,
and every difference between two arms is paired over the seeds they share.
The intervals are Student-t intervals (`scipy.stats.t`), the test is the
paired t-test (`scipy.stats.ttest_rel`); both are exact for normal scores
and fair for the handful of seeds a training comparison can afford. With
one seed there is no spread, and the interval and p-value are NaN.

Example:

>>> summary = mean_interval([0.96, 0.97, 0.975])
>>> summary["ci_low"] < summary["mean"] < summary["ci_high"]
True
>>> paired_difference([0.97, 0.98, 0.98], [0.96, 0.97, 0.97])["better"]
3
"""

import math

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
TEST_NAME = "paired t-test"
INTERVAL_NAME = "Student-t 95% interval"


_LOWER_IS_BETTER = {"loss", "error", "mse", "mae", "rmse", "seconds", "epochs", "nll",
                    "brier", "ece", "gap", "updates", "diverged", "time"}


def lower_is_better(metric):
    """Whether a smaller value of `metric` is better (losses, errors, costs).

    Decided by the words of the name (split on `_`): any of loss, error,
    mse, mae, rmse, seconds, epochs, nll, brier, ece, gap, updates,
    diverged or time, unless it is a rate (`updates_per_second`).
    """
    words = metric.lower().split("_")
    if "per" in words:
        return False
    return any(word in _LOWER_IS_BETTER for word in words)


def _finite(values):
    values = np.asarray([np.nan if v is None else v for v in values], dtype="float64")
    return values[np.isfinite(values)]


def mean_interval(values, confidence=CONFIDENCE):
    """Returns the mean, std and t-interval of the finite values.

    Args:
        values: Scores, one per seed; `None`, NaN and infinities are left out
            and counted in `missing`.
        confidence: Coverage of the interval. Defaults to `0.95`.

    Returns:
        A dict with `mean`, `std` (`ddof=1`), `ci_low`, `ci_high`, `n` (the
        finite values used) and `missing`. With no finite value every number
        is NaN; with one, `std` and the interval are NaN.
    """
    finite = _finite(values)
    n = len(finite)
    summary = {"mean": math.nan, "std": math.nan, "ci_low": math.nan,
               "ci_high": math.nan, "n": n, "missing": len(values) - n}
    if n == 0:
        return summary
    mean = float(finite.mean())
    summary["mean"] = mean
    if n == 1:
        return summary
    std = float(finite.std(ddof=1))
    if std <= 1e-12 * max(1.0, abs(mean)):
        std = 0.0  # identical seeds: no rounding noise in the interval
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * std / math.sqrt(n)
    summary.update(std=std, ci_low=mean - half, ci_high=mean + half)
    return summary


def paired_difference(values, reference, higher_is_better=True, confidence=CONFIDENCE):
    """Compares two arms seed by seed: `values - reference`.

    Args:
        values: Scores of the arm, one per shared seed, in the same seed
            order as `reference`.
        reference: Scores of the reference arm on the same seeds.
        higher_is_better: Whether a larger score is better, which decides
            `better` (seeds where the arm beats the reference). Defaults to
            `True`.
        confidence: Coverage of the interval. Defaults to `0.95`.

    Returns:
        A dict with the mean difference and its t-interval (`mean`, `std`,
        `ci_low`, `ci_high`, `n`: the seeds where both are finite), the
        paired t-test's two-sided `p_value`, `better` (seeds where the arm
        is strictly better), `resolved` (the interval excludes zero) and
        `test`. When every seed differs by the same amount the test is
        undefined and `p_value` is NaN; when every difference is zero it
        is 1.

    Raises:
        ValueError: If the two lists have different lengths.
    """
    if len(values) != len(reference):
        raise ValueError(
            "The 'values' and 'reference' parameters must hold one score per "
            f"shared seed. Got {len(values)} and {len(reference)} scores instead.")
    pairs = np.asarray([[np.nan if v is None else v, np.nan if r is None else r]
                        for v, r in zip(values, reference)], dtype="float64").reshape(-1, 2)
    pairs = pairs[np.isfinite(pairs).all(axis=1)]
    differences = pairs[:, 0] - pairs[:, 1]
    result = mean_interval(differences, confidence)
    del result["missing"]
    sign = 1 if higher_is_better else -1
    result["better"] = int(np.sum(sign * differences > 0))
    result["test"] = TEST_NAME
    result["p_value"] = _paired_p_value(differences)
    low, high = result["ci_low"], result["ci_high"]
    result["resolved"] = bool(np.isfinite(low) and (low > 0 or high < 0))
    return result


def _paired_p_value(differences):
    if len(differences) < 2:
        return math.nan
    if np.all(differences == 0):
        return 1.0
    if np.ptp(differences) == 0:
        return math.nan
    return float(stats.ttest_1samp(differences, 0.0).pvalue)


def describe_difference(name, reference, metric, difference, digits=3):
    """One sentence saying whether a paired difference is resolved.

    Example:

    >>> describe_difference("sgd", "adam", "test_accuracy",
    ...                     paired_difference([0.97, 0.95, 0.96], [0.96, 0.96, 0.95]))
    'sgd - adam on test_accuracy: +0.00333 [-0.0254, +0.032], p = 0.67 (paired t-test), 2 of 3 seeds better: not resolved at 3 seeds.'
    """
    n = difference["n"]
    if n < 2:
        return (f"{name} - {reference} on {metric}: {difference['mean']:+.{digits}g} "
                f"on {n} shared seed(s): not testable (needs 2 or more seeds).")
    p_value = difference["p_value"]
    p_text = "p undefined (the same difference on every seed)" if math.isnan(p_value) \
        else f"p = {p_value:.2g} ({difference['test']})"
    verdict = (f"resolved at {n} seeds" if difference["resolved"]
               else f"not resolved at {n} seeds")
    return (f"{name} - {reference} on {metric}: {difference['mean']:+.{digits}g} "
            f"[{difference['ci_low']:+.{digits}g}, {difference['ci_high']:+.{digits}g}], "
            f"{p_text}, {difference['better']} of {n} seeds better: {verdict}.")

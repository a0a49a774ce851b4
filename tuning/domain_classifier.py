"""A domain classifier: can a model tell the new rows from the reference rows?

Label every reference row 0 and every new row 1, and train a classifier to
tell them apart. With no shift it cannot, and its cross-validated ROC AUC
stays near 0.5; any difference between the two sets that the classifier
can use (one column moved, several columns each moved a little, a changed
correlation) lifts it. The p-value comes from a permutation test
(`sklearn.model_selection.permutation_test_score`): the same
cross-validation repeated with the 0/1 labels shuffled gives the AUCs that
chance alone reaches, and `p = (1 + #{null AUC >= AUC}) / (1 +
permutations)`, so the smallest p-value is `1 / (1 + permutations)`.

The rows are encoded once, without looking at the labels (so every
permutation sees the same matrix): numeric columns standardised over both
sets, a missing value set to the mean with an indicator column, categories
one-hot (for the logistic regression) or as integer codes (for the
boosting). The default classifier is a logistic regression: it sees
shifted means and category shares and costs a few milliseconds per fit,
which matters with 100 permutations x 5 folds. Pass `estimator="boosting"`
(histogram gradient boosting) to also see shifts in spread and
interactions, at about ten times the cost. The fits run on one thread:
on matrices this small, BLAS and OpenMP threads cost more than they save,
and on a busy machine far more.

Example:

>>> result = domain_classifier_test(train_frame, new_frame, permutations=99)
>>> result["auc"], result["p_value"]
(0.81, 0.01)
"""

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.model_selection import permutation_test_score

from keras_recipes.tuning.feature_shift import MISSING
from keras_recipes.tuning.feature_shift import categorical_columns
from keras_recipes.tuning.feature_shift import check_frames

ESTIMATORS = ("logistic", "boosting")


def domain_classifier(estimator="logistic", categorical_features=None, seed=0):
    """The scikit-learn classifier that tells the two sets of rows apart.

    Args:
        estimator: `"logistic"` or `"boosting"`. Defaults to `"logistic"`.
        categorical_features: Boolean mask of the integer-coded category
            columns of the boosting's matrix. Defaults to `None`.
        seed: Seed of the gradient boosting. Defaults to `0`.

    Returns:
        An unfitted scikit-learn classifier.

    Raises:
        ValueError: If `estimator` is not one of `ESTIMATORS`.
    """
    if estimator == "logistic":
        return LogisticRegression(max_iter=1000)
    if estimator == "boosting":
        mask = None if categorical_features is None or not np.any(categorical_features) \
            else np.asarray(categorical_features)
        return HistGradientBoostingClassifier(categorical_features=mask, max_iter=50,
                                              random_state=seed)
    raise ValueError(f"The 'estimator' parameter must be one of {', '.join(ESTIMATORS)}. "
                     f"Got {estimator!r} instead.")


def design_matrix(frame, categorical, one_hot=True):
    """Encodes rows as a float matrix, without labels (see the module docstring).

    Args:
        frame: The `DataFrame` of both sets of rows.
        categorical: Names of its categorical columns.
        one_hot: One-hot categories, or integer codes. Defaults to `True`.

    Returns:
        `(matrix, is_category)`: the float64 matrix and a boolean mask of
        its integer-coded category columns.
    """
    blocks, is_category = [], []
    for column in frame.columns:
        if str(column) in categorical:
            labels = frame[column].astype("string").fillna(MISSING)
            if one_hot:
                block = pd.get_dummies(labels).to_numpy(dtype="float64")
            else:
                block = pd.factorize(labels)[0].astype("float64")[:, None]
            is_category += [not one_hot] * block.shape[1]
        else:
            values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
            missing = np.isnan(values)
            spread = np.nanstd(values) if (~missing).any() else 0.0
            scaled = (values - np.nanmean(values)) / spread if spread > 0 \
                else np.zeros_like(values)
            block = np.where(missing, 0.0, scaled)[:, None]
            if missing.any():
                block = np.hstack([block, missing[:, None].astype("float64")])
            is_category += [False] * block.shape[1]
        blocks.append(block)
    return np.hstack(blocks), np.asarray(is_category)


def domain_classifier_test(reference, current, categorical=None, estimator="logistic",
                           folds=5, permutations=100, seed=0):
    """Cross-validated AUC of a reference-vs-current classifier, with a p-value.

    Args:
        reference: A `pandas.DataFrame` of reference rows.
        current: A `DataFrame` with the same columns.
        categorical: Names of the categorical columns. Defaults to `None`:
            the non-numeric columns.
        estimator: `"logistic"`, `"boosting"` or a scikit-learn classifier
            with `predict_proba` or `decision_function`, fitted on the
            encoded matrix (`design_matrix`, one-hot). Defaults to
            `"logistic"`.
        folds: Stratified cross-validation folds. Defaults to `5`.
        permutations: Label permutations of the null distribution. Defaults
            to `100`.
        seed: Seed of the folds and the permutations. Defaults to `0`.

    Returns:
        A dict: `auc` (cross-validated ROC AUC), `p_value`, `null_auc`
        (mean AUC under permutation), `permutations` and `folds`.

    Raises:
        ValueError: If the frames do not match, either has fewer rows than
            `folds`, or `folds` or `permutations` is not a positive integer.

    Example:

    >>> domain_classifier_test(train_frame, train_frame.sample(50))["p_value"] > 0.05
    True
    """
    check_frames(reference, current)
    _check_count("folds", folds, minimum=2)
    _check_count("permutations", permutations, minimum=1)
    if min(len(reference), len(current)) < folds:
        raise ValueError(f"The domain classifier needs at least folds={folds} rows on each "
                         f"side. Got {len(reference)} reference and {len(current)} "
                         "current rows.")
    categories = set(categorical_columns(reference, categorical))
    boosting = isinstance(estimator, str) and estimator == "boosting"
    matrix, is_category = design_matrix(pd.concat([reference, current], ignore_index=True),
                                        categories, one_hot=not boosting)
    labels = np.r_[np.zeros(len(reference), "int64"), np.ones(len(current), "int64")]
    if isinstance(estimator, str):
        estimator = domain_classifier(estimator, is_category, seed)
    with threadpool_limits(limits=1):
        auc, null, p_value = permutation_test_score(
            estimator, matrix, labels, scoring="roc_auc", n_permutations=int(permutations),
            cv=StratifiedKFold(int(folds), shuffle=True, random_state=seed),
            random_state=seed)
    return {"auc": float(auc), "p_value": float(p_value), "null_auc": float(np.mean(null)),
            "permutations": int(permutations), "folds": int(folds)}


def _check_count(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"The '{name}' parameter must be an integer of at least {minimum}. "
                         f"Got {value!r} instead.")

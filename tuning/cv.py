"""Cross-validated trial scores: K folds, preprocessing fitted per fold.

A single validation split gives a noisy score on small data, and a sweep
then picks the configuration that was luckiest on those rows. Scoring each
trial by the mean over K (stratified) folds is the remedy KerasTuner users
ask for in keras-team/keras-tuner#139; the spread over the folds is kept so
a report can say whether two trials really differ.
"""

import dataclasses
import numbers

import numpy as np
from sklearn.model_selection import KFold
from sklearn.model_selection import StratifiedKFold

from keras_recipes.models.rows import take_rows


@dataclasses.dataclass
class CrossValidationResult:
    """Scores and histories of one configuration over K folds.

    Attributes:
        scores: One score per fold.
        histories: One Keras history dict per fold.
    """

    scores: list
    histories: list

    @property
    def mean(self):
        """Mean of the fold scores."""
        return float(np.mean(self.scores))

    @property
    def std(self):
        """Standard deviation of the fold scores (`ddof=0`)."""
        return float(np.std(self.scores))


def fold_indices(y, folds, stratify=True, seed=42):
    """Splits row indices into K folds, stratified on classes if asked.

    Args:
        y: Targets (class indices when `stratify`).
        folds: Number of folds, an integer >= 2.
        stratify: Whether every fold keeps the class proportions. Defaults
            to `True`.
        seed: Seed of the shuffle. Defaults to `42`.

    Returns:
        A list of `(train_indices, validation_indices)` pairs.

    Raises:
        ValueError: If `folds` is not an integer >= 2, exceeds the number of
            rows, or (stratified) exceeds the rows of the smallest class.

    Example:

    >>> [len(val) for _, val in fold_indices(np.array([0, 1] * 5), folds=5)]
    [2, 2, 2, 2, 2]
    """
    y = np.asarray(y)
    if isinstance(folds, bool) or not isinstance(folds, numbers.Integral) or folds < 2:
        raise ValueError(
            f"The 'folds' parameter must be an integer >= 2. Got {folds!r} instead."
        )
    if folds > len(y):
        raise ValueError(
            f"The 'folds' parameter must not exceed the {len(y)} rows. "
            f"Got {folds!r} instead."
        )
    if stratify:
        classes, counts = np.unique(y, return_counts=True)
        if counts.min() < folds:
            raise ValueError(
                f"The 'folds' parameter must not exceed the rows of the smallest "
                f"class (class {classes[counts.argmin()]!r} has {counts.min()}). "
                f"Got {folds!r} instead."
            )
        splitter = StratifiedKFold(n_splits=int(folds), shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_splits=int(folds), shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def cross_validate(fit_fold, x, y, splits, score):
    """Trains one configuration on each fold and scores it.

    Args:
        fit_fold: Function `(x_train, y_train, x_val, y_val) -> history`
            that builds a fresh model (preprocessing fitted on `x_train`),
            trains it and returns its Keras history dict.
        x: Features (array or dict of arrays).
        y: Targets.
        splits: `(train_indices, validation_indices)` pairs, e.g. from
            `fold_indices`.
        score: Function `history -> float`, e.g. the best validation
            accuracy over the epochs.

    Returns:
        A `CrossValidationResult`.
    """
    y = np.asarray(y)
    scores, histories = [], []
    for train, val in splits:
        history = fit_fold(take_rows(x, train), y[train], take_rows(x, val), y[val])
        histories.append(history)
        scores.append(float(score(history)))
    return CrossValidationResult(scores=scores, histories=histories)

"""K-fold and repeated holdout splits of a `Dataset`, for cross-validation.

A recipe loads its data as usual (a `Dataset` with train/validation/test
parts), puts the rows back together with `all_rows`, and gets one `Dataset`
per fold from `kfold_datasets` (or per holdout draw from
`holdout_dataset`). Every such `Dataset` has its own training part, so a
model built from it (`build_tabular_model(fold)`) fits its preprocessing on
that fold's training rows only: nothing leaks from the rows it is scored on.

Example:

>>> x, y = all_rows(dataset)
>>> for fold in kfold_datasets(dataset, folds=5, seed=42):
...     model = build_tabular_model(fold)   # scaling fitted on fold.x_train
"""

import dataclasses

import numpy as np
from sklearn.model_selection import train_test_split

from keras_recipes.models.rows import concatenate_rows
from keras_recipes.models.rows import take_rows
from keras_recipes.recipes.common.config import check_integer
from keras_recipes.recipes.common.figures import new_figure
from keras_recipes.recipes.common.figures import save_figure
from keras_recipes.recipes.common.splits import holdout_indices
from keras_recipes.tuning.cv import fold_indices


def all_rows(dataset):
    """Puts a `Dataset`'s train, validation and test rows back together.

    Args:
        dataset: A `Dataset`; features may be an array or a dict of columns
            (NumPy arrays or TensorFlow string tensors).

    Returns:
        A tuple `(x, y)` with every row, train rows first.
    """
    parts = [dataset.x_train, dataset.x_val, dataset.x_test]
    y = np.concatenate([dataset.y_train, dataset.y_val, dataset.y_test])
    if isinstance(dataset.x_train, dict):
        x = {name: concatenate_rows([part[name] for part in parts])
             for name in dataset.x_train}
    else:
        x = concatenate_rows(parts)
    return x, y


def check_folds(y, folds, stratify):
    """Raises a ValueError unless `y` can be split into `folds` folds.

    Every fold's training part is split again into training and validation
    rows, so a stratified split needs at least `folds` rows per class (and
    two per class in each training part); any split needs 2 rows per fold.

    Args:
        y: The target of all rows.
        folds: Number of folds.
        stratify: Whether the folds keep the class proportions.

    Raises:
        ValueError: If `folds` is not an integer >= 2 or there are too few
            rows (per class) for it.
    """
    check_integer("folds", folds, minimum=2)
    if stratify:
        classes, counts = np.unique(y, return_counts=True)
        smallest = int(counts.min())
        if smallest < max(folds, 3):
            raise ValueError(
                f"The 'folds' parameter must be at most the size of the smallest "
                f"class, and that class needs 3 rows or more: class "
                f"{classes[counts.argmin()]!r} has {smallest} rows. Got "
                f"folds={folds} instead.")
    elif len(y) < 4 * folds:
        raise ValueError(
            f"The 'folds' parameter needs at least 4 rows per fold: the data has "
            f"{len(y)} rows. Got folds={folds} instead.")


def kfold_datasets(dataset, folds=5, seed=42, validation_fraction=0.15):
    """Splits a dataset's rows into one `Dataset` per fold.

    Fold `i` holds out the `i`-th part as its test split; the other
    `folds - 1` parts are split again (stratified for classification) into
    training rows and `validation_fraction` of validation rows, for early
    stopping. The preprocessing of a model built from a fold is fitted on
    the fold's training rows only.

    Args:
        dataset: A `Dataset`; all its rows are used.
        folds: Number of folds. Defaults to `5`.
        seed: Seed of the fold assignment and inner split. Defaults to `42`.
        validation_fraction: Fraction of each fold's training part kept for
            validation. Defaults to `0.15`.

    Returns:
        A list of `folds` `Dataset`s named `"NAME fold i/k"`.

    Raises:
        ValueError: See `check_folds`.
    """
    x, y = all_rows(dataset)
    stratify = dataset.task != "regression"
    check_folds(y, folds, stratify)
    result = []
    for index, (training, held_out) in enumerate(
            fold_indices(y, folds, stratify=stratify, seed=seed)):
        train, validation = train_test_split(
            training, test_size=validation_fraction, random_state=seed,
            stratify=y[training] if stratify else None)
        result.append(subset_dataset(
            dataset, x, y, train, validation, held_out,
            name=f"{dataset.name} fold {index + 1}/{folds}"))
    return result


def holdout_dataset(dataset, seed, validation_fraction=0.15, test_fraction=0.15):
    """Draws a new train/validation/test holdout split of a dataset's rows.

    Args:
        dataset: A `Dataset`; all its rows are used.
        seed: Seed of the split.
        validation_fraction: Defaults to `0.15`.
        test_fraction: Defaults to `0.15`.

    Returns:
        A `Dataset` named `"NAME holdout seed S"`.
    """
    x, y = all_rows(dataset)
    train, validation, test = holdout_indices(
        y, stratify=dataset.task != "regression", seed=seed,
        validation_fraction=validation_fraction, test_fraction=test_fraction)
    return subset_dataset(dataset, x, y, train, validation, test,
                          name=f"{dataset.name} holdout seed {seed}")


def subset_dataset(dataset, x, y, train, validation, test, name):
    """Builds a `Dataset` like `dataset` from row indices into `(x, y)`."""
    return dataclasses.replace(
        dataset, name=name,
        x_train=take_rows(x, train), y_train=y[train],
        x_val=take_rows(x, validation), y_val=y[validation],
        x_test=take_rows(x, test), y_test=y[test],
    )


def plot_fold_scores(fold_scores, holdout_scores, metric, path):
    """Draws each fold's score as a bar, with the holdout estimates as lines.

    Args:
        fold_scores: Score of each fold, in fold order.
        holdout_scores: Score of each holdout draw; the first is drawn as a
            solid line ("the" holdout estimate), the others as dotted lines.
        metric: Name of the score, for the axis label.
        path: PNG path to write.

    Returns:
        `path`.
    """
    fold_scores = np.asarray(fold_scores, dtype="float64")
    figure, (axis,) = new_figure()
    positions = np.arange(1, len(fold_scores) + 1)
    axis.bar(positions, fold_scores, color="C0", alpha=0.75, label="fold score")
    mean, std = fold_scores.mean(), fold_scores.std()
    axis.axhline(mean, color="C0", linewidth=2,
                 label=f"{len(fold_scores)}-fold mean {mean:.4g} ± {std:.2g}")
    axis.axhspan(mean - std, mean + std, color="C0", alpha=0.12)
    for index, score in enumerate(holdout_scores):
        axis.axhline(score, color="C3", linestyle="-" if index == 0 else ":",
                     linewidth=2 if index == 0 else 1,
                     label=(f"single holdout {score:.4g}" if index == 0 else
                            "other holdout draws" if index == 1 else None))
    values = np.concatenate([fold_scores, np.asarray(holdout_scores, dtype="float64")])
    spread = max(values.max() - values.min(), 1e-3)
    axis.set_ylim(values.min() - spread, values.max() + spread)
    axis.set_xticks(positions)
    axis.set_xlabel("fold")
    axis.set_ylabel(metric)
    axis.set_title(f"Cross-validation vs holdout: {metric}")
    axis.grid(alpha=0.3, axis="y")
    axis.legend(fontsize="small")
    return save_figure(figure, path)

"""K-fold and holdout re-splits of a Dataset, and the fold-score plot."""

import os

import numpy as np
import pytest
import tensorflow as tf

from keras_recipes.recipes.common.datasets import load_dataset
from keras_recipes.recipes.common.datasets import split_dataset
from keras_recipes.recipes.common.folds import all_rows
from keras_recipes.recipes.common.folds import check_folds
from keras_recipes.recipes.common.folds import holdout_dataset
from keras_recipes.recipes.common.folds import kfold_datasets
from keras_recipes.recipes.common.folds import plot_fold_scores
from keras_recipes.tuning import fold_indices


def identified(task="binary", rows=120):
    """A dataset whose first feature is the row number, to trace rows."""
    rng = np.random.default_rng(0)
    x = np.column_stack([np.arange(rows), rng.normal(size=rows)]).astype("float32")
    if task == "regression":
        y = rng.normal(size=rows).astype("float32")
        return split_dataset("ids", task, x, y, ["id", "noise"], seed=0)
    y = (np.arange(rows) % 3 == 0).astype("int64")  # one third positive
    return split_dataset("ids", task, x, y, ["id", "noise"],
                         class_names=["a", "b"], seed=0)


def row_ids(x):
    return set(np.asarray(x)[:, 0].astype(int).tolist())


def test_all_rows_puts_every_row_back_once():
    dataset = identified()
    x, y = all_rows(dataset)
    assert sorted(row_ids(x)) == list(range(120))
    assert len(y) == 120


@pytest.mark.tensorflow_only  # String tensors are TensorFlow's.
def test_all_rows_concatenates_string_tensor_columns():
    dataset = identified()
    strings = {part: tf.constant([["u"]] * len(getattr(dataset, f"y_{part}")))
               for part in ("train", "val", "test")}
    dataset.x_train = {"numeric": dataset.x_train, "colour": strings["train"]}
    dataset.x_val = {"numeric": dataset.x_val, "colour": strings["val"]}
    dataset.x_test = {"numeric": dataset.x_test, "colour": strings["test"]}
    x, _ = all_rows(dataset)
    assert x["numeric"].shape == (120, 2)
    assert tuple(x["colour"].shape) == (120, 1)


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_folds_hold_out_every_row_exactly_once_and_never_train_on_it(task):
    dataset = identified(task)
    folds = kfold_datasets(dataset, folds=4, seed=1)
    assert len(folds) == 4
    held_out = [row_ids(fold.x_test) for fold in folds]
    assert sorted(i for ids in held_out for i in ids) == list(range(120))
    for fold, test_ids in zip(folds, held_out):
        train_ids, val_ids = row_ids(fold.x_train), row_ids(fold.x_val)
        assert not (train_ids & test_ids) and not (val_ids & test_ids)
        assert not (train_ids & val_ids)
        assert len(train_ids | val_ids | test_ids) == 120
        assert len(val_ids) == pytest.approx(0.15 * 90, abs=2)
        assert fold.task == task and fold.name.startswith("ids fold")


def test_classification_folds_keep_the_class_proportions():
    dataset = identified()
    for fold in kfold_datasets(dataset, folds=5, seed=0):
        assert fold.y_test.mean() == pytest.approx(1 / 3, abs=0.05)


def test_fold_indices_are_reproducible():
    y = np.arange(50) % 2
    first = fold_indices(y, 5, stratify=True, seed=3)
    second = fold_indices(y, 5, stratify=True, seed=3)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(first, second))


def test_holdout_dataset_is_a_70_15_15_split_of_all_rows():
    dataset = identified()
    first, second = holdout_dataset(dataset, seed=1), holdout_dataset(dataset, seed=2)
    assert first.sizes == {"train": 84, "val": 18, "test": 18}
    assert row_ids(first.x_test) != row_ids(second.x_test)
    assert len(row_ids(first.x_train) | row_ids(first.x_val) | row_ids(first.x_test)) == 120


@pytest.mark.parametrize("folds, stratify, message", [
    (1, True, "integer >= 2. Got 1"),
    (True, True, "integer >= 2"),
    (41, True, "smallest class.*has 40 rows. Got folds=41"),
    (31, False, "at least 4 rows per fold.*120 rows. Got folds=31"),
])
def test_check_folds_refuses_impossible_fold_counts(folds, stratify, message):
    y = identified().y_train
    y = np.concatenate([y, identified().y_val, identified().y_test])
    with pytest.raises(ValueError, match=message):
        check_folds(y, folds, stratify)


def test_the_bundled_iris_set_gets_stratified_folds():
    folds = kfold_datasets(load_dataset("iris"), folds=5, seed=0)
    for fold in folds:
        assert np.bincount(fold.y_test).tolist() == [10, 10, 10]


def test_plot_fold_scores_writes_a_png(tmp_path):
    path = plot_fold_scores([0.9, 0.95, 0.93], [0.97, 0.9], "test_accuracy",
                            str(tmp_path / "folds.png"))
    assert os.path.getsize(path) > 0

"""The imbalanced-classes recipe: rare data, oversampling, thresholds, focal loss."""

import json
import os

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes import imbalanced_data as recipe
from keras_recipes.recipes.common.datasets import load_dataset

TINY = dict(seeds=2, epochs=1, units=4, depth=1, rows=800, verbose=0)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("imbalanced_data") / "run"
    return recipe.run(recipe.Config(out=str(out), methods="plain,class_weights,focal",
                                    **{**TINY, "seeds": 1}))


def test_generated_data_has_the_rare_class_as_class_one_in_every_split():
    dataset = recipe.load_data(recipe.Config(rows=2000, minority_fraction=0.1))
    for y in (dataset.y_train, dataset.y_val, dataset.y_test):
        assert y.mean() == pytest.approx(0.1, abs=0.02)


def test_a_bundled_set_is_made_imbalanced_with_its_rarer_class_as_class_one():
    dataset = recipe.load_data(recipe.Config(dataset="breast_cancer",
                                             minority_fraction=0.2))
    assert dataset.class_names == ["benign", "malignant"]  # malignant was the rarer
    for y in (dataset.y_train, dataset.y_val, dataset.y_test):
        assert y.mean() == pytest.approx(0.2, abs=0.02)
    original = load_dataset("breast_cancer")
    assert np.sum(dataset.y_train == 0) == np.sum(original.y_train == 1)  # all benign kept


def test_too_few_rare_rows_are_refused_before_the_run_directory(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ValueError, match="rare class has .* rows.*at least 5"):
        recipe.run(recipe.Config(out=str(out), minority_fraction=0.01, rows=500, **{
            k: v for k, v in TINY.items() if k != "rows"}))
    assert not out.exists()


def test_oversampling_balances_the_classes_and_keeps_every_original_row():
    dataset = recipe.load_data(recipe.Config(rows=1000))
    balanced = recipe.oversample(dataset, seed=3)
    assert np.bincount(balanced.y_train).tolist() == [int(np.sum(dataset.y_train == 0))] * 2
    originals = {row.tobytes() for row in dataset.x_train}
    assert originals == {row.tobytes() for row in balanced.x_train}
    assert balanced.y_val is dataset.y_val


def test_the_threshold_rule_maximises_f1_and_lower_thresholds_raise_recall():
    y = np.array([0, 0, 0, 0, 1, 0, 1, 1])
    p = np.array([0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.6])
    assert recipe.best_f1_threshold(y, p) == pytest.approx(0.35)
    high, low = (recipe.rare_class_measures(y, p, t) for t in (0.5, 0.35))
    assert high["test_recall"] == pytest.approx(1 / 3) and low["test_recall"] == 1.0
    assert high["test_pr_auc"] == low["test_pr_auc"] and low["threshold"] == 0.35


def test_the_threshold_arm_moves_its_threshold_and_the_focal_arm_trains_with_focal_loss(
        tmp_path):
    from keras_recipes.recipes.common.run_context import RunContext

    config = recipe.Config(**TINY)
    dataset = recipe.load_data(config)
    context = RunContext(recipe.NAME, str(tmp_path), config, {})
    keras.utils.set_random_seed(0)
    threshold = recipe.method_arm(config, context, dataset, "threshold").train(0)
    assert threshold.threshold != 0.5
    assert os.path.exists(tmp_path / "predictions" / "threshold" / "seed-0.npy")
    focal = recipe.method_arm(config, context, dataset, "focal").train(0)
    assert isinstance(focal.model.loss, keras.losses.BinaryFocalCrossentropy)


def test_a_run_scores_the_rare_class_of_every_arm_against_plain(result):
    metrics = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert metrics["reference"] == "plain" and metrics["primary"] == "test_pr_auc"
    assert set(metrics["differences"]) == {"class_weights", "focal"}
    assert metrics["rare_rows"]["test"] >= 5
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert (runs["threshold"] == 0.5).all()
    assert {"test_pr_auc", "test_recall", "test_brier"} <= set(runs.columns)
    report = open(result.report_path).read()
    assert "The rare class, measured" in report and "LogisticRegression" in report
    for plot in ("precision_recall", "test_recall", "imbalanced_test_pr_auc"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


@pytest.mark.parametrize("overrides, message", [
    ({"minority_fraction": 0.5}, r"'minority_fraction' parameter must be in \(0, 0.5\)"),
    ({"methods": "plain,smote"}, "'methods' parameter.*smote"),
    ({"focal_gamma": 0}, "'focal_gamma' parameter must be a positive number"),
])
def test_bad_settings_are_refused_when_the_config_is_made(overrides, message):
    with pytest.raises(ValueError, match=message):
        recipe.Config(**overrides)


def test_a_multiclass_dataset_is_refused():
    with pytest.raises(ValueError, match="'dataset' parameter must be 'generated' or a "
                                         "binary dataset"):
        recipe.load_data(recipe.Config(dataset="wine"))

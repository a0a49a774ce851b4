"""The data-preparation recipe: damaged data, subsets, the arms of every section."""

import json
import os

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.models import MissingIndicator
from keras_recipes.recipes import data_preparation as recipe

TINY = dict(seeds=2, epochs=1, units=4, depth=1, verbose=0)


@pytest.fixture(scope="module")
def dataset():
    return recipe.load_data(recipe.Config())


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("data_preparation") / "run"
    return recipe.run(recipe.Config(out=str(out), sections="learning_curve",
                                    train_fractions="0.1,1", **TINY))


def test_values_go_missing_at_random_or_more_often_when_large(dataset):
    mcar = recipe.remove_values(dataset, 0.3, "mcar", seed=0)
    assert np.isnan(mcar.x_train).mean() == pytest.approx(0.3, abs=0.02)
    assert np.isnan(mcar.x_test).any() and not np.isnan(dataset.x_test).any()
    mnar = recipe.remove_values(dataset, 0.3, "mnar", seed=0)
    assert np.isnan(mnar.x_train).mean() == pytest.approx(0.3, abs=0.03)
    column = dataset.x_train[:, 0]
    missing = np.isnan(mnar.x_train[:, 0])
    assert missing[column > np.quantile(column, 0.75)].mean() > \
        2 * missing[column < np.quantile(column, 0.25)].mean()
    again = recipe.remove_values(dataset, 0.3, "mnar", seed=0)
    np.testing.assert_array_equal(np.isnan(again.x_val), np.isnan(mnar.x_val))


def test_training_subsets_are_stratified_follow_the_seed_and_keep_the_other_splits(dataset):
    subset = recipe.training_subset(dataset, 0.1, seed=1)
    assert len(subset.y_train) == 40 and subset.y_train.mean() == pytest.approx(
        dataset.y_train.mean(), abs=0.03)
    assert len(subset.y_test) == len(dataset.y_test)
    other = recipe.training_subset(dataset, 0.1, seed=2)
    assert not np.array_equal(subset.x_train, other.x_train)
    assert recipe.training_subset(dataset, 1.0, seed=1) is dataset


def test_every_section_becomes_experiments_with_their_references(dataset):
    config = recipe.Config(train_fractions="0.25,1", select_features=8)
    experiments = recipe.section_experiments(config, dataset)
    assert list(experiments) == ["scaling", "imputation_mcar", "imputation_mnar",
                                 "selection", "learning_curve"]
    arms = {name: [arm.name for arm in e.arms] for name, (e, _) in experiments.items()}
    assert arms["scaling"] == ["none", "minmax", "standard"]
    assert arms["imputation_mnar"] == ["mean", "median", "most_frequent", "mean+indicator"]
    assert arms["selection"] == ["all_features", "select_8", "pca_8"]
    assert arms["learning_curve"] == ["rows_99", "rows_397"]
    assert [e.reference for e, _ in experiments.values()] == [
        "standard", "mean", "mean", "all_features", "rows_397"]
    curve = experiments["learning_curve"][0]
    assert [arm.settings["batch_size"] for arm in curve.arms] == [8, 32]
    assert np.isnan(experiments["imputation_mcar"][1].x_train).any()
    assert [e.save_models for e, _ in experiments.values()] == [True] + [False] * 4


def test_the_indicator_arm_trains_a_model_with_the_indicator_and_is_measured(dataset):
    damaged = recipe.remove_values(dataset, 0.3, "mnar", seed=0)
    config = recipe.Config(**TINY)
    arm = recipe.imputation_arms(config, damaged, "mnar")[3]
    keras.utils.set_random_seed(0)
    run = arm.train(0)
    assert any(isinstance(layer, MissingIndicator) for layer in run.model.layers)
    measures = recipe.evaluate_with(recipe.Target("val_accuracy", 1.01))(run)
    assert measures["epochs_to_target_or_budget"] == 2  # never reached: epochs + 1
    assert measures["generalisation_gap"] == pytest.approx(
        measures["train_accuracy"] - measures["test_accuracy"])


def test_a_learning_curve_run_records_each_size_and_draws_the_curve(result):
    metrics = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert metrics["experiment"] == "learning_curve" and metrics["reference"] == "rows_397"
    assert set(metrics["sections"]) == {"learning_curve"}
    assert metrics["sections"]["learning_curve"]["differences"]["rows_40"][
        "test_accuracy"]["n"] == 2
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert runs.groupby("arm")["train_rows"].first().to_dict() == {"rows_40": 40,
                                                                   "rows_397": 397}
    assert (runs.loc[runs["arm"] == "rows_40", "batch_size"] == 3).all()
    report = open(result.report_path).read()
    assert "Learning curve: test score against training-set size" in report
    assert os.path.getsize(os.path.join(result.run_dir, "plots", "learning_curve.png")) > 0


@pytest.mark.parametrize("overrides, message", [
    ({"train_fractions": "0,1"}, "'train_fractions' parameter.*fractions in \\(0, 1\\]"),
    ({"train_fractions": "half"}, "'train_fractions' parameter"),
    ({"missing_fraction": 0.6}, r"'missing_fraction' parameter must be in \(0, 0.5\]"),
    ({"sections": "scaling,augmentation"}, "'sections' parameter.*augmentation"),
    ({"optimizer": "adamax2"}, "'optimizer' parameter must be one of.*'adamax2'"),
])
def test_bad_settings_are_refused_when_the_config_is_made(overrides, message):
    with pytest.raises(ValueError, match=message):
        recipe.Config(**overrides)


@pytest.mark.parametrize("overrides, message", [
    ({"select_features": 40, "sections": "selection"},
     r"'select_features' parameter must be None or an integer in \[1, 30\]"),
    ({"train_fractions": "0.005,1", "sections": "learning_curve"},
     "keeps 2 training rows at 0.005"),
])
def test_settings_that_do_not_fit_the_data_fail_before_the_run_directory(
        tmp_path, overrides, message):
    out = tmp_path / "run"
    with pytest.raises(ValueError, match=message):
        recipe.run(recipe.Config(out=str(out), **TINY, **overrides))
    assert not out.exists()

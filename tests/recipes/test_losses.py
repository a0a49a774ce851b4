"""The losses recipe: robust target scale, injected outliers, calibration measures."""

import dataclasses
import json
import os
import types

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes import losses as recipe
from keras_recipes.recipes.common.datasets import load_dataset

TINY = dict(seeds=2, epochs=1, units=4, depth=1, verbose=0)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("losses") / "run"
    return recipe.run(recipe.Config(out=str(out), sections="robust_regression",
                                    **{**TINY, "seeds": 1}))


@pytest.fixture(scope="module")
def clean():
    return recipe.robust_standardised(load_dataset("regression"))


def test_targets_get_a_robust_unit_scale(clean):
    low, median, high = np.percentile(clean.y_train, [25, 50, 75])
    assert median == pytest.approx(0, abs=1e-5)
    assert (high - low) / 1.349 == pytest.approx(1, abs=1e-5)


def test_outliers_move_only_the_chosen_share_of_training_and_validation_targets(clean):
    damaged = recipe.add_outliers(clean, 0.1, 10.0, seed=0)
    for part in ("train", "val"):
        shift = np.abs(getattr(damaged, f"y_{part}") - getattr(clean, f"y_{part}"))
        moved = shift[shift > 0]
        assert len(moved) == round(0.1 * len(shift))
        assert moved.min() >= 5 - 1e-4 and moved.max() <= 10 + 1e-4
    np.testing.assert_array_equal(damaged.y_test, clean.y_test)


def test_calibration_measures_see_over_and_under_confidence():
    dataset = types.SimpleNamespace(task="multiclass", y_test=np.array([0, 1, 1, 0]))
    confident = np.array([[0.99, 0.01], [0.01, 0.99], [0.99, 0.01], [0.99, 0.01]])
    timid = np.array([[0.6, 0.4], [0.4, 0.6], [0.6, 0.4], [0.6, 0.4]])
    evaluate = recipe.evaluate_with(dataset)
    sure, shy = (evaluate(types.SimpleNamespace(predictions=p)) for p in (confident, timid))
    assert sure["test_accuracy"] == shy["test_accuracy"] == 0.75
    assert sure["mean_confidence"] > sure["test_accuracy"] > shy["mean_confidence"]
    assert sure["test_nll"] > shy["test_nll"]
    assert {"test_ece", "test_brier"} <= set(sure)


def test_the_label_smoothing_arms_train_with_the_smoothed_loss(tmp_path):
    from keras_recipes.recipes.common.run_context import RunContext

    config = recipe.Config(smoothing="0,0.2", **TINY)
    data = recipe.load_data(dataclasses.replace(config, sections="label_smoothing"))
    context = RunContext(recipe.NAME, str(tmp_path), config, {})
    experiment = recipe.experiments(config, context, data)["label_smoothing"]
    assert [arm.name for arm in experiment.arms] == ["smoothing_0", "smoothing_0.2"]
    assert experiment.reference == "smoothing_0" and experiment.primary == "test_nll"
    keras.utils.set_random_seed(0)
    run = experiment.arms[1].train(0)
    assert run.model.loss.loss.get_config()["label_smoothing"] == pytest.approx(0.2)
    assert run.predictions.shape == (270, 10)


def test_a_regression_run_compares_the_losses_on_clean_and_damaged_targets(result):
    metrics = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert metrics["experiment"] == "regression_clean" and metrics["reference"] == "mse"
    assert metrics["primary"] == "test_rmse"
    assert set(metrics["sections"]) == {"regression_clean", "regression_outliers"}
    assert set(metrics["sections"]["regression_outliers"]["differences"]) == {"mae", "huber"}
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert runs.groupby("experiment").size().to_dict() == {"regression_clean": 3,
                                                           "regression_outliers": 3}
    assert np.isfinite(runs["test_rmse"]).all()
    report = open(result.report_path).read()
    assert "Regression losses, training targets with outliers" in report
    assert "RidgeCV" in report


@pytest.mark.parametrize("overrides, message", [
    ({"smoothing": "0,1"}, r"'smoothing' parameter.*\[0, 1\)"),
    ({"outlier_fraction": 0.5}, r"'outlier_fraction' parameter must be in \(0, 0.5\)"),
    ({"classification_dataset": "diabetes"}, "'classification_dataset' parameter"),
    ({"regression_dataset": "digits"}, "'regression_dataset' parameter"),
    ({"sections": "ranking"}, "'sections' parameter.*ranking"),
    ({"optimizer": "sgdd"}, "'optimizer' parameter must be one of.*'sgdd'"),
])
def test_bad_settings_are_refused_when_the_config_is_made(overrides, message):
    with pytest.raises(ValueError, match=message):
        recipe.Config(**overrides)

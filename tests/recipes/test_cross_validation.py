"""Cross-validation: k fold scores against holdout draws, classification and regression."""

import os

import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes import cross_validation as recipe


def run(tmp_path, **overrides):
    settings = {"folds": 3, "holdout_splits": 2, "epochs": 2, "patience": 1,
                "verbose": 0, "out": str(tmp_path / "run")}
    settings.update(overrides)
    return recipe.run(recipe.Config(**settings))


@pytest.fixture(scope="module")
def classification(tmp_path_factory):
    return run(tmp_path_factory.mktemp("cv"), dataset="iris", folds=4)


def test_one_score_per_fold_and_per_holdout_draw(classification):
    metrics = classification.metrics
    assert metrics["folds"] == 4 and metrics["score"] == "accuracy"
    fold_scores = [metrics[f"fold_{i}_score"] for i in range(1, 5)]
    assert "fold_5_score" not in metrics
    assert [k for k in metrics if k.startswith("holdout_") and k.endswith("_score")] == [
        "holdout_1_score", "holdout_2_score"]
    assert metrics["cv_test_accuracy_mean"] == pytest.approx(np.mean(fold_scores))
    assert metrics["cv_test_accuracy_std"] == pytest.approx(np.std(fold_scores))
    assert metrics["holdout_test_accuracy"] == metrics["holdout_1_score"]
    folds = pd.read_csv(os.path.join(classification.run_dir, "folds.csv"))
    assert folds["fold"].tolist() == [1, 2, 3, 4]
    assert folds["test_accuracy"].tolist() == pytest.approx(fold_scores)


def test_the_cost_of_k_folds_is_measured(classification):
    metrics = classification.metrics
    assert metrics["cv_seconds"] > 0 and metrics["holdout_seconds"] > 0
    assert metrics["cost_ratio"] == pytest.approx(
        metrics["cv_seconds"] / metrics["holdout_seconds"])


def test_the_report_has_a_row_per_fold_covering_every_row(classification):
    report = open(classification.report_path).read()
    lines = report.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("| fold |")))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    assert len(rows) == 4
    test_rows = [int(r.strip("|").split("|")[3]) for r in rows]
    assert sum(test_rows) == 150  # iris: every row held out exactly once
    assert os.path.getsize(os.path.join(classification.run_dir, "plots",
                                        "fold_scores.png")) > 0


def test_the_baselines_are_cross_validated_on_the_same_folds(classification):
    metrics = classification.metrics
    for model in ("logistic_regression", "hist_gradient_boosting"):
        assert {f"baseline_{model}_cv_test_accuracy_mean",
                f"baseline_{model}_cv_test_accuracy_std"} <= set(metrics)
    assert metrics["baseline_logistic_regression_cv_test_accuracy_mean"] > 0.8  # iris
    report = open(classification.report_path).read()
    table = report[report.index("## scikit-learn baselines on the same folds"):]
    assert "| MLP (this recipe) |" in table and "| LogisticRegression |" in table
    assert "of 4 |" in table, "folds where the MLP is better, out of the 4 folds"


def test_a_regression_dataset_gets_kfold_and_r2(tmp_path):
    result = run(tmp_path, dataset="diabetes", folds=2, holdout_splits=1)
    assert result.metrics["score"] == "r2"
    assert {"fold_1_score", "fold_2_score", "cv_test_rmse_mean", "cv_test_r2_std",
            "holdout_test_mae", "baseline_ridge_cv_cv_test_r2_mean",
            "baseline_hist_gradient_boosting_cv_test_r2_mean"} <= set(result.metrics)


@pytest.mark.tensorflow_only  # Its text column needs TensorFlow string tensors.
def test_a_csv_with_text_columns_trains_in_folds(tmp_path):
    rng = np.random.default_rng(0)
    size = rng.normal(size=90)
    colour = rng.choice(["red", "blue"], 90)
    frame = pd.DataFrame({"size": size, "colour": colour,
                          "label": np.where(size > 0, "big", "small")})
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    result = run(tmp_path, csv=str(path), target="label", folds=2, holdout_splits=1,
                 optimizer="lbfgs")
    assert {"fold_1_score", "fold_2_score"} <= set(result.metrics)


def test_too_many_folds_for_a_class_fail_before_the_run_directory(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ValueError, match="'folds' parameter.*smallest class.*Got folds=51"):
        recipe.run(recipe.Config(dataset="iris", folds=51, out=str(out), verbose=0))
    assert not out.exists()


@pytest.mark.parametrize("overrides, message", [
    ({"folds": 1}, "'folds' parameter must be an integer >= 2. Got 1"),
    ({"optimizer": "lbgfs"}, "'optimizer' parameter must be one of.*lbfgs"),
    ({"holdout_splits": 0}, "'holdout_splits' parameter"),
])
def test_bad_settings_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        recipe.Config(**overrides)


def test_the_task_follows_the_dataset_unless_given():
    assert recipe.resolve_task(recipe.Config(dataset="diabetes")) == "regression"
    assert recipe.resolve_task(recipe.Config()) == "classification"
    assert recipe.resolve_task(recipe.Config(dataset="wine", task="classification")) == \
        "classification"

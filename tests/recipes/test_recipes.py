"""Every registered recipe runs end to end at smoke size, in-process and in its
notebook's kernel."""

import glob
import json
import os
import re

import keras
import nbformat
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from keras_recipes.recipes import list_recipes
from keras_recipes.callbacks.atomic_files import jsonable
from keras_recipes.recipes.common.experiments import ComparisonConfig
from keras_recipes.recipes.common.notebooks import executed_notebook
from keras_recipes.recipes.common.notebooks import notebook_path
from keras_recipes.recipes.common.registry import load_recipe

CLASSIFICATION_KEYS = {"test_loss", "test_accuracy", "test_precision", "test_recall",
                       "test_f1", "epochs_run", "train_seconds"}


def run_smoke(name, out, **overrides):
    recipe = load_recipe(name)
    return recipe.run(recipe.Config(smoke=True, out=str(out), verbose=0, **overrides))


@pytest.mark.parametrize("name", list_recipes())
def test_recipe_smoke_run_writes_a_complete_run_directory(name, tmp_path):
    result = run_smoke(name, tmp_path / name)
    saved = check_run_directory(name, result.run_dir)
    assert saved == json.loads(json.dumps(jsonable(result.metrics)))
    assert result.report_path == os.path.join(result.run_dir, "report.md")


@pytest.fixture(scope="session")
def notebook_kernel(tmp_path_factory):
    """One kernel per test process for the notebook tests (see `executed_notebook`)."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    kernel = AsyncKernelManager(kernel_name="python3")
    run_sync(kernel.start_kernel)(env=dict(os.environ), cwd=str(tmp_path_factory.getbasetemp()))
    yield kernel
    run_sync(kernel.shutdown_kernel)(now=True)


# `make test` runs each recipe's smoke run on TensorFlow through this test
# (the notebook's kernel calls `run`) and in-process above on JAX.
@pytest.mark.every_backend
@pytest.mark.parametrize("name", list_recipes())
def test_notebook_runs_the_smoke_run_and_shows_each_step(name, tmp_path, notebook_kernel):
    notebook = executed_notebook(name, str(tmp_path), kernel=notebook_kernel)
    (run_dir,) = glob.glob(str(tmp_path / "runs" / "*"))
    check_run_directory(name, run_dir)
    assert shows_figures(notebook), "no figure is displayed inline"
    texts = "".join(output.get("text", "") for output in outputs(notebook))
    assert "train/val/test" in texts, "the Data step shows no summary"


@pytest.mark.parametrize("name", list_recipes())
def test_committed_notebook_carries_its_outputs(name):
    with open(notebook_path(name), encoding="utf-8") as handle:
        notebook = nbformat.read(handle, as_version=4)
    assert shows_figures(notebook), "run `make notebooks` and commit the result"


def outputs(notebook):
    return [output for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.get("outputs", [])]


def shows_figures(notebook):
    return any("image/png" in output.get("data", {}) for output in outputs(notebook))


def check_run_directory(name, run_dir):
    """The files, plots, baselines and schema of a smoke run; returns its metrics."""
    for file in ("config.json", "metrics.json", "report.md"):
        assert os.path.exists(os.path.join(run_dir, file)), file
    report = open(os.path.join(run_dir, "report.md")).read()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report)
    assert images, "the report embeds no plot"
    for image in images:
        assert os.path.getsize(os.path.join(run_dir, image)) > 0
    metrics = json.load(open(os.path.join(run_dir, "metrics.json")))
    # Every registered recipe scores a supervised model on a test split, so
    # none is excluded: each report carries that split's scikit-learn baselines.
    check_baseline_rows(report)
    if issubclass(load_recipe(name).Config, ComparisonConfig):
        check_comparison_schema(run_dir, metrics, report)
    return metrics


def check_baseline_rows(report):
    """The report has the linear and the gradient-boosting baseline rows."""
    rows = [line for line in report.splitlines() if line.startswith("|")]
    assert any("| LogisticRegression |" in row or "| RidgeCV |" in row for row in rows), \
        "no LogisticRegression or RidgeCV baseline row in the report"
    assert any("| HistGradientBoosting" in row for row in rows), \
        "no HistGradientBoosting baseline row in the report"


def check_comparison_schema(run_dir, metrics, report):
    """Every comparison recipe writes the one metrics schema, runs.csv and the tests."""
    assert {"experiment", "reference", "primary", "seeds", "best_arm", "arms",
            "differences", "interval", "test"} <= set(metrics)
    assert len(metrics["seeds"]) >= 2, "smoke runs exercise the paired statistics"
    assert metrics["reference"] in metrics["arms"]
    assert set(metrics["differences"]) == set(metrics["arms"]) - {metrics["reference"]}
    for measures in metrics["arms"].values():
        for summary in measures.values():
            assert {"mean", "std", "ci_low", "ci_high", "n"} == set(summary)
    for measures in metrics["differences"].values():
        for difference in measures.values():
            assert {"mean", "ci_low", "ci_high", "p_value", "better", "n",
                    "resolved"} <= set(difference)
    runs = pd.read_csv(os.path.join(run_dir, "runs.csv"))
    main = runs[runs["experiment"] == metrics["experiment"]]
    assert len(main) == len(metrics["arms"]) * len(metrics["seeds"])
    assert set(main["arm"]) == set(metrics["arms"])
    assert "paired t-test" in report and "95% interval" in report
    logs = os.path.join(run_dir, "logs", metrics["experiment"])
    assert sorted(os.listdir(logs)) == sorted(metrics["arms"]), "one TensorBoard folder per arm"


def test_tabular_classification_metrics_and_reloaded_model(tmp_path):
    result = run_smoke("tabular_classification", tmp_path / "run")
    assert CLASSIFICATION_KEYS | {"test_roc_auc"} <= set(result.metrics)
    assert result.metrics["reload_max_abs_diff"] <= 1e-5
    for model in ("logistic_regression", "hist_gradient_boosting"):  # on the same split
        assert 0.8 <= result.metrics[f"baseline_{model}_test_accuracy"] <= 1
        assert f"baseline_{model}_test_roc_auc" in result.metrics
    assert 1 <= result.metrics["epochs_run"] <= 3
    history = pd.read_csv(os.path.join(result.run_dir, "history.csv"))
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(history.columns)
    for plot in ("learning_curves", "confusion_matrix", "roc_curve"):
        assert os.path.exists(os.path.join(result.run_dir, "plots", f"{plot}.png"))


def test_tabular_classification_multiclass_has_no_roc_auc(tmp_path):
    result = run_smoke("tabular_classification", tmp_path / "run", dataset="wine")
    assert CLASSIFICATION_KEYS <= set(result.metrics)
    assert "test_roc_auc" not in result.metrics
    assert "baseline_logistic_regression_test_accuracy" in result.metrics
    assert "baseline_logistic_regression_test_roc_auc" not in result.metrics


def messy_csv(tmp_path, rows=120):
    rng = np.random.default_rng(0)
    size = rng.normal(0, 1, rows)
    colour = rng.choice(["red", "green", "blue"], rows)
    label = np.where(size + (colour == "red") > 0.3, "big", "small")
    frame = pd.DataFrame({"size": size, "weight": rng.normal(3, 1, rows),
                          "colour": colour, "label": label})
    frame.loc[[2, 50, 90], "weight"] = np.nan
    path = tmp_path / "messy.csv"
    frame.to_csv(path, index=False)
    return str(path)


@pytest.mark.tensorflow_only  # Its text column needs TensorFlow string tensors.
def test_csv_with_categories_and_missing_values_trains_with_impute(tmp_path):
    path = messy_csv(tmp_path)
    result = run_smoke("tabular_classification", tmp_path / "run", csv=path,
                       target="label", impute="median")
    assert result.metrics["reload_max_abs_diff"] <= 1e-5
    model = keras.saving.load_model(os.path.join(result.run_dir, "model.keras"))
    raw_rows = {"numeric": np.array([[0.5, np.nan], [-1.0, 2.0]], "float32"),
                "colour": tf.constant([["red"], ["purple"]])}
    predictions = model.predict(raw_rows, verbose=0)
    assert predictions.shape == (2, 1) and np.isfinite(predictions).all()


def test_csv_with_missing_values_fails_before_training_without_impute(tmp_path):
    path = messy_csv(tmp_path)
    out = tmp_path / "run"
    with pytest.raises(ValueError, match="'weight' has 3 missing values"):
        run_smoke("tabular_classification", out, csv=path, target="label")
    assert not out.exists()


def test_regression_dataset_is_refused_by_the_classification_recipe(tmp_path):
    with pytest.raises(ValueError, match="classification dataset.*breast_cancer"):
        run_smoke("tabular_classification", tmp_path / "run", dataset="diabetes")


def test_tabular_classification_trains_with_lbfgs(tmp_path):
    result = run_smoke("tabular_classification", tmp_path / "run", optimizer="lbfgs",
                       epochs=15, class_weight="balanced")  # the same objective as Adam's
    assert CLASSIFICATION_KEYS <= set(result.metrics)
    assert result.metrics["test_accuracy"] > 0.8
    assert result.metrics["reload_max_abs_diff"] <= 1e-5


def test_unknown_optimizer_and_lbfgs_conflicts_are_refused_before_training():
    from keras_recipes.recipes import tabular_classification as recipe

    with pytest.raises(ValueError, match="adam.*sgd"):
        recipe.Config(optimizer="adamm")
    with pytest.raises(ValueError, match="lbfgs trains full-batch"):
        recipe.Config(optimizer="lbfgs", learning_rate="auto")

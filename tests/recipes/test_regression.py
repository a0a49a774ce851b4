"""The regression recipe: metrics, baselines, plots, units of the saved model."""

import os

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes import regression
from keras_recipes.recipes.common.datasets import load_dataset

REGRESSION_KEYS = {"test_loss", "test_mse", "test_rmse", "test_mae", "test_r2",
                   "epochs_run", "train_seconds", "reload_max_abs_diff",
                   "baseline_ridge_r2", "baseline_ridge_rmse", "baseline_linear_r2"}


def run_smoke(out, **overrides):
    return regression.run(regression.Config(smoke=True, out=str(out), verbose=0, **overrides))


def test_smoke_run_writes_metrics_plots_baselines_and_a_reloadable_model(tmp_path):
    result = run_smoke(tmp_path / "run")
    assert REGRESSION_KEYS <= set(result.metrics)
    assert result.metrics["reload_max_abs_diff"] <= 1e-5
    assert 1 <= result.metrics["epochs_run"] <= 3
    for plot in ("learning_curves", "predictions", "residuals"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0
    history = pd.read_csv(os.path.join(result.run_dir, "history.csv"))
    assert {"loss", "val_loss", "rmse", "val_rmse"} <= set(history.columns)
    report = open(result.report_path, encoding="utf-8").read()
    for row in ("| MLP (this recipe) |", "| Linear regression (OLS) |", "| RidgeCV |",
                "| Training mean (no model) |"):
        assert row in report
    assert "| model | RMSE | MAE | R² |" in report
    # The linear baselines explain a good part of the diabetes variance.
    assert result.metrics["baseline_ridge_r2"] > 0.3


def test_saved_model_predicts_in_the_original_target_units(tmp_path):
    result = run_smoke(tmp_path / "run")
    model = keras.saving.load_model(os.path.join(result.run_dir, "model.keras"))
    assert model.get_layer("target_scale") is not None
    data = load_dataset("diabetes")
    predictions = model.predict(data.x_test, verbose=0).reshape(-1)
    # Three epochs are far from a good fit, but the predictions are already
    # on the target's scale (about 25-346), not around 0.
    assert abs(predictions.mean() - data.y_train.mean()) < data.y_train.std()


def test_without_target_standardisation_there_is_no_scaling_layer(tmp_path):
    config = regression.Config(smoke=True, out=str(tmp_path / "run"), verbose=0,
                               standardize_target=False)
    model = regression.build_model(config, load_dataset("diabetes"))
    assert "target_scale" not in [layer.name for layer in model.layers]


def test_classification_dataset_is_refused_before_the_run_directory(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ValueError, match="regression dataset.*diabetes"):
        run_smoke(out, dataset="digits")
    assert not out.exists()


def regression_csv(tmp_path, rows=80):
    rng = np.random.default_rng(0)
    size = rng.normal(0, 1, rows)
    colour = rng.choice(["red", "green", "blue"], rows)
    age = rng.normal(5, 2, rows)
    price = 100 + 20 * size - 5 * age + rng.normal(0, 2, rows)
    frame = pd.DataFrame({"size": size, "age": age,
                          "colour": colour, "price": price})
    frame.loc[[3, 40], "age"] = np.nan
    path = tmp_path / "houses.csv"
    frame.to_csv(path, index=False)
    return str(path)


@pytest.mark.tensorflow_only  # Its text column needs TensorFlow string tensors.
def test_csv_with_categories_and_missing_values_trains_with_impute(tmp_path):
    result = run_smoke(tmp_path / "run", csv=regression_csv(tmp_path), target="price",
                       impute="median")
    assert REGRESSION_KEYS <= set(result.metrics)
    # The linear baseline sees the same imputed and scaled features.
    assert result.metrics["baseline_linear_r2"] > 0.8


def test_csv_with_a_text_target_is_refused(tmp_path):
    with pytest.raises(ValueError, match="must be numeric for regression"):
        run_smoke(tmp_path / "run", csv=regression_csv(tmp_path), target="colour",
                  impute="median")


def test_command_line_refuses_a_classification_dataset(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        regression.main(["--dataset", "wine", "--smoke", "--out", str(tmp_path / "run")])
    assert exit_info.value.code == 2
    assert "'dataset' parameter" in capsys.readouterr().err

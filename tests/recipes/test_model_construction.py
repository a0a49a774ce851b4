"""The model construction recipe: depth x width sweep and plain vs residual."""

import json
import os

import pandas as pd
import pytest

from keras_recipes.recipes import model_construction


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    config = model_construction.Config(
        out=str(tmp_path_factory.mktemp("model_construction") / "run"), seeds=2,
        depths="1,2", widths="4,8", epochs=2, blocks=2, residual_units=8,
        residual_epochs=2, probe_rows=32, target_accuracy=0.3,
        residual_arms="plain,residual_zero_init", verbose=0)
    return model_construction.run(config)


def test_metrics_hold_both_experiments_in_the_comparison_schema(result):
    saved = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert saved["experiment"] == "residual" and saved["reference"] == "plain"
    assert list(saved["differences"]) == ["residual_zero_init"]
    assert {"p_value", "better", "resolved"} <= set(
        saved["differences"]["residual_zero_init"]["epochs_to_target_or_budget"])
    sweep = saved["sweep"]
    assert sweep["experiment"] == "depth_width"
    assert set(sweep["arms"]) == {"d1_w4", "d2_w4", "d1_w8", "d2_w8"}
    for measure in ("train_accuracy", "gap_accuracy", "gap_loss", "val_loss_rise"):
        assert {"mean", "ci_low", "ci_high", "n"} <= set(sweep["arms"]["d2_w8"][measure])
    assert [row["width"] for row in saved["depth_effects"]] == [4, 8]


def test_sweep_rows_measure_fit_and_gap_in_inference_mode(result):
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    sweep = runs[runs["experiment"] == "depth_width"]
    assert len(sweep) == 8
    assert sweep["gap_accuracy"].tolist() == pytest.approx(
        (sweep["train_accuracy"] - sweep["val_accuracy"]).tolist())
    assert sweep["train_accuracy"].between(0, 1).all()
    # A wider layer holds more weights at the same depth.
    weights = sweep.groupby("arm")["weights"].first()
    assert weights["d1_w8"] > weights["d1_w4"] and weights["d2_w8"] > weights["d1_w8"]


def test_residual_rows_hold_gradient_norms_and_paired_epochs(result):
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    residual = runs[runs["experiment"] == "residual"]
    assert residual.groupby("arm").size().to_dict() == {"plain": 2, "residual_zero_init": 2}
    assert (residual["initial_stem_grad_norm"] > 0).all()
    assert (residual["max_grad_norm"] >= residual["final_grad_norm"]).all()
    assert residual["epochs_to_target_or_budget"].between(1, 3).all()
    curves = pd.read_csv(os.path.join(result.run_dir, "curves.csv"))
    assert curves.loc[curves["experiment"] == "residual", "gradient_norm"].notna().all()


def test_report_has_depth_table_baselines_and_plots(result):
    report = open(result.report_path, encoding="utf-8").read()
    assert "## What depth changes, width by width" in report
    assert "| 8 | 2 vs 1 |" in report
    assert report.count("LogisticRegression") == 2, "baselines for both sets"
    for plot in ("depth_width", "sweep_val_loss", "residual_gradient_norm"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


@pytest.mark.parametrize("overrides, message", [
    ({"depths": "1,x"}, "'depths' parameter must be a comma-separated list of positive"),
    ({"widths": "0"}, "'widths' parameter"),
    ({"dataset": "diabetes"}, "'dataset' parameter must be a bundled classification"),
    ({"residual_arms": "plain,dense"}, "'residual_arms' parameter"),
    ({"blocks": 0}, "'blocks' parameter"),
])
def test_bad_settings_are_refused_when_the_config_is_made(overrides, message):
    with pytest.raises(ValueError, match=message):
        model_construction.Config(**overrides)

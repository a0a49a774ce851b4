"""The regularisation comparison: variants x seeds through the engine, gaps, flags."""

import json
import os

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes import regularization
from keras_recipes.recipes.common.datasets import load_dataset

VARIANTS = ("none", "l2", "early_stopping", "all")
SMALL = dict(epochs=2, train_rows=60, units=8, depth=1, patience=1, verbose=0)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    # An L2 factor of 10 would dwarf the cross-entropy if it leaked into the gaps.
    return regularization.run(regularization.Config(
        out=str(tmp_path_factory.mktemp("regularization") / "run"),
        variants=",".join(VARIANTS), seeds=2, l2=10.0, **SMALL))


def test_metrics_follow_the_comparison_schema(result):
    saved = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert saved["reference"] == "none" and saved["seeds"] == [42, 43]
    assert saved["best_variant"] in VARIANTS
    for name in VARIANTS:
        for measure in regularization.MEASURES:
            summary = saved["arms"][name][measure]
            assert {"mean", "ci_low", "ci_high", "n"} <= set(summary)
            assert summary["n"] == 2
        assert 1 <= saved["arms"][name]["epochs"]["mean"] <= 2
    assert set(saved["differences"]) == set(VARIANTS) - {"none"}
    difference = saved["differences"]["all"]["test_accuracy"]
    assert {"mean", "ci_low", "ci_high", "p_value", "better", "n", "resolved"} <= set(difference)


def test_runs_csv_has_one_row_per_variant_and_seed_without_the_l2_penalty(result):
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert runs.groupby("arm").size().to_dict() == {name: 2 for name in VARIANTS}
    assert sorted(set(runs["seed"])) == [42, 43]
    l2_rows = runs[runs["arm"] == "l2"]
    assert (l2_rows["l2"] == 10.0).all() and (runs.loc[runs["arm"] == "none", "l2"] == 0).all()
    # 10 x the squared weights would be far above the ~1.1 of 3 classes.
    assert (runs["train_cross_entropy"] < 5).all()
    assert np.allclose(runs["gap_loss"], runs["val_cross_entropy"] - runs["train_cross_entropy"])
    assert np.allclose(runs["gap_accuracy"], runs["train_accuracy"] - runs["val_accuracy"])


def test_report_has_intervals_paired_differences_baselines_and_plots(result):
    report = open(result.report_path, encoding="utf-8").read()
    assert "Student-t 95% interval" in report
    assert "| arm | measure | difference vs none |" in report
    for name in VARIANTS:
        assert f"| {name} |" in report
    assert "LogisticRegression" in report
    assert "resolved at 2 seeds" in report  # the verdict sentences
    for plot in ("gap_loss", "gap_accuracy", "val_cross_entropy", "cross_entropy",
                 "regularization_test_accuracy"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0
    assert os.path.exists(os.path.join(result.run_dir, "model.keras"))


def test_variant_settings_switch_on_the_right_remedies():
    config = regularization.Config(l2=0.01, dropout=0.25)
    assert regularization.variant_settings("none", config) == (
        {"l2": 0.0, "dropout": 0.0, "batch_norm": False}, False)
    assert regularization.variant_settings("early_stopping", config)[1] is True
    assert regularization.variant_settings("all", config) == (
        {"l2": 0.01, "dropout": 0.25, "batch_norm": True}, True)


@pytest.mark.parametrize("variant, layer_type", [
    ("dropout", keras.layers.Dropout), ("batch_norm", keras.layers.BatchNormalization)])
def test_built_models_hold_the_variant_layers(variant, layer_type):
    dataset = load_dataset("digits")
    config = regularization.Config(units=8, depth=2)
    model = regularization.build_model(config, dataset, variant)
    assert sum(isinstance(layer, layer_type) for layer in model.layers) == 2
    plain = regularization.build_model(config, dataset, "none")
    assert not any(isinstance(layer, layer_type) for layer in plain.layers)


def test_training_subset_is_stratified_and_keeps_validation_and_test():
    full = load_dataset("digits")
    subset = regularization.keep_training_rows(full, 100, seed=0)
    assert len(subset.y_train) == 100
    assert np.bincount(subset.y_train).min() >= 9
    assert len(subset.y_val) == len(full.y_val) and len(subset.y_test) == len(full.y_test)
    assert regularization.keep_training_rows(full, 0, seed=0) is full


@pytest.mark.parametrize("field, value, message", [
    ("variants", "none,lasso", "'variants' parameter.*lasso"),
    ("seeds", "1,2", "'seeds' parameter must be a positive integer"),
    ("seeds", 0, "'seeds' parameter must be a positive integer"),
    ("train_rows", -1, "'train_rows' parameter"),
    ("dropout", 1.0, r"'dropout' parameter must be in \[0, 1\)"),
    ("l2", 0, "'l2' parameter must be a positive number"),
])
def test_bad_settings_are_refused_when_the_config_is_made(field, value, message):
    with pytest.raises(ValueError, match=message):
        regularization.Config(**{field: value})


def test_too_many_training_rows_fail_before_the_run_directory(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ValueError, match="'train_rows' parameter.*Got 5000"):
        regularization.run(regularization.Config(out=str(out), train_rows=5000, verbose=0))
    assert not out.exists()


def test_command_line_refuses_an_unknown_variant(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        regularization.main(["--variants", "none,weight_decay", "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "weight_decay" in capsys.readouterr().err

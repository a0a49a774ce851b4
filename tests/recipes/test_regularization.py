"""The regularisation comparison: variants, seeds, gaps, validation of flags."""

import os

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes import regularization
from keras_recipes.recipes.common.datasets import load_dataset

SMALL = dict(epochs=2, train_rows=60, units=8, depth=1, patience=1,
             verbose=0)


def test_every_variant_gets_a_table_row_metrics_and_plots(tmp_path):
    variants = "none,l2,dropout,batch_norm,early_stopping,all"
    result = regularization.run(regularization.Config(
        out=str(tmp_path / "run"), variants=variants, seeds="1", **SMALL))
    names = variants.split(",")
    for name in names:
        for key in ("test_accuracy", "test_accuracy_std", "gap_accuracy", "gap_loss",
                    "epochs", "seconds"):
            assert f"{name}_{key}" in result.metrics
        assert 1 <= result.metrics[f"{name}_epochs"] <= 2
    assert result.metrics["runs"] == len(names)
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert sorted(runs["variant"]) == sorted(names)
    report = open(result.report_path, encoding="utf-8").read()
    table = report.split("## Variants")[1].split("![")[0]
    for name in names:
        assert f"| {name} |" in table
    for plot in ("gaps", "val_cross_entropy", "train_cross_entropy"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


def test_one_run_per_seed_and_gaps_without_the_l2_penalty(tmp_path):
    result = regularization.run(regularization.Config(
        out=str(tmp_path / "run"), variants="l2", seeds="1,2", l2=10.0, **SMALL))
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert sorted(runs["seed"]) == [1, 2] and result.metrics["runs"] == 2
    # A penalty of 10 x the squared weights would dwarf the cross-entropy
    # (about 2.3 for 10 classes) if it leaked into the measured losses.
    assert (runs["train_cross_entropy"] < 5).all()


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
    ("seeds", "1,two", "'seeds' parameter"),
    ("train_rows", -1, "'train_rows' parameter"),
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

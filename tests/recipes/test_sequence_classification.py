"""The sequence recipe: digits read row by row, LSTM/GRU against a flat MLP."""

import json
import os

import pandas as pd
import pytest

from keras_recipes.recipes import sequence_classification


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    config = sequence_classification.Config(
        out=str(tmp_path_factory.mktemp("sequences") / "run"), arms="lstm,mlp", seeds=2,
        units=8, epochs=2, target_accuracy=0.2, verbose=0)
    return sequence_classification.run(config)


def test_data_are_eight_rows_of_eight_pixels_in_unit_range():
    dataset = sequence_classification.load_data(sequence_classification.Config())
    assert dataset.x_train.shape[1:] == (8, 8) and dataset.x_test.shape[1:] == (8, 8)
    assert 0 <= dataset.x_train.min() and dataset.x_train.max() <= 1
    assert dataset.num_classes == 10


def test_models_read_the_same_sequence_input():
    config = sequence_classification.Config(units=4)
    dataset = sequence_classification.load_data(config)
    for arm in ("lstm", "gru", "mlp"):
        model = sequence_classification.build_model(config, dataset, arm)
        assert tuple(model.input.shape[1:]) == (8, 8), arm
    assert sequence_classification.build_model(config, dataset, "gru").get_layer("gru_0")


def test_metrics_pair_the_recurrent_arm_against_the_mlp(result):
    saved = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert saved["reference"] == "mlp" and list(saved["differences"]) == ["lstm"]
    for measure in ("test_accuracy", "epochs_to_target", "weights"):
        assert {"mean", "ci_low", "ci_high", "n"} <= set(saved["arms"]["lstm"][measure])
    assert {"p_value", "better", "resolved"} <= set(saved["differences"]["lstm"]["test_accuracy"])


def test_runs_learn_and_report_has_baselines(result):
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert runs.groupby("arm").size().to_dict() == {"lstm": 2, "mlp": 2}
    # Two epochs already beat chance (10%) on ten classes.
    assert (runs["test_accuracy"] > 0.2).all()
    report = open(result.report_path, encoding="utf-8").read()
    assert "LogisticRegression" in report and "difference vs mlp" in report
    assert os.path.exists(os.path.join(result.run_dir, "model.keras"))


@pytest.mark.parametrize("overrides, message", [
    ({"arms": "lstm,transformer"}, "'arms' parameter.*lstm, gru, mlp"),
    ({"units": 0}, "'units' parameter"),
    ({"target_accuracy": 2.0}, "'target_accuracy' parameter"),
])
def test_bad_settings_are_refused_when_the_config_is_made(overrides, message):
    with pytest.raises(ValueError, match=message):
        sequence_classification.Config(**overrides)

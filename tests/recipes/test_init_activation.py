"""The activation/initialiser comparison: gradient norms, engine schema, flags."""

import json
import math
import os

import pandas as pd
import pytest

from keras_recipes.recipes import init_activation

PAIRS = ("sigmoid:glorot_uniform", "relu:he_normal")
ARMS = ("sigmoid+glorot_uniform", "relu+he_normal")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    config = init_activation.Config(
        out=str(tmp_path_factory.mktemp("init_activation") / "run"), pairs=",".join(PAIRS),
        dataset="breast_cancer", seeds=2, depth=6, units=16, epochs=2, probe_rows=64,
        target_accuracy=0.2,
        verbose=0)
    return init_activation.run(config)


def test_metrics_follow_the_schema_against_relu_he(result):
    saved = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert saved["reference"] == "relu+he_normal" and saved["seeds"] == [42, 43]
    assert saved["best_pair"] in ARMS
    for arm in ARMS:
        for measure in ("test_accuracy", "log10_grad_ratio", "first_layer_grad_norm",
                        "reached_target", "grad_norm_dense_0", "grad_norm_head"):
            assert {"mean", "ci_low", "ci_high", "n"} <= set(saved["arms"][arm][measure])
    assert list(saved["differences"]) == ["sigmoid+glorot_uniform"]
    difference = saved["differences"]["sigmoid+glorot_uniform"]["log10_grad_ratio"]
    assert {"mean", "ci_low", "ci_high", "p_value", "better", "n", "resolved"} <= set(difference)


def test_sigmoid_vanishes_and_relu_he_keeps_the_gradient(result):
    arms = json.load(open(os.path.join(result.run_dir, "metrics.json")))["arms"]
    # Six sigmoid layers shrink the gradient by orders of magnitude; ReLU
    # with He initialisation keeps it within a small factor.
    assert arms["sigmoid+glorot_uniform"]["log10_grad_ratio"]["mean"] < -2
    assert arms["relu+he_normal"]["log10_grad_ratio"]["mean"] > -1


def test_runs_csv_holds_every_layer_norm_of_every_run(result):
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert runs.groupby("arm").size().to_dict() == {arm: 2 for arm in ARMS}
    layers = [column for column in runs.columns if column.startswith("grad_norm_")]
    assert layers == [f"grad_norm_dense_{i}" for i in range(6)] + ["grad_norm_head"]
    assert (runs[layers] > 0).all().all()
    ratio = (runs["grad_norm_dense_0"] / runs["grad_norm_head"]).map(math.log10)
    assert ratio.tolist() == pytest.approx(runs["log10_grad_ratio"].tolist())
    # The easy target of 0.2 is reached by ReLU; epochs_to_target is its first epoch.
    relu = runs[runs["arm"] == "relu+he_normal"]
    assert (relu["reached_target"] == 1).all() and relu["epochs_to_target"].between(1, 2).all()


def test_report_has_intervals_paired_differences_and_plots(result):
    report = open(result.report_path, encoding="utf-8").read()
    assert "Student-t 95% interval" in report
    assert "| arm | measure | difference vs relu+he_normal |" in report
    assert "| sigmoid+glorot_uniform |" in report and "| relu+he_normal |" in report
    assert "resolved at 2 seeds" in report
    for plot in ("gradient_norms", "val_accuracy", "val_loss", "init_activation_test_accuracy"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


@pytest.mark.parametrize("overrides, message", [
    ({"pairs": "relu"}, "activation:initializer pairs"),
    ({"pairs": "relu:he_normal,softsign:glorot_uniform"},
     "unknown activation 'softsign'.*Valid activations:.*gelu"),
    ({"pairs": "relu:he_nromal"}, "unknown initializer 'he_nromal'"),
    ({"seeds": 0}, "'seeds' parameter must be a positive integer"),
    ({"target_accuracy": 1.5}, "'target_accuracy' parameter"),
    ({"probe_rows": 0}, "'probe_rows' parameter"),
])
def test_bad_settings_are_refused_when_the_config_is_made(overrides, message):
    with pytest.raises(ValueError, match=message):
        init_activation.Config(**overrides)


def test_command_line_refuses_a_bad_pair_before_training(tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        init_activation.main(["--pairs", "relu:he_normal,tanh:ones", "--out", str(out)])
    assert exit_info.value.code == 2
    assert "unknown initializer 'ones'" in capsys.readouterr().err
    assert not out.exists()

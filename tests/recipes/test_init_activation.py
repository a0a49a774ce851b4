"""The activation/initialiser comparison: gradient norms, curves, flags."""

import os

import pandas as pd
import pytest

from keras_recipes.recipes import init_activation


def test_runs_measure_per_layer_gradients_and_vanishing_with_sigmoid(tmp_path):
    config = init_activation.Config(
        out=str(tmp_path / "run"), pairs="sigmoid:glorot_uniform,relu:he_normal",
        seeds="1,2", depth=6, units=16, epochs=1, probe_rows=64, verbose=0)
    result = init_activation.run(config)
    metrics = result.metrics
    for key in ("sigmoid_glorot_uniform", "relu_he_normal"):
        for suffix in ("grad_ratio", "first_layer_grad_norm", "test_accuracy",
                       "test_accuracy_std", "runs_reaching_target"):
            assert f"{key}_{suffix}" in metrics
    # Six sigmoid layers shrink the gradient by orders of magnitude; ReLU
    # with He initialisation keeps it within a small factor.
    assert metrics["sigmoid_glorot_uniform_grad_ratio"] < 1e-2
    assert metrics["relu_he_normal_grad_ratio"] > 0.1
    norms = pd.read_csv(os.path.join(result.run_dir, "gradient_norms.csv"))
    per_run = norms.groupby(["pair", "seed"])["layer"].apply(list)
    assert len(per_run) == 4
    assert all(layers == [f"dense_{i}" for i in range(6)] + ["head"] for layers in per_run)
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert len(runs) == 4
    for plot in ("gradient_norms", "val_accuracy", "val_loss"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0
    report = open(result.report_path, encoding="utf-8").read()
    assert "| sigmoid+glorot_uniform |" in report and "| relu+he_normal |" in report


def test_epochs_to_target_are_reported_when_reached(tmp_path):
    config = init_activation.Config(
        out=str(tmp_path / "run"), pairs="relu:he_normal", seeds="1", depth=2,
        units=32, epochs=3, target_accuracy=0.5, verbose=0)
    metrics = init_activation.run(config).metrics
    assert metrics["relu_he_normal_runs_reaching_target"] == 1
    assert 1 <= metrics["relu_he_normal_epochs_to_target"] <= 3


@pytest.mark.parametrize("overrides, message", [
    ({"pairs": "relu"}, "activation:initializer pairs"),
    ({"pairs": "relu:he_normal,softsign:glorot_uniform"},
     "unknown activation 'softsign'.*Valid activations:.*gelu"),
    ({"pairs": "relu:he_nromal"}, "unknown initializer 'he_nromal'"),
    ({"seeds": ""}, "'seeds' parameter"),
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

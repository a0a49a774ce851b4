"""The learning-rate schedule comparison: rows per schedule, seeds, flag checks."""

import os

import keras
import pandas as pd
import pytest

from keras_recipes.callbacks import ReduceLROnPlateau
from keras_recipes.callbacks import list_schedules
from keras_recipes.recipes import lr_schedules

# Iris: 105 training rows, 4 steps per epoch, so a run takes about a second.
SMALL = dict(dataset="iris", epochs=2, units=8, depth=1, verbose=0)


def test_every_schedule_gets_a_table_row_metrics_and_a_learning_rate_curve(tmp_path):
    names = [*list_schedules(), "plateau"]
    result = lr_schedules.run(lr_schedules.Config(
        out=str(tmp_path / "run"), schedules=",".join(names), seeds=1,
        small_learning_rate=0.01, target_accuracy=0.5, **SMALL))
    report = open(result.report_path, encoding="utf-8").read()
    table = report.split("## Schedules")[1].split("![")[0]
    for name in [*names, "constant_small"]:
        assert f"| {name} |" in table
        for key in ("test_accuracy_mean", "val_loss_mean", "seconds_mean",
                    "epochs_to_target_mean", "seeds_reaching_target"):
            assert f"{name}_{key}" in result.metrics
    assert result.metrics["best_schedule"] in [*names, "constant_small"]
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert len(runs) == len(names) + 1
    assert (runs["epochs"] == 2).all()
    for plot in ("learning_rates", "train_loss", "val_loss", "val_accuracy"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


def test_each_seed_trains_once_and_the_spread_is_reported(tmp_path):
    result = lr_schedules.run(lr_schedules.Config(
        out=str(tmp_path / "run"), schedules="cosine", seeds=2, seed=7,
        small_learning_rate=0.0, **SMALL))
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert runs["seed"].tolist() == [7, 8]
    assert runs["schedule"].tolist() == ["cosine", "cosine"]
    assert "±" in open(result.report_path, encoding="utf-8").read()
    assert result.metrics["cosine_test_accuracy_std"] >= 0


def test_schedule_names_become_the_right_learning_rates():
    config = lr_schedules.Config(learning_rate=0.1, small_learning_rate=0.01,
                                 epochs=10, warmup_epochs=2)
    steps = 5
    assert lr_schedules.learning_rate_for("constant", config, steps) == 0.1
    assert lr_schedules.learning_rate_for("plateau", config, steps) == 0.1
    assert lr_schedules.learning_rate_for("constant_small", config, steps) == 0.01
    cosine = lr_schedules.learning_rate_for("cosine", config, steps)
    assert float(cosine(0)) == pytest.approx(0.0)
    assert float(cosine(10)) == pytest.approx(0.1)  # Peak after the 2-epoch warmup.
    assert float(cosine(50)) == pytest.approx(0.0, abs=1e-6)
    step = lr_schedules.learning_rate_for("step", config, steps)
    assert isinstance(step, keras.optimizers.schedules.LearningRateSchedule)
    assert float(step(0)) == pytest.approx(0.1)
    assert float(step(40)) == pytest.approx(0.001, rel=1e-3)  # Two drops, no warmup.


def test_only_the_plateau_schedule_gets_the_plateau_callback():
    config = lr_schedules.Config(plateau_factor=0.5, plateau_patience=4)
    plateau = [c for c in lr_schedules.callbacks_for("plateau", config)
               if isinstance(c, ReduceLROnPlateau)]
    assert len(plateau) == 1
    assert plateau[0].factor == 0.5 and plateau[0].patience == 4
    assert not [c for c in lr_schedules.callbacks_for("cosine", config)
                if isinstance(c, ReduceLROnPlateau)]


@pytest.mark.parametrize("settings, message", [
    ({"schedules": "constant,warm"}, r"'schedules' parameter.*cosine_restarts.*plateau.*warm"),
    ({"schedules": ""}, "'schedules' parameter"),
    ({"seeds": 0}, "'seeds' parameter"),
    ({"warmup_epochs": 20, "epochs": 20}, "'warmup_epochs' parameter"),
    ({"warmup_epochs": 2, "epochs": 2, "schedules": "step,cosine"}, "'warmup_epochs' parameter"),
    ({"optimizer": "lbfgs"}, "'optimizer' parameter.*'lbfgs'"),
    ({"optimizer": "adamm"}, "'optimizer' parameter"),
    ({"plateau_factor": 1.5}, "'plateau_factor' parameter"),
    ({"target_accuracy": 0}, "'target_accuracy' parameter"),
    ({"small_learning_rate": 0.5}, "'small_learning_rate' parameter"),
])
def test_bad_settings_are_refused_when_the_config_is_made(settings, message):
    with pytest.raises(ValueError, match=message):
        lr_schedules.Config(**settings)


def test_warmup_only_constrains_the_cosine_schedule():
    config = lr_schedules.Config(epochs=1, schedules="constant,plateau")
    assert config.warmup_epochs == 1


def test_command_line_refuses_an_unknown_schedule_before_training(tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        lr_schedules.main(["--schedules", "cosine,linear", "--out", str(out)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "linear" in error
    for name in [*list_schedules(), "plateau"]:
        assert name in error
    assert not out.exists()


def test_regression_dataset_fails_before_the_run_directory(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ValueError, match="classification dataset"):
        lr_schedules.run(lr_schedules.Config(out=str(out), dataset="diabetes", verbose=0))
    assert not out.exists()

"""The learning-rate schedule comparison on the engine: schema, runs, tables, flags."""

import json
import os

import keras
import pandas as pd
import pytest

from keras_recipes.callbacks import ReduceLROnPlateau
from keras_recipes.callbacks import list_schedules
from keras_recipes.recipes import lr_schedules

# Iris: 105 training rows, 4 steps per epoch, so a run takes about a second.
SMALL = dict(dataset="iris", epochs=2, units=8, depth=1, verbose=0)
NAMES = [*list_schedules(), "plateau"]
ARMS = [*NAMES, "constant_small"]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return lr_schedules.run(lr_schedules.Config(
        out=str(tmp_path_factory.mktemp("schedules") / "run"), schedules=",".join(NAMES),
        seeds=2, small_learning_rate=0.01, target_accuracy=0.5, **SMALL))


def test_metrics_follow_the_comparison_schema(result):
    metrics = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert metrics["reference"] == "constant"
    assert metrics["seeds"] == [42, 43]
    assert sorted(metrics["arms"]) == sorted(ARMS)
    for arm in ARMS:
        for measure in lr_schedules.MEASURES:
            summary = metrics["arms"][arm][measure]
            assert {"mean", "ci_low", "ci_high", "n"} <= set(summary)
        accuracy = metrics["arms"][arm]["test_accuracy"]
        assert accuracy["ci_low"] <= accuracy["mean"] <= accuracy["ci_high"]
    assert set(metrics["differences"]) == set(ARMS) - {"constant"}
    difference = metrics["differences"]["cosine"]["test_accuracy"]
    assert {"mean", "ci_low", "ci_high", "p_value", "better", "n", "resolved"} <= set(difference)
    assert metrics["best_schedule"] in ARMS
    assert metrics["fastest_schedule"] in ARMS + [None]
    assert metrics["train_seconds"] > 0


def test_runs_csv_has_one_row_per_schedule_and_seed(result):
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert runs.groupby("arm").size().to_dict() == {arm: 2 for arm in ARMS}
    assert sorted(set(runs["seed"])) == [42, 43]
    assert (runs["epochs"] == 2).all()
    assert runs.loc[runs["arm"] == "constant_small", "peak_learning_rate"].eq(0.01).all()
    # The plateau rule and the decays show in the logged rate; the constant one does not.
    constant = runs.loc[runs["arm"] == "constant", "final_learning_rate"]
    assert constant.to_numpy() == pytest.approx(0.1)
    assert (runs.loc[runs["arm"] == "cosine", "final_learning_rate"] < 0.05).all()
    assert os.path.getsize(os.path.join(result.run_dir, "curves.csv")) > 0
    assert os.path.getsize(os.path.join(result.run_dir, "model.keras")) > 0


def test_report_has_the_interval_and_paired_difference_tables(result):
    report = open(result.report_path, encoding="utf-8").read()
    intervals = report.split("## Schedules, measured")[1].split("Paired differences")[0]
    for arm in ARMS:
        assert f"| {arm} |" in intervals
    assert "95% interval" in report and " [" in intervals
    assert "| arm | measure | difference vs constant | p_value | seeds better | resolved |" \
        in report
    assert "not resolved at 2 seeds" in report or "resolved at 2 seeds" in report
    costs = report.split("## Rates, targets and costs")[1]
    assert "seeds reaching target" in costs and "| plateau |" in costs
    assert "LogisticRegression" in report
    for plot in ("learning_rates", "train_loss", "val_loss", "val_accuracy",
                 "schedules_test_accuracy"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


def test_seeds_is_a_count_and_smoke_pairs_two_of_them():
    assert lr_schedules.Config(seed=7, seeds=3).seed_list == [7, 8, 9]
    assert lr_schedules.Config(smoke=True).resolved().seeds >= 2


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
    ({"warmup_epochs": -1}, "'warmup_epochs' parameter"),
    ({"warmup_epochs": 2, "epochs": 2, "schedules": "step,cosine"}, "'warmup_epochs' parameter"),
    ({"optimizer": "lbfgs"}, "'optimizer' parameter.*'lbfgs'"),
    ({"optimizer": "adamm"}, "'optimizer' parameter"),
    ({"learning_rate": 0}, "'learning_rate' parameter"),
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
    for name in NAMES:
        assert name in error
    assert not out.exists()


def test_regression_dataset_fails_before_the_run_directory(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ValueError, match="classification dataset"):
        lr_schedules.run(lr_schedules.Config(out=str(out), dataset="diabetes", verbose=0))
    assert not out.exists()

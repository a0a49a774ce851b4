"""Trial tables, exports and plots from records; the median pruning rule."""

import json
import math

import keras
import pandas as pd
import pytest

from keras_recipes.tuning import MedianPruning
from keras_recipes.tuning import best_so_far
from keras_recipes.tuning import plot_anytime
from keras_recipes.tuning import plot_hyperparameters
from keras_recipes.tuning import plot_objective_by_trial
from keras_recipes.tuning import trials_frame
from keras_recipes.tuning import write_trials
from keras_recipes.tuning.trial_records import read_records
from keras_recipes.tuning.trial_records import write_record

RECORDS = [
    {"trial_id": "0", "status": "completed", "score": 0.80, "epochs_run": 10,
     "seconds": 2.0, "hyperparameters": {"optimizer": "adam", "learning_rate": 1e-3}},
    {"trial_id": "1", "status": "diverged", "epochs_run": 1, "seconds": 0.5,
     "message": "diverged: loss=nan at epoch 1",
     "hyperparameters": {"optimizer": "sgd", "learning_rate": 5.0}},
    {"trial_id": "2", "status": "completed", "score": 0.90, "epochs_run": 10,
     "seconds": 2.5, "hyperparameters": {"optimizer": "sgd", "learning_rate": 1e-2}},
    {"trial_id": "3", "status": "pruned", "score": 0.60, "epochs_run": 3,
     "seconds": 0.8, "hyperparameters": {"optimizer": "adam", "learning_rate": 1e-5}},
]


def test_table_ranks_scored_trials_and_keeps_failures_last():
    frame = trials_frame(RECORDS, direction="max")
    assert list(frame["trial_id"]) == ["2", "0", "3", "1"]
    assert list(frame["rank"][:3]) == [1, 2, 3] and math.isnan(frame["rank"][3])
    assert {"status", "score", "epochs_run", "seconds", "optimizer",
            "learning_rate", "message"} <= set(frame.columns)
    assert list(trials_frame(RECORDS, direction="min")["trial_id"][:3]) == ["3", "0", "2"]


def test_best_so_far_against_trials_epochs_and_seconds():
    assert best_so_far(RECORDS)[1] == [0.8, 0.8, 0.9, 0.9]
    assert best_so_far(RECORDS, by="epochs")[0] == [10, 11, 21, 24]
    assert best_so_far(RECORDS, by="seconds")[0] == pytest.approx([2.0, 2.5, 5.0, 5.8])
    assert best_so_far(RECORDS, direction="min")[1] == [0.8, 0.8, 0.8, 0.6]
    with pytest.raises(ValueError, match="'by' parameter"):
        best_so_far(RECORDS, by="minutes")


def test_records_round_trip_and_exports(tmp_path):
    for record in RECORDS:
        trial_dir = tmp_path / "tuner" / f"trial_{record['trial_id']}"
        trial_dir.mkdir(parents=True)
        write_record(str(trial_dir), dict(record, history={"loss": [float("nan")]}))
    records = read_records(str(tmp_path / "tuner"))
    assert [r["trial_id"] for r in records] == ["0", "1", "2", "3"]
    assert records[0]["history"]["loss"] == ["nan"]  # Valid JSON, not NaN.
    csv_path, json_path = write_trials(records, str(tmp_path))
    assert len(pd.read_csv(csv_path)) == 4
    assert len(json.loads(open(json_path).read())) == 4


def test_plots_are_written(tmp_path):
    for function, name in ((plot_objective_by_trial, "objective"),
                           (plot_hyperparameters, "hyperparameters")):
        path = function(RECORDS, "val_accuracy", str(tmp_path / f"{name}.png"))
        assert (tmp_path / f"{name}.png").stat().st_size > 0 and path.endswith(".png")
    plot_anytime({"random": RECORDS, "bayesian": RECORDS[:2]},
                 str(tmp_path / "anytime.png"), by="seconds")
    assert (tmp_path / "anytime.png").stat().st_size > 0


def run_epochs(pruning, values):
    """Feeds per-epoch objective values to the callback like `fit` would."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    pruning.set_model(model)
    model.stop_training = False
    pruning.on_train_begin()
    for epoch, value in enumerate(values):
        pruning.on_epoch_end(epoch, {"val_loss": value})
        if model.stop_training:
            break
    return pruning.pruned_epoch


def test_median_pruning_stops_worse_than_median_trials_only():
    earlier = [[1.0, 0.5, 0.3], [1.2, 0.6, 0.4], [0.9, 0.7, 0.5]]
    # Median of the best-so-far at epoch 2 is 0.6; 0.9 is worse: pruned there.
    assert run_epochs(MedianPruning("val_loss", history=earlier), [1.0, 0.9, 0.8]) == 2
    # Better than the median: never pruned.
    assert run_epochs(MedianPruning("val_loss", history=earlier), [1.0, 0.55, 0.2]) is None
    # Warmup: epoch 1 is never pruned, even when worse.
    assert run_epochs(MedianPruning("val_loss", history=earlier, warmup_epochs=2),
                      [5.0, 5.0, 5.0]) == 3
    # Too few earlier trials: no pruning.
    assert run_epochs(MedianPruning("val_loss", history=earlier[:2]), [5.0] * 3) is None
    # Maximised objectives compare the other way round.
    pruning = MedianPruning("val_accuracy", history=[[0.9, 0.95]] * 3)
    assert pruning.direction == "max"


def test_median_pruning_checks_its_arguments():
    with pytest.raises(ValueError, match="direction"):
        MedianPruning("val_loss", direction="down")
    with pytest.raises(ValueError, match="min_trials"):
        MedianPruning("val_loss", min_trials=-1)

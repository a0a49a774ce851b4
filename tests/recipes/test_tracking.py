"""Watching a run: TensorBoard event files in `logs/`, and `--track mlflow`."""

import importlib.util
import os

import numpy as np
import pandas as pd
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from keras_recipes.callbacks import TensorBoardScalars
from keras_recipes.callbacks import standard_callbacks
from keras_recipes.recipes import regression
from keras_recipes.recipes import tabular_classification
from keras_recipes.recipes.common import tracking


def scalars(log_dir):
    """{tag: [(step, value)]} of a TensorBoard folder, read with tensorboard's reader."""
    events = EventAccumulator(log_dir, size_guidance={"scalars": 0})
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)]
            for tag in events.Tags()["scalars"]}


def test_a_regression_run_logs_per_epoch_scalars_for_tensorboard(tmp_path):
    result = regression.run(regression.Config(smoke=True, verbose=0,
                                              out=str(tmp_path / "run")))
    logs = os.path.join(result.run_dir, "logs")
    train, validation = scalars(os.path.join(logs, "train")), \
        scalars(os.path.join(logs, "validation"))
    epochs = result.metrics["epochs_run"]
    for tag in ("epoch_loss", "epoch_rmse", "epoch_learning_rate"):
        assert [step for step, _ in train[tag]] == list(range(epochs)), tag
    assert [step for step, _ in validation["epoch_loss"]] == list(range(epochs))
    np.testing.assert_allclose([v for _, v in validation["epoch_loss"]],
                               result.history["val_loss"], rtol=1e-5)
    np.testing.assert_allclose([v for _, v in train["epoch_learning_rate"]], 1e-3,
                               rtol=1e-5)
    # Histograms are off: no histogram or weight summaries.
    events = EventAccumulator(os.path.join(logs, "train"))
    events.Reload()
    assert not events.Tags()["histograms"]


def test_tensorboard_is_off_by_default_in_the_standard_stack(tmp_path):
    names = [type(c) for c in standard_callbacks(str(tmp_path))]
    assert TensorBoardScalars not in names
    with_logs = standard_callbacks(str(tmp_path), tensorboard=True)
    board = [c for c in with_logs if isinstance(c, TensorBoardScalars)]
    assert len(board) == 1 and board[0].log_dir == os.path.join(str(tmp_path), "logs")


def test_a_history_without_callbacks_is_written_like_the_keras_callback(tmp_path):
    history = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.7, 0.6],
               "accuracy": [0.5, 0.7, 0.9]}
    tracking.write_tensorboard_history(str(tmp_path / "logs"), history)
    train = scalars(str(tmp_path / "logs" / "train"))
    assert [v for _, v in train["epoch_loss"]] == [1.0, 0.5, 0.25]
    assert [s for s, _ in train["epoch_accuracy"]] == [0, 1, 2]
    validation = scalars(str(tmp_path / "logs" / "validation"))
    np.testing.assert_allclose([v for _, v in validation["epoch_loss"]], [1.1, 0.7, 0.6])


def test_an_unknown_tracker_is_refused_before_anything_runs():
    with pytest.raises(ValueError, match="'track' parameter must be one of none, mlflow"):
        regression.Config(track="wandb")


@pytest.mark.skipif(importlib.util.find_spec("mlflow") is None,
                    reason="mlflow is not installed (pip install 'keras-recipes[mlflow]')")
@pytest.mark.tensorflow_only  # Its text column needs TensorFlow string tensors.
def test_track_mlflow_round_trips_through_a_sqlite_store(tmp_path, monkeypatch):
    from mlflow.tracking import MlflowClient

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    rng = np.random.default_rng(0)
    size = rng.normal(0, 1, 80)
    colour = rng.choice(["red", "blue"], 80)
    pd.DataFrame({"size": size, "colour": colour,
                  "label": np.where(size > 0, "big", "small")}).to_csv("data.csv",
                                                                       index=False)
    result = tabular_classification.run(tabular_classification.Config(
        smoke=True, verbose=0, csv="data.csv", target="label", out="runs/tracked",
        track="mlflow"))
    assert os.path.isfile("mlflow.db")  # The default store: sqlite:///mlflow.db.

    client = MlflowClient(tracking_uri="sqlite:///mlflow.db")
    experiment = client.get_experiment_by_name("tabular_classification")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FINISHED" and run.info.run_name == "tracked"
    assert run.data.params["target"] == "label" and run.data.params["epochs"] == "3"
    assert run.data.metrics["test_accuracy"] == pytest.approx(
        result.metrics["test_accuracy"])
    val_loss = client.get_metric_history(run.info.run_id, "val_loss")
    assert [m.step for m in val_loss] == list(range(result.metrics["epochs_run"]))
    np.testing.assert_allclose([m.value for m in sorted(val_loss, key=lambda m: m.step)],
                               result.history["val_loss"], rtol=1e-5)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"report.md", "config.json", "schema.json", "plots", "model"} <= artifacts
    assert [a.path for a in client.list_artifacts(run.info.run_id, "model")] == \
        ["model/model.keras"]
    local = client.download_artifacts(run.info.run_id, "report.md", str(tmp_path))
    assert open(local).read() == open(result.report_path).read()


@pytest.mark.skipif(importlib.util.find_spec("mlflow") is None, reason="needs mlflow")
def test_mlflow_tracking_uri_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'other.db'}")
    assert tracking.tracking_uri() == f"sqlite:///{tmp_path / 'other.db'}"

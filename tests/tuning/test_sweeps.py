"""Sweeps end to end on tiny data: failures, cross-validation, pruning, tuners."""

import gc
import json
import math

import numpy as np
import pandas as pd
import pytest

from keras_recipes.tuning import SearchSpace
from keras_recipes.tuning import TabularHyperModel
from keras_recipes.tuning import run_sweep


def regression_rows(rows=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3)).astype("float32")
    y = (x @ np.array([1.5, -2.0, 0.5]) + 0.1 * rng.normal(size=rows)).astype("float32")
    return x, y


def classification_rows(rows=45, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3)).astype("float32")
    return x, (x[:, 0] + 0.3 * rng.normal(size=rows) > 0).astype("int64")


def test_diverging_trials_are_recorded_as_failed_and_the_sweep_goes_on(tmp_path):
    x, y = regression_rows()
    # Grid order: the three huge SGD rates first (KerasTuner's default would
    # abort after 3 consecutive failures), then Adam.
    space = SearchSpace(optimizers=["sgd", "adam"], fixed={"epochs": 2, "units": 4},
                        ranges={"sgd/learning_rate": [1e3, 1e4, 1e5],
                                "adam/learning_rate": [1e-2]})
    lines = []
    result = run_sweep(TabularHyperModel(x[:36], task="regression", space=space),
                       x[:36], y[:36], (x[36:], y[36:]), tuner="grid", max_trials=4,
                       objective="val_loss", directory=str(tmp_path), progress=lines.append)
    statuses = [record["status"] for record in result.records]
    assert statuses == ["diverged", "diverged", "diverged", "completed"]
    assert all("diverged:" in r["message"] for r in result.records[:3])
    assert result.best_record["hyperparameters"]["optimizer"] == "adam"
    assert len(lines) == 4 and lines[0].startswith("trial 1/4  diverged")
    assert "best=" in lines[-1]
    table = pd.read_csv(tmp_path / "trials.csv")
    assert list(table["status"]) == ["completed", "diverged", "diverged", "diverged"]
    assert {"trial_id", "score", "epochs_run", "seconds", "learning_rate", "optimizer"} \
        <= set(table.columns)
    exported = json.loads((tmp_path / "trials.json").read_text())
    assert len(exported) == 4 and all(r["epochs_run"] >= 1 for r in exported)


class RecordingHyperModel(TabularHyperModel):
    """Remembers how many rows each model's preprocessing was fitted on."""

    fitted_rows = []

    def build(self, hp, x_train=None):
        rows = len(self.x_train if x_train is None else x_train)
        RecordingHyperModel.fitted_rows.append(rows)
        return super().build(hp, x_train)


def test_cross_validated_score_is_the_mean_over_stratified_folds(tmp_path):
    x, y = classification_rows()
    space = SearchSpace(optimizers=["adam"], fixed={"epochs": 1, "units": 4})
    RecordingHyperModel.fitted_rows = []
    result = run_sweep(RecordingHyperModel(x, task="binary", space=space), x, y,
                       tuner="random", max_trials=2, objective="val_accuracy", cv=3,
                       directory=str(tmp_path), progress=None)
    for record in result.records:
        assert len(record["fold_scores"]) == 3
        assert record["score"] == pytest.approx(np.mean(record["fold_scores"]))
        assert record["score_std"] == pytest.approx(np.std(record["fold_scores"]))
    # Each fold's preprocessing is fitted on its own 30 training rows.
    assert RecordingHyperModel.fitted_rows.count(30) == 6
    trial = result.tuner.oracle.get_trial(result.records[0]["trial_id"])
    assert trial.metrics.exists("val_accuracy_std")
    assert "score_std" in result.trials.columns


def test_cv_and_validation_data_are_exclusive_and_checked_before_trials(tmp_path):
    x, y = classification_rows()
    hypermodel = TabularHyperModel(x, task="binary",
                                   space=SearchSpace(optimizers=["adam"]))
    with pytest.raises(ValueError, match="no `validation_data`"):
        run_sweep(hypermodel, x, y, (x, y), cv=3, directory=str(tmp_path))
    with pytest.raises(ValueError, match="smallest class"):
        run_sweep(hypermodel, x[:6], y[:6], cv=5, objective="val_accuracy",
                  directory=str(tmp_path))
    with pytest.raises(ValueError, match="Unknown objective 'val_f2'"):
        run_sweep(hypermodel, x, y, (x, y), objective="val_f2", directory=str(tmp_path))
    with pytest.raises(ValueError, match="Unknown tuner"):
        run_sweep(hypermodel, x, y, (x, y), tuner="evolution", directory=str(tmp_path))
    assert not (tmp_path / "tuner").exists()


def test_median_pruning_stops_a_trial_worse_than_earlier_ones(tmp_path):
    x, y = regression_rows(rows=60)
    # Only the learning rate varies, so the grid runs the tiny one last.
    fixed = {"epochs": 4, "units": 8, "batch_size": 8, "beta_1": 0.9, "beta_2": 0.999,
             "epsilon": 1e-7, "amsgrad": False}
    space = SearchSpace(optimizers=["adam"], fixed=fixed,
                        ranges={"adam/learning_rate": [3e-2, 5e-2, 1e-1, 1e-7]})
    result = run_sweep(TabularHyperModel(x[:45], task="regression", space=space),
                       x[:45], y[:45], (x[45:], y[45:]), tuner="grid", max_trials=4,
                       objective="val_loss", prune=True, directory=str(tmp_path),
                       progress=None)
    last = result.records[-1]
    assert last["hyperparameters"]["learning_rate"] == 1e-7
    assert last["status"] == "pruned" and last["epochs_run"] == last["pruned_epoch"] < 4
    assert [r["status"] for r in result.records[:3]] == ["completed"] * 3


@pytest.mark.parametrize("tuner", ["bayesian", "hyperband"])
def test_bayesian_and_hyperband_sweeps_run(tuner, tmp_path):
    x, y = classification_rows(rows=40)
    space = SearchSpace(optimizers=["adam", "rmsprop"], fixed={"epochs": 3, "units": 4})
    result = run_sweep(TabularHyperModel(x[:30], task="binary", space=space),
                       x[:30], y[:30], (x[30:], y[30:]), tuner=tuner, max_trials=4,
                       objective="val_accuracy", directory=str(tmp_path), progress=None)
    assert len(result.records) == 4
    assert all(r["status"] == "completed" for r in result.records)
    assert all(math.isfinite(r["score"]) for r in result.records)
    if tuner == "hyperband":
        # The second round continues the best first-round trial from its weights.
        epochs = [r["epochs_run"] for r in result.records]
        assert epochs[:3] == [1, 1, 1] and epochs[3] == 2


def test_an_existing_sweep_is_refused_without_resume(tmp_path):
    x, y = classification_rows(rows=30)
    space = SearchSpace(optimizers=["adam"], fixed={"epochs": 1, "units": 2})
    arguments = dict(x=x[:20], y=y[:20], validation_data=(x[20:], y[20:]),
                     max_trials=1, objective="val_accuracy", directory=str(tmp_path),
                     progress=None)
    run_sweep(TabularHyperModel(x[:20], task="binary", space=space), **arguments)
    with pytest.raises(ValueError, match="already exists.*resume=True"):
        run_sweep(TabularHyperModel(x[:20], task="binary", space=space), **arguments)


class BrokenSgdHyperModel(TabularHyperModel):
    """Raises an error (a bug, not a divergence) in every SGD trial."""

    def fit(self, hp, model, *args, **kwargs):
        if hp.values["optimizer"] == "sgd":
            raise RuntimeError("broken on purpose")
        return super().fit(hp, model, *args, **kwargs)


def test_an_error_is_recorded_and_three_in_a_row_stop_the_sweep(tmp_path):
    from keras_tuner.errors import FatalError

    x, y = classification_rows(rows=30)
    space = SearchSpace(optimizers=["sgd", "adam"],
                        fixed={"epochs": 1, "units": 2, "sgd/learning_rate": 0.1,
                               "adam/beta_1": 0.9,
                               "adam/beta_2": 0.999, "adam/epsilon": 1e-7,
                               "adam/amsgrad": False},
                        ranges={"adam/learning_rate": [1e-2]})
    result = run_sweep(BrokenSgdHyperModel(x[:20], task="binary", space=space),
                       x[:20], y[:20], (x[20:], y[20:]), tuner="grid", max_trials=4,
                       objective="val_accuracy", directory=str(tmp_path / "one"),
                       progress=None)
    assert [r["status"] for r in result.records] == ["failed", "completed"]
    assert "RuntimeError: broken on purpose" in result.records[0]["message"]
    assert "Traceback" in result.records[0]["traceback"]
    only_sgd = SearchSpace(optimizers=["sgd"], fixed={"epochs": 1, "units": 2},
                           ranges={"sgd/learning_rate": [0.1, 0.2, 0.3, 0.4]})
    with pytest.raises(FatalError, match="3 consecutive trials raised an error"):
        run_sweep(BrokenSgdHyperModel(x[:20], task="binary", space=only_sgd),
                  x[:20], y[:20], (x[20:], y[20:]), tuner="grid", max_trials=4,
                  objective="val_accuracy", directory=str(tmp_path / "all"),
                  progress=None)
    assert gc.get_freeze_count() == 0  # Unfrozen even when the search raised.


def test_trials_collect_only_new_garbage_and_the_collector_is_restored(tmp_path):
    x, y = classification_rows(rows=30)
    space = SearchSpace(optimizers=["adam"], fixed={"epochs": 1, "units": 2})
    frozen_in_trials = []
    run_sweep(TabularHyperModel(x[:20], task="binary", space=space), x[:20], y[:20],
              (x[20:], y[20:]), max_trials=2, objective="val_accuracy",
              directory=str(tmp_path / "one"),
              progress=lambda line: frozen_in_trials.append(gc.get_freeze_count()))
    assert len(frozen_in_trials) == 2 and min(frozen_in_trials) > 0
    assert gc.get_freeze_count() == 0
    gc.freeze()  # A caller's own freeze is left on.
    try:
        run_sweep(TabularHyperModel(x[:20], task="binary", space=space), x[:20], y[:20],
                  (x[20:], y[20:]), max_trials=1, objective="val_accuracy",
                  directory=str(tmp_path / "two"), progress=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()

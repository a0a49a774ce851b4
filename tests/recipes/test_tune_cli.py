"""`keras-recipes tune`: a smoke sweep end to end, and bad input refused first."""

import json
import os
import re
import subprocess
import sys

import pandas as pd
import pytest

from keras_recipes.recipes.common.cli import main
from keras_recipes.recipes.common.tuning_runs import TuneSettings
from keras_recipes.recipes.common.tuning_runs import tunable_recipes
from keras_recipes.recipes.common.tuning_runs import tune_recipe


def run_cli(*args, cwd):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-m", "keras_recipes.recipes.common.cli", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_tune_smoke_writes_the_sweep_and_the_report_of_the_best(tmp_path):
    out = tmp_path / "sweep"
    result = run_cli("tune", "tabular_classification", "--smoke", "--tuner", "random",
                     "--max-trials", "2", "--optimizers", "adam,sgd", "--seed", "3",
                     "--track", "mlflow", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "] trial " in line]
    assert [line.split("] ")[1][:9] for line in lines] == ["trial 1/2", "trial 2/2"]
    assert all("best=" in line for line in lines)
    assert f"Report: {out}" in result.stdout
    for name in ("config.json", "sweep.json", "trials.csv", "trials.json",
                 "metrics.json", "model.keras", "report.md", "history.csv", "schema.json",
                 "plots/objective_by_trial.png", "plots/hyperparameters.png"):
        assert (out / name).exists(), name
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 2 and set(trials["optimizer"]) <= {"adam", "sgd"}
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["trials"] == 2 and 0 <= metrics["test_accuracy"] <= 1
    assert metrics["best_score"] == pytest.approx(trials["score"].max())
    report = (out / "report.md").read_text()
    assert "## Trials, best first" in report and "| rank | trial |" in report
    assert json.loads((out / "sweep.json").read_text())["seed"] == 3
    check_sweep_is_watchable(out, trials, metrics, tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")


def check_sweep_is_watchable(out, trials, metrics, tracking_uri):
    """One TensorBoard folder per trial, and the sweep as nested MLflow runs."""
    from mlflow.tracking import MlflowClient

    assert sorted(os.listdir(out / "logs")) == ["best", "trial_0", "trial_1"]
    client = MlflowClient(tracking_uri=tracking_uri)
    experiment = client.get_experiment_by_name("tune-tabular_classification")
    runs = client.search_runs([experiment.experiment_id])
    (parent,) = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]
    assert parent.data.metrics["test_accuracy"] == pytest.approx(metrics["test_accuracy"])
    children = {run.info.run_name: run for run in runs if run is not parent
                and run.data.tags.get("mlflow.parentRunId") == parent.info.run_id}
    assert sorted(children) == ["trial_0", "trial_1"]
    for trial_id, score in zip(trials["trial_id"], trials["score"]):
        child = children[f"trial_{trial_id}"]
        assert child.data.metrics["score"] == pytest.approx(score)
        assert child.data.params["optimizer"] in {"adam", "sgd"}


@pytest.mark.parametrize("flags, message", [
    (["--optimizers", "adam,lbfgs"], "lbfgs.*fit_lbfgs"),
    (["--optimizers", "adamx"], "unknown: adamx"),
    (["--tune", "colour"], "Unknown part"),
    (["--cv", "1"], "'folds' parameter must be an integer >= 2"),
    (["--tuner", "hyperband", "--cv", "3"], "Hyperband"),
    (["--tuner", "hyperband", "--tune", "epochs"], "Hyperband sets each trial's epochs"),
    (["--objective", "val_f2"], "'objective' parameter must be one of"),
    (["--max-trials", "0"], "max_trials"),
])
def test_bad_sweep_settings_exit_2_before_any_trial(flags, message, tmp_path, capsys):
    out = tmp_path / "never"
    with pytest.raises(SystemExit) as raised:
        main(["tune", "tabular_classification", "--smoke", "--out", str(out), *flags])
    assert raised.value.code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not out.exists()


def test_tune_refuses_non_tabular_recipes_and_busy_directories(tmp_path, capsys):
    assert main(["tune", "nope"]) == 2
    assert "tabular_classification" in capsys.readouterr().err
    assert "tabular_classification" in tunable_recipes()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit):
        main(["tune", "tabular_classification", "--smoke", "--out", str(busy)])
    assert "already holds files" in capsys.readouterr().err
    assert sorted(os.listdir(busy)) == ["notes.txt"]


def test_tune_help_lists_sweep_and_recipe_flags(tmp_path):
    result = run_cli("tune", "tabular_classification", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for flag in ("--tuner", "--max-trials", "--cv", "--resume", "--optimizers",
                 "--csv", "--target", "--smoke"):
        assert flag in result.stdout


def test_resume_with_other_settings_is_refused(tmp_path):
    from keras_recipes.recipes.common.registry import load_recipe

    out = tmp_path / "sweep"
    out.mkdir()
    (out / "sweep.json").write_text(json.dumps({"tuner": "random", "max_trials": 5}))
    # A sweep this project wrote carries the run marker; --resume accepts no other.
    (out / ".keras-recipes-run").write_text(json.dumps({"recipe": "tune-tabular_classification"}))
    config = load_recipe("tabular_classification").Config(smoke=True, out=str(out),
                                                          verbose=0)
    with pytest.raises(ValueError, match="same settings.*max_trials"):
        tune_recipe("tabular_classification", config,
                    TuneSettings(resume=True, max_trials=2, optimizers="adam"))


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_chief_and_two_workers_share_the_trials_over_grpc(tmp_path):
    """KerasTuner's chief/worker mode, driven by the same `tune` command."""
    pytest.importorskip("grpc")
    out = tmp_path / "sweep"
    command = [sys.executable, "-m", "keras_recipes.recipes.common.cli", "tune",
               "tabular_classification", "--max-trials", "4", "--optimizers", "adam",
               "--epochs", "40", "--patience", "100", "--seed", "1", "--out", str(out)]
    port = str(free_port())
    processes = {}
    for tuner_id in ("chief", "tuner0", "tuner1"):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERASTUNER_TUNER_ID=tuner_id,
                   KERASTUNER_ORACLE_IP="127.0.0.1", KERASTUNER_ORACLE_PORT=port)
        processes[tuner_id] = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
    outputs = {}
    try:
        for tuner_id, process in processes.items():
            outputs[tuner_id] = process.communicate(timeout=600)
            assert process.returncode == 0, (tuner_id, outputs[tuner_id][1][-3000:])
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
    trials = pd.read_csv(out / "trials.csv", dtype={"trial_id": str})
    assert len(trials) == 4 and set(trials["status"]) == {"completed"}
    records = [json.loads(path.read_text()) for path in out.glob("tuner/trial_*/record.json")]
    by_worker = {record["tuner_id"] for record in records}
    assert by_worker == {"tuner0", "tuner1"}, "both workers ran trials, the chief none"
    oracle = json.loads((out / "tuner" / "oracle.json").read_text())
    assert sorted(oracle["end_order"]) == sorted(trials["trial_id"])
    worker_lines = [line for tuner_id in ("tuner0", "tuner1")
                    for line in outputs[tuner_id][0].splitlines() if "trial " in line]
    assert len(worker_lines) == 4
    assert f"Report: {out}" in outputs["chief"][0]
    assert json.loads((out / "metrics.json").read_text())["trials"] == 4

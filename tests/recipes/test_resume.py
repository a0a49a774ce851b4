"""A recipe run killed with SIGKILL continues with --resume, exactly: the
resumed run ends with the epochs and, on the CPU, the weights of a run that
was never interrupted (issue 10)."""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes import tabular_classification

# Dropout, shuffling, Adam and early stopping that restores the best weights:
# uninterrupted, this run's best epoch is its 3rd and it stops after its 5th
# (TensorFlow; JAX differs by an epoch or so), so a kill after epoch 3 must
# carry the best weights, the counters, the data order and the dropout
# masks across the restart.
EXACT_RUN = ("--seed", "3", "--epochs", "30", "--patience", "2",
             "--learning-rate", "0.03", "--verbose", "0")
KILL_AFTER = 3


def command(out, *extra):
    return [sys.executable, "-m", "keras_recipes.recipes.tabular_classification",
            "--out", str(out), *extra]


def launch(out, *extra):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.Popen(command(out, *extra), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def completed_epochs(out):
    try:
        with open(os.path.join(out, "resume", "state.json")) as handle:
            return json.load(handle)["epoch"]
    except (OSError, ValueError, KeyError):
        return 0


def kill_after(process, out, epochs):
    deadline = time.time() + 240
    while completed_epochs(out) < epochs and process.poll() is None \
            and time.time() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return completed_epochs(out)


def final_weights(out):
    model = keras.saving.load_model(os.path.join(out, "model.keras"))
    return model.get_weights()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_run_resumes_to_the_epochs_and_weights_of_an_uninterrupted_one(
        tmp_path, capsys):
    whole, out = tmp_path / "whole", tmp_path / "killed"
    uninterrupted = launch(whole, *EXACT_RUN)  # Runs alongside the killed one.
    killed_at = kill_after(launch(out, *EXACT_RUN), out, KILL_AFTER)
    assert KILL_AFTER <= killed_at, "the run ended before it was killed"
    assert not (out / "metrics.json").exists()

    with pytest.raises(SystemExit) as refused:  # Without --resume: touches nothing.
        tabular_classification.main(["--out", str(out), *EXACT_RUN])
    assert refused.value.code == 2 and "already holds files" in capsys.readouterr().err
    resumed = subprocess.run(command(out, *EXACT_RUN, "--resume"), capture_output=True,
                             text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert uninterrupted.wait(timeout=300) == 0

    metrics = json.loads((out / "metrics.json").read_text())
    expected = json.loads((whole / "metrics.json").read_text())
    assert killed_at < expected["epochs_run"], "the run was not killed mid-training"
    assert metrics["epochs_run"] == expected["epochs_run"]
    history = pd.read_csv(out / "history.csv")
    assert history["epoch"].tolist() == list(range(expected["epochs_run"]))
    pd.testing.assert_frame_equal(history, pd.read_csv(whole / "history.csv"))
    for resumed_weight, weight in zip(final_weights(out), final_weights(whole)):
        np.testing.assert_array_equal(resumed_weight, weight)
    assert metrics["test_accuracy"] == expected["test_accuracy"]
    assert not list((out / "resume").glob(".*tmp*"))

    # Killed after early stopping's last checkpoint, before the run's files
    # were written: the resumed run trains no further epoch, only finishes.
    assert json.loads((out / "resume" / "state.json").read_text())["stopped"] is True
    for name in ("metrics.json", "report.md", "model.keras"):
        os.remove(out / name)
    finished = tabular_classification.main(["--out", str(out), *EXACT_RUN, "--resume"])
    assert finished.metrics["epochs_run"] == expected["epochs_run"]
    for resumed_weight, weight in zip(final_weights(out), final_weights(whole)):
        np.testing.assert_array_equal(resumed_weight, weight)


def test_resume_needs_out(capsys):
    with pytest.raises(SystemExit):
        tabular_classification.main(["--resume"])
    assert "--resume needs --out" in capsys.readouterr().err

"""A recipe run killed with SIGKILL continues with --resume."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest


def command(out, *extra):
    return [sys.executable, "-m", "keras_recipes.recipes.tabular_classification",
            "--out", str(out), "--epochs", "12", "--patience", "100",
            "--batch-size", "4", "--verbose", "0", *extra]


def completed_epochs(out):
    try:
        with open(os.path.join(out, "resume", "state.json")) as handle:
            return json.load(handle)["epoch"]
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_killed_run_resumes_from_its_last_epoch(tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen(command(out), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while completed_epochs(out) < 2 and process.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = completed_epochs(out)
    assert 2 <= killed_at < 12, "the run was not killed mid-training"
    assert not (out / "metrics.json").exists()

    refused = subprocess.run(command(out), capture_output=True, text=True)
    assert refused.returncode == 2 and "already holds files" in refused.stderr

    resumed = subprocess.run(command(out, "--resume"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    history = pd.read_csv(out / "history.csv")
    assert metrics["epochs_run"] == history["epoch"].nunique() == 12
    assert history["epoch"].iloc[-1] == 11
    assert metrics["reload_max_abs_diff"] <= 1e-5


def test_resume_needs_out(capsys):
    from keras_recipes.recipes import tabular_classification

    with pytest.raises(SystemExit):
        tabular_classification.main(["--resume"])
    assert "--resume needs --out" in capsys.readouterr().err

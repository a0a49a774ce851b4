"""A comparison recipe through the CLI: SIGKILL + --resume and two loopback workers
both end with the runs.csv of one uninterrupted serial run."""

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

TIMING = ("train_seconds", "seconds_to_target")


def command(out, *extra):
    return [sys.executable, "-m", "keras_recipes.recipes.optimizer_comparison",
            "--dataset", "breast_cancer", "--optimizers", "adam,sgd", "--seeds", "2",
            "--grid-size", "2", "--search-epochs", "2", "--epochs", "4",
            "--target-accuracy", "0.9", "--verbose", "0", "--out", str(out), *extra]


def runs_without_timing(out):
    frame = pd.read_csv(os.path.join(out, "runs.csv"))
    return frame.drop(columns=[c for c in TIMING if c in frame]).sort_values(
        ["experiment", "arm", "seed"]).reset_index(drop=True)


def finished_records(out):
    return sum(name.endswith(".json") for _, _, names in os.walk(out / "experiments")
               for name in names)


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "run"
    done = subprocess.run(command(out), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_the_serial_run_has_every_run_of_both_experiments(serial):
    runs = runs_without_timing(serial)
    assert len(runs) == 4 + 4  # search: 2 optimizers x 2 rates; comparison: 2 x 2 seeds
    assert set(runs["experiment"]) == {"learning_rate_search", "optimizers"}


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_comparison_resumes_to_the_uninterrupted_runs_csv(serial, tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen(command(out), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while (not (out / "experiments").exists() or finished_records(out) < 3) \
            and process.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = finished_records(out)
    assert 3 <= killed_at < 8, "the comparison was not killed mid-way"
    assert not (out / "runs.csv").exists()

    refused = subprocess.run(command(out), capture_output=True, text=True)
    assert refused.returncode == 2 and "already holds files" in refused.stderr

    resumed = subprocess.run(command(out, "--resume"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    pd.testing.assert_frame_equal(runs_without_timing(out), runs_without_timing(serial))


def test_two_loopback_workers_give_the_serial_runs_csv(serial, tmp_path):
    pytest.importorskip("grpc")
    out = tmp_path / "run"
    done = subprocess.run(command(out, "--workers", "2"), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    pd.testing.assert_frame_equal(runs_without_timing(out), runs_without_timing(serial))
    logs = sorted(os.listdir(out / "experiments" / "workers"))
    assert logs == ["tuner0.log", "tuner1.log"]
    assert (out / "report.md").exists() and (out / "model.keras").exists()


def test_a_chief_and_a_worker_started_by_hand_share_out(serial, tmp_path):
    """KerasTuner's multi-host mode, on 127.0.0.1: the worker may start first."""
    pytest.importorskip("grpc")
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    out = tmp_path / "run"
    processes = []
    for tuner_id in ("tuner0", "chief"):
        env = dict(os.environ, KERASTUNER_TUNER_ID=tuner_id, KERASTUNER_ORACLE_IP="127.0.0.1",
                   KERASTUNER_ORACLE_PORT=port)
        processes.append(subprocess.Popen(command(out), env=env, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
    try:
        for process in processes:
            _, error = process.communicate(timeout=600)
            assert process.returncode == 0, error[-3000:]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    pd.testing.assert_frame_equal(runs_without_timing(out), runs_without_timing(serial))
    assert (out / "workers" / "tuner0" / "report.md").exists()

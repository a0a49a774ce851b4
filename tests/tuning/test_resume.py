"""A sweep killed with SIGKILL mid-trial resumes without losing or repeating trials."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np

from keras_recipes.tuning import SearchSpace
from keras_recipes.tuning import TabularHyperModel
from keras_recipes.tuning import run_sweep

SWEEP = textwrap.dedent("""
    import time
    import numpy as np
    from keras_recipes.tuning import SearchSpace, TabularHyperModel, run_sweep

    class StallsInSecondTrial(TabularHyperModel):
        # Hangs in its second fit, so the kill lands mid-trial on any backend.
        fits = 0

        def fit(self, hp, model, *args, **kwargs):
            StallsInSecondTrial.fits += 1
            if StallsInSecondTrial.fits == 2:
                time.sleep(600)
            return super().fit(hp, model, *args, **kwargs)

    def data():
        rng = np.random.default_rng(0)
        x = rng.normal(size=(48, 3)).astype("float32")
        return x, (x[:, 0] > 0).astype("int64")

    def sweep(directory, resume=False, progress=print, hypermodel=TabularHyperModel):
        x, y = data()
        space = SearchSpace(optimizers=["adam", "sgd"],
                            fixed={"epochs": 5, "units": 4, "batch_size": 8})
        return run_sweep(hypermodel(x[:36], task="binary", space=space),
                         x[:36], y[:36], (x[36:], y[36:]), tuner="random",
                         max_trials=4, objective="val_accuracy",
                         directory=directory, resume=resume, progress=progress)

    if __name__ == "__main__":
        import sys
        sweep(sys.argv[1], hypermodel=StallsInSecondTrial)
""")


def wait_for(path, timeout=240):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.2)


def test_sigkill_mid_trial_then_resume_runs_every_trial_once(tmp_path):
    script = tmp_path / "sweep_script.py"
    script.write_text(SWEEP)
    directory = tmp_path / "sweep"
    project = directory / "tuner"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    process = subprocess.Popen([sys.executable, str(script), str(directory)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(project / "trial_0" / "record.json")
        wait_for(project / "trial_1" / "trial.json")  # Trial 1 has started...
        time.sleep(1.0)
        assert not (project / "trial_1" / "record.json").exists()  # ...not ended.
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    first = json.loads((project / "trial_0" / "record.json").read_text())
    interrupted = json.loads((project / "trial_1" / "trial.json").read_text())

    sys.path.insert(0, str(tmp_path))
    try:
        import sweep_script
    finally:
        sys.path.remove(str(tmp_path))
    lines = []
    result = sweep_script.sweep(str(directory), resume=True, progress=lines.append)

    ids = [record["trial_id"] for record in result.records]
    assert ids == ["0", "1", "2", "3"]
    assert all(record["status"] == "completed" for record in result.records)
    # Trial 0 finished before the kill: kept as it was, not run again.
    assert result.records[0] == first
    # Trial 1 was interrupted: run again, to the end, with the same values.
    rerun = result.tuner.oracle.get_trial("1").hyperparameters.values
    assert rerun == interrupted["hyperparameters"]["values"]
    assert len(lines) == 3 and lines[-1].startswith("trial 4/4")
    assert len(result.trials) == 4


def test_resume_without_a_sweep_starts_one(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 2)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    space = SearchSpace(optimizers=["adam"], fixed={"epochs": 1, "units": 2})
    result = run_sweep(TabularHyperModel(x[:14], task="binary", space=space),
                       x[:14], y[:14], (x[14:], y[14:]), max_trials=1,
                       objective="val_accuracy", directory=str(tmp_path),
                       resume=True, progress=None)
    assert [r["status"] for r in result.records] == ["completed"]

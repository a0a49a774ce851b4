"""Running an experiment's runs on several processes or hosts, through KerasTuner.

A comparison is a grid over its runs, so KerasTuner's chief/worker mode
dispatches it as it dispatches a sweep: the chief serves a
`GridSearchOracle` over the run index (`hp.Choice("run", ...)`), each
worker asks for the next index, trains that (arm, seed) run with the same
engine as a serial run and writes its record to the shared store. The
chief never trains; it waits until every record exists.

- **Local workers** (`run_experiment(..., workers=N, worker_command=argv)`):
  the chief starts `N` copies of `argv` on 127.0.0.1 with KerasTuner's
  worker environment, once for the whole program; each copy re-runs the
  program, so an experiment that depends on an earlier one (a
  learning-rate search, then the comparison) is rebuilt the same way.
- **Several hosts**: start the same command on every host with
  `KERASTUNER_TUNER_ID` (`chief` on one host, `tuner0`, `tuner1`, ... on
  the others), `KERASTUNER_ORACLE_IP` (the chief's address) and
  `KERASTUNER_ORACLE_PORT`, and an output directory on a filesystem all
  hosts share (the records are the results).

The `k`-th experiment a program runs uses port `KERASTUNER_ORACLE_PORT + k`,
so the stages of one program never share a server.
"""

import atexit
import os
import socket
import subprocess
import threading
import time
import traceback

_ENV_KEYS = ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT")
_state = {"stage": 0, "pool": None}


def distributed_role():
    """`"chief"`, `"worker"` or `None`, from KerasTuner's environment variables."""
    if not all(key in os.environ for key in _ENV_KEYS):
        return None
    return "chief" if os.environ["KERASTUNER_TUNER_ID"].startswith("chief") else "worker"


def worker_name():
    """This process's KerasTuner tuner id (`"tuner0"`, ...), or `None`."""
    return os.environ.get("KERASTUNER_TUNER_ID") if distributed_role() == "worker" else None


def dispatch(experiment, directory, pending, workers, worker_command, progress):
    """Runs the experiment's runs as chief (serving them) or as a worker.

    Raises:
        ValueError: If local workers are asked for without a command, or
            inside KerasTuner's distributed mode.
        RuntimeError: If a run fails on a worker, or every local worker
            exits before the runs are done (their logs are named).
    """
    role = distributed_role()
    if role and workers > 1:
        raise ValueError(
            "The 'workers' parameter must be 1 under KerasTuner's distributed "
            f"environment ({', '.join(_ENV_KEYS)}), which already names the workers. "
            f"Got {workers!r} instead.")
    stage = _state["stage"]
    _state["stage"] += 1
    if role == "worker":
        _serve_as_worker(experiment, directory, stage)
        return
    pool = None
    if role is None:
        if not worker_command:
            raise ValueError(
                "The 'worker_command' parameter is needed with workers > 1: the "
                "command that re-runs this program in each worker. Got "
                f"{worker_command!r} instead.")
        pool = _local_pool(workers, worker_command, os.path.dirname(directory))
    _serve_as_chief(experiment, directory, stage, pool, progress)


def _tuner(experiment, directory, stage, execute):
    import keras_tuner

    class RunTuner(keras_tuner.engine.base_tuner.BaseTuner):
        """Trains the run whose index the oracle hands out."""

        def run_trial(self, trial, *args, **kwargs):
            execute(int(trial.hyperparameters.get("run")))
            return {"finished": 1.0}

        def save_model(self, trial_id, model, step=0):
            pass  # The engine saves models itself.

    hyperparameters = keras_tuner.HyperParameters()
    hyperparameters.Choice("run", list(range(len(experiment.runs))), ordered=True)
    oracle = keras_tuner.oracles.GridSearchOracle(
        objective=keras_tuner.Objective("finished", "max"),
        max_trials=len(experiment.runs), hyperparameters=hyperparameters,
        max_consecutive_failed_trials=len(experiment.runs))
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "chief")
    return RunTuner(oracle=oracle, directory=os.path.join(directory, "_keras_tuner", tuner_id),
                    project_name=f"stage{stage}", overwrite=True)


def _stage_environment(stage):
    base = int(os.environ["KERASTUNER_ORACLE_PORT"])
    return {**os.environ, "KERASTUNER_ORACLE_PORT": str(base + stage)}


def _serve_as_worker(experiment, directory, stage):
    from keras_recipes.tuning import run_records
    from keras_recipes.tuning.experiment import execute_run
    from keras_recipes.tuning.compiled_models import reusing_compiled_models

    def execute(index):
        arm, seed = experiment.runs[index]
        if run_records.read_record(directory, arm.name, seed) is not None:
            return
        try:
            execute_run(experiment, directory, arm, seed)
        except Exception:
            run_records.write_failure(directory, arm.name, seed, traceback.format_exc())
            raise

    with _environment(_stage_environment(stage)), reusing_compiled_models():
        _tuner(experiment, directory, stage, execute).search(verbose=0)


def _serve_as_chief(experiment, directory, stage, pool, progress):
    from tqdm.auto import tqdm

    from keras_recipes.tuning import run_records

    environment = _stage_environment(stage) if pool is None else {
        **os.environ, "KERASTUNER_TUNER_ID": "chief", "KERASTUNER_ORACLE_IP": "127.0.0.1",
        "KERASTUNER_ORACLE_PORT": str(pool["port"] + stage)}
    total = len(experiment.runs)
    with _environment(environment), tqdm(
            total=total, desc=f"{experiment.name} (workers)", unit="run",
            disable=not progress, dynamic_ncols=True) as bar:
        # KerasTuner reads the environment when the server starts, so it
        # stays set while this process waits for the records.
        tuner = _tuner(experiment, directory, stage, execute=None)
        threading.Thread(target=tuner.search, kwargs={"verbose": 0}, daemon=True).start()
        while True:
            finished = run_records.count_finished(directory, experiment)
            bar.update(finished - bar.n)
            if finished == total:
                return
            run_records.raise_on_failure(directory, experiment)
            if pool is not None and all(p.poll() is not None for p in pool["processes"]):
                raise RuntimeError(
                    f"Every local worker exited before the runs of '{experiment.name}' "
                    f"were done ({finished} of {total}); see {', '.join(pool['logs'])}.")
            time.sleep(0.25)


def _local_pool(workers, command, store_dir):
    pool = _state["pool"]
    if pool is not None:
        if len(pool["processes"]) != workers:
            raise ValueError(
                f"This program already started {len(pool['processes'])} local workers; "
                f"every experiment in it must use that many. Got workers={workers}.")
        return pool
    port = _free_port()
    log_dir = os.path.join(store_dir, "workers")
    os.makedirs(log_dir, exist_ok=True)
    processes, logs = [], []
    for index in range(workers):
        environment = {**os.environ, "KERASTUNER_TUNER_ID": f"tuner{index}",
                       "KERASTUNER_ORACLE_IP": "127.0.0.1",
                       "KERASTUNER_ORACLE_PORT": str(port)}
        log = os.path.join(log_dir, f"tuner{index}.log")
        with open(log, "w", encoding="utf-8") as stream:
            processes.append(subprocess.Popen(
                list(command), env=environment, stdout=stream, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL))
        logs.append(log)
    pool = _state["pool"] = {"processes": processes, "logs": logs, "port": port}
    atexit.register(_close_pool, pool)
    return pool


def _close_pool(pool, grace_seconds=120):
    deadline = time.monotonic() + grace_seconds
    for process in pool["processes"]:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def _free_port():
    # Ports for the stages are port, port + 1, ...: ask for one, use its block.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _environment:
    """Sets os.environ to a mapping for the duration of a `with` block."""

    def __init__(self, mapping):
        self.mapping = dict(mapping)

    def __enter__(self):
        self.saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.mapping)

    def __exit__(self, *exc):
        os.environ.clear()
        os.environ.update(self.saved)

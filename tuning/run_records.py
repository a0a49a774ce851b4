"""One JSON record per finished run of an experiment: `DIR/ARM/seed-S.json`.

A record is written atomically when its run ends and is the only proof
that the run finished: a run killed half-way leaves no record and is
trained again on resume. A run that raised leaves `seed-S.failed.txt`
with the traceback instead, so processes waiting for the experiment stop
waiting. Non-finite floats are stored as strings and read back as floats.
"""

import math
import os
import time

from keras_recipes.callbacks.atomic_files import jsonable
from keras_recipes.callbacks.atomic_files import read_json
from keras_recipes.callbacks.atomic_files import write_json
from keras_recipes.callbacks.atomic_files import write_text

_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def record_path(directory, arm, seed):
    """Path of the record of run (`arm`, `seed`)."""
    return os.path.join(directory, arm, f"seed-{seed}.json")


def model_path(directory, arm, seed):
    """Path of the saved model of run (`arm`, `seed`) (`save_models=True`)."""
    return os.path.join(directory, arm, f"seed-{seed}.keras")


def failure_path(directory, arm, seed):
    """Path of the traceback a failed run leaves."""
    return os.path.join(directory, arm, f"seed-{seed}.failed.txt")


def write_record(directory, arm, seed, record):
    """Writes a run's record atomically and clears an earlier failure."""
    write_json(record_path(directory, arm, seed), record, sort_keys=False)
    if os.path.exists(failure_path(directory, arm, seed)):
        os.remove(failure_path(directory, arm, seed))


def write_failure(directory, arm, seed, text):
    """Leaves the traceback of a failed run."""
    write_text(failure_path(directory, arm, seed), text)


def read_record(directory, arm, seed):
    """Reads one record, or returns `None` when the run has not finished."""
    path = record_path(directory, arm, seed)
    if not os.path.exists(path):
        return None
    return _restore(read_json(path))


def read_all(directory, experiment):
    """Reads the records of the experiment's runs that have finished.

    Returns:
        A dict `{(arm name, seed): record}`.

    Raises:
        ValueError: If a record was made with settings other than its
            arm's (the store belongs to a different experiment).
    """
    records = {}
    for arm, seed in experiment.runs:
        record = read_record(directory, arm.name, seed)
        if record is None:
            continue
        expected = _restore(jsonable(arm.settings))
        if record.get("settings", {}) != expected:
            raise ValueError(
                f"The finished run '{arm.name}' seed {seed} in {directory} was made "
                f"with settings {record.get('settings')}, not {expected}; it belongs "
                "to another experiment. Use a new output directory instead of resuming.")
        records[(arm.name, seed)] = record
    return records


def wait_for_all(directory, experiment, poll_seconds=0.5, timeout_seconds=None):
    """Blocks until every run of the experiment has a record.

    Raises:
        RuntimeError: If a run failed (its traceback's last lines are
            quoted) or `timeout_seconds` passed.
    """
    started = time.monotonic()
    while True:
        raise_on_failure(directory, experiment)
        records = read_all(directory, experiment)
        if len(records) == len(experiment.runs):
            return records
        if timeout_seconds is not None and time.monotonic() - started > timeout_seconds:
            missing = [f"{a.name}/seed-{s}" for a, s in experiment.runs
                       if (a.name, s) not in records]
            raise RuntimeError(f"Timed out waiting for runs {', '.join(missing[:5])}.")
        time.sleep(poll_seconds)


def raise_on_failure(directory, experiment):
    """Raises a RuntimeError quoting the traceback of a run that failed."""
    for arm, seed in experiment.runs:
        failure = failure_path(directory, arm.name, seed)
        if os.path.exists(failure) and not os.path.exists(
                record_path(directory, arm.name, seed)):
            with open(failure, encoding="utf-8") as file:
                tail = "".join(file.readlines()[-6:])
            raise RuntimeError(f"Run '{arm.name}' seed {seed} failed on a worker "
                               f"(see {failure}):\n{tail}")


def count_finished(directory, experiment):
    """How many of the experiment's runs have a record."""
    return sum(os.path.exists(record_path(directory, a.name, s)) for a, s in experiment.runs)


def _restore(value):
    if isinstance(value, dict):
        return {key: _restore(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore(item) for item in value]
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    return value

"""One JSON record per trial, written beside KerasTuner's own trial files.

KerasTuner keeps each trial's hyperparameters, status and score in
`PROJECT/trial_ID/trial.json`. A sweep adds `PROJECT/trial_ID/record.json`:
what a results table needs and KerasTuner does not keep (epochs run, wall
time, per-epoch history, fold scores, why a trial failed or was pruned).
Records are written atomically at the end of a trial, so a sweep killed at
any moment leaves only complete records, which `--resume`, median pruning
and the results table read back.
"""

import glob
import json
import math
import os
import tempfile

RECORD_NAME = "record.json"


def record_path(trial_dir):
    """Returns the path of a trial's record."""
    return os.path.join(trial_dir, RECORD_NAME)


def write_record(trial_dir, record):
    """Writes a trial's record atomically (temporary file, then rename).

    Args:
        trial_dir: The trial's directory (`tuner.get_trial_dir(trial_id)`).
        record: A JSON-friendly dict; non-finite floats are written as
            strings (`"nan"`, `"inf"`).

    Returns:
        The record's path.
    """
    path = record_path(trial_dir)
    write_text_atomic(path, json.dumps(jsonable(record), indent=1, sort_keys=True))
    return path


def write_text_atomic(path, text):
    """Writes a text file through a temporary file and a rename."""
    directory, name = os.path.split(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def read_records(project_dir):
    """Reads every trial record of a KerasTuner project, by trial id.

    Args:
        project_dir: The tuner's project directory.

    Returns:
        A list of record dicts, sorted by `trial_id`.
    """
    records = []
    for path in glob.glob(os.path.join(project_dir, "trial_*", RECORD_NAME)):
        with open(path, encoding="utf-8") as stream:
            records.append(json.load(stream))
    return sorted(records, key=lambda record: record["trial_id"])


def jsonable(value):
    """Returns `value` with NumPy scalars as Python and non-finite floats as strings."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value

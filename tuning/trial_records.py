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
import os

from keras_recipes.callbacks.atomic_files import write_json

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
    write_json(path, record)
    return path


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

"""Run directories: where a recipe writes its config, history, model and report.

Layout of one run::

    runs/NAME-YYYYmmdd-HHMMSS/
        config.json  history.csv  metrics.json  model.keras  plots/*.png  report.md

Files are written atomically (a temporary file, then a rename), so a crash
never leaves a half-written file behind.
"""

import contextlib
import csv
import dataclasses
import io
import json
import math
import os
import tempfile
import time

import numpy as np


@dataclasses.dataclass
class RunResult:
    """What a recipe run returns: where it wrote and what it measured."""

    run_dir: str
    metrics: dict
    history: dict = dataclasses.field(default_factory=dict)

    @property
    def report_path(self):
        """Path of the run's `report.md`."""
        return os.path.join(self.run_dir, "report.md")


def create_run_dir(recipe_name, out=None, root="runs", resume=False):
    """Creates the directory of a new run and its `plots/` folder.

    Args:
        recipe_name: Name of the recipe, used in the default directory name.
        out: Exact directory to use. It must not exist or must be empty
            (unless `resume`). Defaults to `None`: `ROOT/NAME-YYYYmmdd-HHMMSS`.
        root: Parent of default run directories. Defaults to `"runs"`.
        resume: Whether `out` may hold the files of an interrupted run.
            Defaults to `False`.

    Returns:
        The run directory's path.

    Raises:
        ValueError: If `out` is a file, or a directory that already holds
            files (nothing in it is touched).
    """
    if out is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = os.path.join(root, f"{recipe_name}-{stamp}")
        suffix = 2
        while os.path.exists(out):
            out = os.path.join(root, f"{recipe_name}-{stamp}-{suffix}")
            suffix += 1
    elif os.path.isfile(out):
        raise ValueError(f"The --out path '{out}' is a file; give a directory.")
    elif os.path.isdir(out) and os.listdir(out) and not resume:
        raise ValueError(
            f"The --out directory '{out}' already holds files "
            f"({', '.join(sorted(os.listdir(out))[:5])}); refusing to "
            "overwrite them. Choose a new or empty directory."
        )
    os.makedirs(os.path.join(out, "plots"), exist_ok=True)
    return out


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`, renamed onto it on success.

    The temporary file keeps `path`'s extension, so writers that check it
    (such as `model.save`) accept it.
    """
    directory, name = os.path.split(os.path.abspath(path))
    _, extension = os.path.splitext(name)
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=extension,
                                         dir=directory)
    os.close(handle)
    os.remove(temporary)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_text(path, text):
    """Writes a text file atomically."""
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)


def write_json(path, data):
    """Writes JSON atomically; NumPy values and non-finite floats are handled."""
    write_text(path, json.dumps(_jsonable(data), indent=2, sort_keys=True) + "\n")


def read_json(path):
    """Reads a JSON file."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def write_history_csv(path, history):
    """Writes a Keras history dict as CSV, one row per epoch."""
    keys = list(history)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["epoch", *keys])
    for epoch in range(max((len(history[k]) for k in keys), default=0)):
        row = [history[k][epoch] if epoch < len(history[k]) else "" for k in keys]
        writer.writerow([epoch + 1, *(_jsonable(v) for v in row)])
    write_text(path, buffer.getvalue())


def read_history_csv(path):
    """Reads a history CSV (ours or Keras's `CSVLogger`) into a dict of lists.

    The `epoch` column is dropped: position in each list is the epoch. When
    a resumed run logged an epoch twice (killed between the log and its
    checkpoint), the later row wins.
    """
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if rows and "epoch" in rows[0]:
        rows = list({row["epoch"]: row for row in rows}.values())
    keys = [k for k in (rows[0] if rows else {}) if k != "epoch"]
    return {k: [float(row[k]) for row in rows] for k in keys}


def save_model(model, path):
    """Saves a Keras model to `.keras` atomically."""
    with atomic_path(path) as temporary:
        model.save(temporary)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value

"""Run directories: where a recipe writes its config, history, model and report.

Layout of one run::

    runs/NAME-YYYYmmdd-HHMMSS/
        config.json  history.csv  metrics.json  model.keras  plots/*.png  report.md

Files are written atomically (a temporary file, then a rename), so a crash
never leaves a half-written file behind.
"""

import csv
import dataclasses
import io
import os
import time

from keras_recipes.callbacks.atomic_files import atomic_path  # noqa: F401 (re-exported)
from keras_recipes.callbacks.atomic_files import jsonable
from keras_recipes.callbacks.atomic_files import read_json  # noqa: F401
from keras_recipes.callbacks.atomic_files import save_model  # noqa: F401
from keras_recipes.callbacks.atomic_files import write_json  # noqa: F401
from keras_recipes.callbacks.atomic_files import write_text


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


def write_history_csv(path, history):
    """Writes a Keras history dict as CSV, one row per epoch."""
    keys = list(history)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["epoch", *keys])
    for epoch in range(max((len(history[k]) for k in keys), default=0)):
        row = [history[k][epoch] if epoch < len(history[k]) else "" for k in keys]
        writer.writerow([epoch + 1, *(jsonable(v) for v in row)])
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

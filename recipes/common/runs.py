"""Run directories: where a recipe writes its config, history, model and report.

Layout of one run::

    runs/NAME-YYYYmmdd-HHMMSS/
        .keras-recipes-run  config.json  history.csv  metrics.json  model.keras
        plots/*.png  report.md

The hidden `.keras-recipes-run` marker (JSON naming the recipe) is what
`--resume` looks for: it only continues in a folder this project wrote.

Files are written atomically (a temporary file, then a rename), so a crash
never leaves a half-written file behind.
"""

import csv
import dataclasses
import io
import json
import os
import time

from keras_recipes.callbacks.atomic_files import jsonable
from keras_recipes.callbacks.atomic_files import read_json  # noqa: F401
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


MARKER = ".keras-recipes-run"


def check_out_dir(out, recipe_name=None, resume=False):
    """Checks that `out` can take a run, before anything is created or trained.

    Args:
        out: The `--out` directory, or `None` (a fresh default directory).
        recipe_name: The recipe that will write it; with `resume`, the
            marker must name the same recipe. Defaults to `None` (any).
        resume: Whether `out` may hold an interrupted run. Defaults to
            `False`.

    Raises:
        ValueError: If `out` or one of its parents is a file, if `out`
            already holds files without `resume`, or if `resume` is asked of
            a non-empty directory that this project did not write (it has no
            `.keras-recipes-run` marker) or that another recipe wrote.
            Nothing is touched.
    """
    if out is None:
        return
    out = os.fspath(out)
    _check_parents(out)
    if not os.path.isdir(out) or not os.listdir(out):
        return
    entries = sorted(os.listdir(out))
    shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
    if not resume:
        raise ValueError(
            f"The --out directory '{out}' already holds files ({shown}); refusing "
            "to overwrite them. Choose a new or empty directory."
        )
    marker = os.path.join(out, MARKER)
    if not os.path.isfile(marker):
        raise ValueError(
            f"--resume refuses the --out directory '{out}': it holds files ({shown}) "
            f"but no {MARKER} marker, so it is not a run this project wrote; "
            "nothing in it was touched."
        )
    written_by = _marker_recipe(marker)
    if recipe_name is not None and written_by not in (None, recipe_name):
        raise ValueError(
            f"--resume refuses the --out directory '{out}': it is a run of "
            f"'{written_by}', not of '{recipe_name}'; nothing in it was touched."
        )


def _check_parents(out):
    path = os.path.abspath(out)
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"The --out path '{out}' is a file; give a directory.")
    parent = os.path.dirname(path)
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if parent and not os.path.isdir(parent):
        raise ValueError(
            f"The --out path '{out}' is inside '{parent}', which is a file, not a "
            "directory; give a directory path."
        )


def _marker_recipe(marker):
    try:
        return read_json(marker).get("recipe")
    except (OSError, ValueError, AttributeError):
        return None


def is_run_dir(path):
    """Whether `path` is a run directory this project wrote (it has the marker)."""
    return os.path.isfile(os.path.join(path, MARKER))


def create_run_dir(recipe_name, out=None, root="runs", resume=False):
    """Creates the directory of a new run, its marker and its `plots/` folder.

    Every run directory holds a `.keras-recipes-run` marker naming its recipe,
    so `--resume` can tell a run this project wrote from any other folder.

    Args:
        recipe_name: Name of the recipe, used in the default directory name.
        out: Exact directory to use. It must not exist or must be empty
            (unless `resume`, when it may also be a run directory of the
            same recipe). Defaults to `None`: `ROOT/NAME-YYYYmmdd-HHMMSS`.
        root: Parent of default run directories. Defaults to `"runs"`.
        resume: Whether `out` may hold the files of an interrupted run.
            Defaults to `False`.

    Returns:
        The run directory's path.

    Raises:
        ValueError: As `check_out_dir` (nothing is touched), or if the
            directory cannot be created.
    """
    if out is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = os.path.join(root, f"{recipe_name}-{stamp}")
        suffix = 2
        while os.path.exists(out):
            out = os.path.join(root, f"{recipe_name}-{stamp}-{suffix}")
            suffix += 1
    check_out_dir(out, recipe_name, resume=resume)
    try:
        os.makedirs(out, exist_ok=True)
        _write_marker(out, recipe_name)
        os.makedirs(os.path.join(out, "plots"), exist_ok=True)
    except OSError as error:
        raise ValueError(f"Cannot create the run directory '{out}': "
                         f"{error.strerror or error}.") from None
    return out


def _write_marker(out, recipe_name):
    # Created in place, not renamed over: a process of the same distributed
    # run that looks in `out` meanwhile sees no file or the marker, never a
    # temporary file beside an unmarked folder.
    try:
        with open(os.path.join(out, MARKER), "x", encoding="utf-8") as file:
            json.dump({"recipe": recipe_name}, file)
    except FileExistsError:
        pass


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

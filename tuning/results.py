"""Sweep results: the trial table, its CSV/JSON export and its plots.

The plots draw on `matplotlib.figure.Figure` and never touch pyplot, so
importing the library leaves a notebook's plotting backend alone.

Every function takes the trial records of a sweep (`trial_records`), so it
works the same on a running, finished or resumed sweep, and on the records
of a distributed one.
"""

import json
import math
import os

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from keras_recipes.callbacks.atomic_files import jsonable
from keras_recipes.callbacks.atomic_files import write_text

_SCORED = ("completed", "pruned")
_COLUMNS = ("trial_id", "status", "score", "score_std", "epochs_run", "seconds")


def trials_table(records, direction="max"):
    """Returns one flat row per trial, ranked best first.

    Scored trials (completed or pruned) come first, best score first; then
    the diverged and failed ones, by trial id.

    Args:
        records: Trial records (see `trial_records.read_records`).
        direction: `"max"` or `"min"`: whether higher scores are better.
            Defaults to `"max"`.

    Returns:
        A list of dicts with `rank` (`None` for unscored trials), the
        `_COLUMNS` fields, every hyperparameter under its plain name
        (`learning_rate`, `beta_1`, ...) and `message`.
    """
    sign = -1 if direction == "max" else 1
    scored = sorted((r for r in records if r["status"] in _SCORED),
                    key=lambda r: sign * _number(r.get("score")))
    unscored = [r for r in records if r["status"] not in _SCORED]
    rows = []
    for rank, record in enumerate(scored + unscored, start=1):
        row = {"rank": rank if record["status"] in _SCORED else None}
        row.update({key: record.get(key) for key in _COLUMNS})
        row.update(record.get("hyperparameters", {}))
        row["message"] = record.get("message", "")
        rows.append(row)
    return rows


def trials_frame(records, direction="max"):
    """Returns the ranked trial table as a pandas DataFrame.

    Example:

    ```python
    frame = trials_frame(read_records("runs/sweep/tuner"), direction="max")
    frame.groupby("optimizer")["score"].max()
    ```
    """
    return pd.DataFrame(trials_table(records, direction))


def write_trials(records, directory, direction="max"):
    """Writes `trials.csv` and `trials.json` (atomically) into `directory`.

    Args:
        records: Trial records.
        directory: Output folder (created if missing).
        direction: `"max"` or `"min"`. Defaults to `"max"`.

    Returns:
        The paths `(csv_path, json_path)`.
    """
    os.makedirs(directory, exist_ok=True)
    frame = trials_frame(records, direction)
    csv_path = os.path.join(directory, "trials.csv")
    json_path = os.path.join(directory, "trials.json")
    write_text(csv_path, frame.to_csv(index=False))
    write_text(json_path, json.dumps(jsonable(list(records)), indent=1,
                                            sort_keys=True) + "\n")
    return csv_path, json_path


def best_so_far(records, direction="max", by="trial"):
    """Returns the best score after each trial, against a budget axis.

    Args:
        records: Trial records, in the order the trials ran.
        direction: `"max"` or `"min"`. Defaults to `"max"`.
        by: `"trial"` (trial number), `"epochs"` (cumulative epochs) or
            `"seconds"` (cumulative training seconds). Defaults to
            `"trial"`.

    Returns:
        Two lists `(budget, best)` with one entry per trial; `best` is
        `nan` until the first scored trial.

    Raises:
        ValueError: If `by` is not one of the three names.
    """
    if by not in ("trial", "epochs", "seconds"):
        raise ValueError(
            f"The 'by' parameter must be 'trial', 'epochs' or 'seconds'. Got {by!r} instead."
        )
    better = max if direction == "max" else min
    budget, best, spent, current = [], [], 0.0, None
    for number, record in enumerate(records, start=1):
        key = "epochs_run" if by == "epochs" else by
        spent = number if by == "trial" else spent + float(record.get(key) or 0)
        score = _number(record.get("score"))
        if record["status"] in _SCORED and math.isfinite(score):
            current = score if current is None else better(current, score)
        budget.append(spent)
        best.append(math.nan if current is None else current)
    return budget, best


def plot_objective_by_trial(records, objective, path, direction="max"):
    """Plots each trial's score and the best-so-far curve against the trial.

    Diverged and failed trials are marked with a red x at the worst score
    of the sweep, since they have none of their own.

    Returns:
        `path`.
    """
    figure = Figure(figsize=(7, 4))
    axis = figure.subplots()
    numbers = np.arange(1, len(records) + 1)
    scores = np.array([_number(r.get("score")) for r in records])
    scored = np.array([r["status"] in _SCORED for r in records], dtype=bool)
    pruned = np.array([r["status"] == "pruned" for r in records], dtype=bool)
    axis.scatter(numbers[scored & ~pruned], scores[scored & ~pruned], label="trial")
    if pruned.any():
        axis.scatter(numbers[pruned], scores[pruned], marker="v", color="C1",
                     label="pruned")
    _, best = best_so_far(records, direction)
    axis.step(numbers, best, where="post", color="C2", label="best so far")
    if (~scored).any():
        finite = scores[scored & np.isfinite(scores)]
        low = finite.min() if direction == "max" and finite.size else (
            finite.max() if finite.size else 0.0)
        axis.scatter(numbers[~scored], np.full((~scored).sum(), low), marker="x",
                     color="C3", label="diverged / failed")
    axis.set_xlabel("trial")
    axis.set_ylabel(objective)
    axis.set_title(f"{objective} by trial")
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small")
    return _save(figure, path)


def plot_hyperparameters(records, objective, path, max_panels=12):
    """Plots the score against each hyperparameter that varied in the sweep.

    Numeric hyperparameters get a scatter plot (log axis when they span
    more than two decades), categorical ones a strip plot per value.

    Args:
        records: Trial records.
        objective: Name of the score, for the axis label.
        path: PNG path to write.
        max_panels: Most hyperparameters shown. Defaults to `12`.

    Returns:
        `path`.
    """
    scored = [r for r in records if r["status"] in _SCORED]
    names = []
    for record in scored:
        for name in record.get("hyperparameters", {}):
            if name not in names:
                names.append(name)
    names.sort(key=lambda n: (n != "optimizer", n != "learning_rate"))
    names = [n for n in names if len({repr(r["hyperparameters"].get(n))
                                      for r in scored}) > 1][:max_panels]
    columns = min(len(names), 3) or 1
    rows = max(math.ceil(len(names) / columns), 1)
    figure = Figure(figsize=(4.2 * columns, 3.2 * rows))
    axes = figure.subplots(rows, columns, squeeze=False)
    for axis, name in zip(axes.flat, names):
        pairs = [(r["hyperparameters"][name], _number(r["score"])) for r in scored
                 if name in r["hyperparameters"]]
        values = [value for value, _ in pairs]
        scores = [score for _, score in pairs]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            axis.scatter(values, scores, alpha=0.8)
            positive = [v for v in values if v > 0]
            if len(positive) == len(values) and max(values) / min(values) > 100:
                axis.set_xscale("log")
        else:
            labels = sorted({str(v) for v in values})
            positions = [labels.index(str(v)) for v in values]
            jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(positions))
            axis.scatter(np.array(positions) + jitter, scores, alpha=0.8)
            axis.set_xticks(range(len(labels)), labels, rotation=30, fontsize="small")
        axis.set_xlabel(name)
        axis.set_ylabel(objective)
        axis.grid(alpha=0.3)
    for axis in list(axes.flat)[len(names):]:
        axis.axis("off")
    if not names:
        axes.flat[0].text(0.5, 0.5, "no hyperparameter varied", ha="center")
    return _save(figure, path)


def plot_anytime(sweeps, path, by="epochs", objective="score", direction="max",
                 log_y=False):
    """Overlays the best-so-far curves of several sweeps on one budget axis.

    Args:
        sweeps: A dict `{label: records}`, e.g. one entry per tuner.
        path: PNG path to write.
        by: `"trial"`, `"epochs"` or `"seconds"`. Defaults to `"epochs"`.
        objective: Name of the score, for the axis label. Defaults to
            `"score"`.
        direction: `"max"` or `"min"`. Defaults to `"max"`.
        log_y: Whether to use a log scale for the score (for a loss that
            spans decades). Defaults to `False`.

    Returns:
        `path`.
    """
    figure = Figure(figsize=(7, 4))
    axis = figure.subplots()
    if log_y:
        axis.set_yscale("log")
    for label, records in sweeps.items():
        budget, best = best_so_far(records, direction, by=by)
        axis.step(budget, best, where="post", label=label)
    axis.set_xlabel({"trial": "trials", "epochs": "total epochs trained",
                     "seconds": "total training seconds"}[by])
    axis.set_ylabel(f"best {objective} so far")
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small")
    return _save(figure, path)


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _save(figure, path):
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return path

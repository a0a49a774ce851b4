"""The figures of the recipes' reports, drawn on `matplotlib.figure.Figure`.

One module for every plot a report embeds: comparison curves and
intervals, learning-rate searches and schedules, and a single run's
learning curves, confusion matrix, ROC curve and regression diagnostics.

Nothing here touches pyplot or `matplotlib.use`, so importing it never
changes a notebook user's plotting backend: each function builds a
`Figure`, saves it as PNG and returns the path.
"""

import math

import numpy as np
from keras import ops
from matplotlib.figure import Figure
from sklearn import metrics as sk_metrics



def new_figure(width=7, height=4.2, columns=1):
    """Returns a `Figure` and a list of `columns` axes side by side."""
    figure = Figure(figsize=(width, height))
    axes = figure.subplots(1, columns, squeeze=False)[0]
    return figure, list(axes)


def save_figure(figure, path):
    """Lays a figure out, saves it as a PNG and returns `path`."""
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return path


def plot_curves(curves, metric, path, x_axis="epoch", log_y=False, title=None):
    """Overlays one metric's curve per arm, against epochs or seconds.

    Args:
        curves: A dict `{label: [history, ...]}`; several histories (seeds)
            per label are drawn as a mean line with a min-max band against
            epochs, and one line per seed against seconds.
        metric: History key to plot, such as `"val_loss"`.
        path: PNG path to write.
        x_axis: `"epoch"` or `"seconds"`. Defaults to `"epoch"`.
        log_y: Whether to use a log scale for the metric. Defaults to `False`.
        title: Figure title. Defaults to `None` (the metric's name).

    Returns:
        `path`.

    Raises:
        ValueError: If `x_axis` is neither `"epoch"` nor `"seconds"`.
    """
    if x_axis not in ("epoch", "seconds"):
        raise ValueError(
            f"The 'x_axis' parameter must be 'epoch' or 'seconds'. Got {x_axis!r} instead.")
    figure, (axis,) = new_figure()
    for index, (label, histories) in enumerate(curves.items()):
        histories = [h for h in histories if h.get(metric)]
        color = f"C{index % 10}"
        style = "-" if index < 10 else "--"
        if not histories:
            continue
        if x_axis == "seconds":
            for number, history in enumerate(histories):
                axis.plot(history["seconds"], history[metric], alpha=0.8, color=color,
                          linestyle=style, label=label if number == 0 else None)
            continue
        length = min(len(h[metric]) for h in histories)
        stacked = np.array([h[metric][:length] for h in histories], dtype="float64")
        epochs = np.arange(1, length + 1)
        axis.plot(epochs, stacked.mean(axis=0), color=color, linestyle=style, label=label)
        if len(histories) > 1:
            axis.fill_between(epochs, stacked.min(axis=0), stacked.max(axis=0),
                              color=color, alpha=0.15)
    axis.set_xlabel("epoch" if x_axis == "epoch" else "wall-clock seconds")
    axis.set_ylabel(metric)
    if log_y:
        axis.set_yscale("log")
    axis.set_title(title or metric)
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small", ncol=2)
    return save_figure(figure, path)


def plot_intervals(comparison, measure, path, title=None):
    """Draws each arm's mean and 95% interval of a measure, seeds as dots.

    The reference arm's mean is a dashed line, so an interval that crosses
    it reads at a glance as "not told apart on these seeds" (the paired
    test in the report is the exact statement).

    Args:
        comparison: A `keras_recipes.tuning.Comparison`.
        measure: A measure of its rows, such as `"test_accuracy"`.
        path: PNG path to write.
        title: Figure title. Defaults to `None` (the measure's name).

    Returns:
        `path`.
    """
    arms = comparison.arms
    figure, (axis,) = new_figure(width=max(5.0, 0.8 * len(arms) + 2), height=4.0)
    for position, arm in enumerate(arms):
        summary = comparison.summary(measure, arm)
        values = [v for v in comparison.values(measure, arm)
                  if v is not None and math.isfinite(v)]
        axis.scatter([position] * len(values), values, color="0.6", s=14, zorder=2)
        if summary["n"] == 0:
            continue
        low, high = summary["ci_low"], summary["ci_high"]
        if math.isnan(low):
            low = high = summary["mean"]
        axis.errorbar([position], [summary["mean"]],
                      yerr=[[summary["mean"] - low], [high - summary["mean"]]],
                      fmt="o", color=f"C{position % 10}", capsize=5, zorder=3)
    reference = comparison.summary(measure, comparison.reference)["mean"]
    if math.isfinite(reference):
        axis.axhline(reference, color="0.4", linestyle="--", linewidth=1,
                     label=f"{comparison.reference} mean")
        axis.legend(fontsize="small")
    axis.set_xticks(range(len(arms)), arms, rotation=30, ha="right")
    axis.set_ylabel(measure)
    axis.set_title(title or f"{measure}: mean and 95% interval over "
                   f"{len(comparison.seeds)} seeds")
    axis.grid(alpha=0.3, axis="y")
    return save_figure(figure, path)


def plot_learning_rate_search(trials, path, metric="final_val_loss", log_y=True,
                              title="Learning-rate search", group="search_group"):
    """Draws a search score against the learning rate, one line per group.

    Args:
        trials: Dicts with `group`, `"learning_rate"` and `metric` keys
            (non-finite scores are drawn as gaps), such as the `rows` of a
            `learning_rate_search` comparison.
        path: PNG path to write.
        metric: Key of the score to plot. Defaults to `"final_val_loss"`.
        log_y: Whether to use a log scale for the score. Defaults to `True`.
        title: Figure title. Defaults to `"Learning-rate search"`.
        group: Key naming each trial's line. Defaults to `"search_group"`.

    Returns:
        `path`.
    """
    figure, (axis,) = new_figure()
    names = list(dict.fromkeys(trial[group] for trial in trials))
    for index, name in enumerate(names):
        rows = sorted((t for t in trials if t[group] == name),
                      key=lambda t: t["learning_rate"])
        scores = [row[metric] if row[metric] is not None and math.isfinite(row[metric])
                  and not row.get("diverged") else float("nan") for row in rows]
        axis.plot([row["learning_rate"] for row in rows], scores, marker="o", label=name,
                  color=f"C{index % 10}", linestyle="-" if index < 10 else "--")
    axis.set_xscale("log")
    if log_y:
        axis.set_yscale("log")
    axis.set_xlabel("learning rate")
    axis.set_ylabel(metric)
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small", ncol=2)
    return save_figure(figure, path)


_MAX_POINTS = 1000


def learning_rate_curve(schedule, total_steps, steps_per_epoch=1):
    """Returns a schedule's rate against the (fractional) epoch.

    Args:
        schedule: A `LearningRateSchedule` or callable of the step, a float
            (a constant rate), or a sequence of rates, one per epoch (such
            as the `learning_rate` column that `LearningRateLogger` adds to
            a history).
        total_steps: Integer >= 1. Optimizer steps in the whole training.
        steps_per_epoch: Integer >= 1. Optimizer steps per epoch. Defaults
            to `1` (the x-axis is then the step).

    Returns:
        A tuple `(epochs, rates)` of float arrays: the rate in force from
        `epochs[i]` on is `rates[i]`; epoch 0 is the start of training. A
        schedule is evaluated at the steps it is used at, `0` to
        `total_steps - 1`.

    Raises:
        ValueError: If `total_steps` or `steps_per_epoch` is not a positive
            integer, or a sequence of rates is empty.

    Example:

    >>> epochs, rates = learning_rate_curve(0.1, total_steps=100, steps_per_epoch=10)
    >>> float(rates[0]), float(epochs[-1])
    (0.1, 10.0)
    """
    for name, value in (("total_steps", total_steps), ("steps_per_epoch", steps_per_epoch)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise ValueError(
                f"The '{name}' parameter must be a positive integer. Got {value!r} instead.")
    total_steps, steps_per_epoch = int(total_steps), int(steps_per_epoch)
    if callable(schedule):
        steps = np.unique(np.linspace(0, total_steps - 1, _MAX_POINTS).astype(int))
        rates = np.array([float(ops.convert_to_numpy(schedule(int(step))))
                          for step in steps])
        return steps / steps_per_epoch, rates
    if isinstance(schedule, (int, float, np.floating)):
        return (np.array([0.0, total_steps / steps_per_epoch]),
                np.array([float(schedule)] * 2))
    rates = np.asarray(list(schedule), dtype="float64")
    if rates.size == 0:
        raise ValueError(
            "The 'schedule' parameter must not be an empty list of per-epoch rates. "
            "Got [] instead.")
    # Rate i was in force during epoch i + 1, that is from epoch i to i + 1.
    epochs = np.arange(len(rates) + 1, dtype="float64")
    return epochs, np.append(rates, rates[-1])


def plot_learning_rates(schedules, total_steps, path, steps_per_epoch=1, log_y=True,
                        title="Learning rate schedules"):
    """Overlays several learning-rate schedules against the epoch.

    Args:
        schedules: A dict `{label: schedule}`; each schedule is what
            `learning_rate_curve` accepts (a schedule object, a float, or a
            list of per-epoch rates, drawn as a staircase).
        total_steps: Integer >= 1. Optimizer steps in the whole training.
        path: PNG path to write.
        steps_per_epoch: Integer >= 1. Optimizer steps per epoch. Defaults
            to `1`.
        log_y: Whether to use a log scale for the rate (decays span
            decades). Defaults to `True`.
        title: Figure title. Defaults to `"Learning rate schedules"`.

    Returns:
        `path`.

    Raises:
        ValueError: If `schedules` is empty, or as `learning_rate_curve`.

    Example:

    ```python
    plot_learning_rates(
        {"cosine": create_schedule("cosine", 0.1, 400), "plateau": history["learning_rate"]},
        total_steps=400, path="plots/learning_rates.png", steps_per_epoch=20)
    ```
    """
    if not schedules:
        raise ValueError(
            f"The 'schedules' parameter must hold at least one schedule. Got {schedules!r} "
            "instead.")
    figure, (axis,) = new_figure()
    for index, (label, schedule) in enumerate(schedules.items()):
        epochs, rates = learning_rate_curve(schedule, total_steps, steps_per_epoch)
        measured = not callable(schedule) and not isinstance(
            schedule, (int, float, np.floating))
        axis.plot(epochs, rates, label=label, color=f"C{index % 10}",
                  drawstyle="steps-post" if measured else "default",
                  linestyle="-" if index < 10 else "--")
    axis.set_xlabel("epoch" if steps_per_epoch > 1 else "step")
    axis.set_ylabel("learning rate")
    if log_y:
        # Rates that reach 0 (cosine decay) are left out, not clipped to 1e-300.
        axis.set_yscale("log", nonpositive="mask")
    axis.set_title(title)
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize="small", ncol=2)
    return save_figure(figure, path)


def plot_learning_curves(history, path, metrics=("loss", "accuracy")):
    """Plots train and validation curves of each metric against the epoch."""
    shown = [m for m in metrics if m in history]
    figure, axes = new_figure(5 * len(shown), 3.6, len(shown))
    for axis, metric in zip(axes, shown):
        epochs = np.arange(1, len(history[metric]) + 1)
        axis.plot(epochs, history[metric], label="train")
        if f"val_{metric}" in history:
            axis.plot(epochs, history[f"val_{metric}"], label="validation")
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.set_title(metric)
        axis.grid(alpha=0.3)
        axis.legend()
    return save_figure(figure, path)


def plot_confusion_matrix(y_true, y_pred, class_names, path):
    """Draws the confusion matrix of the test split with counts in cells."""
    labels = np.arange(len(class_names))
    matrix = sk_metrics.confusion_matrix(y_true, y_pred, labels=labels)
    size = 2.5 + 0.5 * len(class_names)
    figure, (axis,) = new_figure(size, size)
    sk_metrics.ConfusionMatrixDisplay(matrix, display_labels=class_names).plot(
        ax=axis, colorbar=False, cmap="Blues")
    axis.set_title("Confusion matrix (test)")
    return save_figure(figure, path)


def plot_roc_curve(y_true, scores, path):
    """Draws the ROC curve of a binary classifier with its AUC."""
    figure, (axis,) = new_figure(4.5, 4.5)
    sk_metrics.RocCurveDisplay.from_predictions(y_true, scores, ax=axis)
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    axis.set_title("ROC curve (test)")
    return save_figure(figure, path)


def plot_predictions(y_true, y_pred, path):
    """Draws predicted against true values, with the ideal diagonal."""
    y_pred = np.asarray(y_pred).reshape(-1)
    figure, (axis,) = new_figure(4.5, 4.5)
    axis.scatter(y_true, y_pred, s=12, alpha=0.6)
    low, high = min(y_true.min(), y_pred.min()), max(y_true.max(), y_pred.max())
    axis.plot([low, high], [low, high], linestyle="--", color="grey")
    axis.set_xlabel("true")
    axis.set_ylabel("predicted")
    axis.set_title("Predicted vs true (test)")
    return save_figure(figure, path)


def plot_residuals(y_true, y_pred, path):
    """Draws residuals (true minus predicted) against the prediction."""
    y_pred = np.asarray(y_pred).reshape(-1)
    figure, (axis,) = new_figure(5, 3.6)
    axis.scatter(y_pred, y_true - y_pred, s=12, alpha=0.6)
    axis.axhline(0, linestyle="--", color="grey")
    axis.set_xlabel("predicted")
    axis.set_ylabel("residual")
    axis.set_title("Residuals (test)")
    return save_figure(figure, path)

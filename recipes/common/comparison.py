"""Comparing training variants: timed fits, overlaid curves, mean ± std tables.

Recipes that train one model several ways (optimizers, schedules,
regularisers, batch regimes) share these so that every comparison is timed,
plotted and summarised the same way.
"""

import time

import keras
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


class ElapsedTime(keras.callbacks.Callback):
    """Adds `seconds`, the wall time since training began, to each epoch's logs."""

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["seconds"] = time.perf_counter() - self.started


def timed_fit(model, x, y, callbacks=(), **fit_kwargs):
    """Runs `model.fit` and returns its history with a `seconds` column.

    Args:
        model: A compiled model.
        x: Training inputs.
        y: Training targets.
        callbacks: Extra callbacks. Defaults to `()`.
        **fit_kwargs: Passed to `fit` (`validation_data`, `epochs`, ...).

    Returns:
        The history dict; `history["seconds"][i]` is the cumulative wall time
        at the end of epoch `i + 1`.
    """
    history = model.fit(x, y, callbacks=[ElapsedTime(), *callbacks], **fit_kwargs)
    return history.history


def mean_std(values, digits=4):
    """Formats values as `"mean ± std"` (std over runs, `ddof=0`)."""
    values = np.asarray(values, dtype="float64")
    if len(values) == 1:
        return f"{values[0]:.{digits}g}"
    spread = values.std()
    if spread <= 1e-9 * max(1.0, abs(values.mean())):
        spread = 0.0  # identical runs; do not print rounding noise
    return f"{values.mean():.{digits}g} ± {spread:.2g}"


def first_epoch_reaching(history, metric, target, mode="max"):
    """Returns the first 1-based epoch whose `metric` reaches `target`, or `None`."""
    values = np.asarray(history.get(metric, []), dtype="float64")
    hits = np.flatnonzero(values >= target if mode == "max" else values <= target)
    return int(hits[0]) + 1 if len(hits) else None


def plot_curves(curves, metric, path, x_axis="epoch", log_y=False, title=None):
    """Overlays one metric's curve per variant, against epochs or seconds.

    Args:
        curves: A dict `{label: [history, ...]}`; several histories (seeds)
            per label are drawn as a mean line with a min-max band (the band
            is drawn against epochs only).
        metric: History key to plot, such as `"val_loss"`.
        path: PNG path to write.
        x_axis: `"epoch"` or `"seconds"`. Defaults to `"epoch"`.
        log_y: Whether to use a log scale for the metric. Defaults to `False`.
        title: Figure title. Defaults to `None` (the metric's name).

    Returns:
        `path`.
    """
    if x_axis not in ("epoch", "seconds"):
        raise ValueError(
            f"The 'x_axis' parameter must be 'epoch' or 'seconds'. Got {x_axis!r} instead."
        )
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for label, histories in curves.items():
        histories = [h for h in histories if metric in h]
        if not histories:
            continue
        if x_axis == "seconds":
            for index, history in enumerate(histories):
                axis.plot(history["seconds"], history[metric], alpha=0.8,
                          color=f"C{list(curves).index(label) % 10}",
                          label=label if index == 0 else None)
            continue
        length = min(len(h[metric]) for h in histories)
        stacked = np.array([h[metric][:length] for h in histories], dtype="float64")
        epochs = np.arange(1, length + 1)
        line, = axis.plot(epochs, stacked.mean(axis=0), label=label)
        if len(histories) > 1:
            axis.fill_between(epochs, stacked.min(axis=0), stacked.max(axis=0),
                              color=line.get_color(), alpha=0.15)
    axis.set_xlabel("epoch" if x_axis == "epoch" else "wall-clock seconds")
    axis.set_ylabel(metric)
    if log_y:
        axis.set_yscale("log")
    axis.set_title(title or metric)
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small", ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path

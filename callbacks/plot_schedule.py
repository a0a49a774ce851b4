"""Plot of a learning rate schedule over training steps."""

import numpy as np
from keras import ops

from keras_recipes.callbacks._plotting import save_line_plot

_MAX_POINTS = 1000


def plot_schedule(schedule, steps, path, title=None):
    """Plots a learning rate schedule over `steps` steps to a PNG file.

    The schedule is evaluated at up to 1000 evenly spaced steps, so long
    schedules plot quickly. Uses matplotlib's Agg canvas directly and leaves
    pyplot's global state alone, so it is safe in notebooks and headless runs.

    Args:
        schedule: A `LearningRateSchedule` (or any callable taking a step),
            or a float for a constant rate.
        steps: Integer >= 1. Number of steps to plot.
        path: Path of the PNG file to write; parent folders are created.
        title: String. Defaults to the schedule's class name.

    Returns:
        `path`.

    Raises:
        ValueError: If `steps` < 1.

    Example:

    ```python
    plot_schedule(OneCycle(1e-2, total_steps=1000), 1000, "plots/lr.png")
    ```
    """
    if int(steps) < 1:
        raise ValueError(f"`steps` must be >= 1. Received: steps={steps}")
    points = np.unique(np.linspace(0, int(steps) - 1, _MAX_POINTS).astype(int))
    if callable(schedule):
        rates = [float(ops.convert_to_numpy(schedule(int(p)))) for p in points]
    else:
        rates = [float(schedule)] * len(points)
    return save_line_plot(
        path,
        points,
        rates,
        xlabel="step",
        ylabel="learning rate",
        title=title or type(schedule).__name__,
    )

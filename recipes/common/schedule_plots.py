"""Several learning-rate schedules on one chart, against the epoch.

`keras_recipes.callbacks.plot_schedule` draws one schedule per file. A
recipe that compares schedules wants them overlaid on one set of axes, and
some of them exist only as measurements: `ReduceLROnPlateau` decides its
rate while training runs, so its curve is the rate logged at each epoch
(`LearningRateLogger`). `plot_learning_rates` takes both kinds: a
`LearningRateSchedule` (or any callable of the step) is evaluated at up to
1,000 steps, a float is a constant rate, and a list is one measured rate per
epoch, drawn as a staircase.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

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
    figure, axis = plt.subplots(figsize=(7, 4.2))
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
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path

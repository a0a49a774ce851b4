"""Median pruning: stop a trial that is worse than earlier trials were."""

import math
import statistics

import keras


class MedianPruning(keras.callbacks.Callback):
    """Stops a trial whose best score so far is worse than the median.

    At the end of each epoch `e` (1-based, from `warmup_epochs + 1` on), the
    trial's best objective value over its first `e` epochs is compared with
    the same quantity of every earlier trial that ran at least `e` epochs.
    When at least `min_trials` such trials exist and the trial is worse
    than their median, training stops (`model.stop_training = True`) and
    `pruned_epoch` records the epoch. This is the median stopping rule of
    Google Vizier and Optuna's `MedianPruner`; it suits random and Bayesian
    search, whose trials all get the same epoch budget (Hyperband prunes by
    design).

    A pruned trial keeps the score it reached, which is worse than the
    median, so the search ranks it low without training it to the end.

    Args:
        objective: Log key to watch, e.g. `"val_accuracy"`.
        direction: `"max"` or `"min"`. Defaults to `None`: `"min"` for keys
            ending in `loss` or `error`, else `"max"`.
        history: Objective curves of the earlier trials, one list of per-epoch
            values per trial. Defaults to `()`.
        min_trials: Earlier trials needed before pruning starts. Defaults to
            `3`.
        warmup_epochs: Epochs never pruned at the start of a trial. Defaults
            to `1`.

    Raises:
        ValueError: If `direction` is not `"max"` or `"min"`, or
            `min_trials` or `warmup_epochs` is negative.

    Example:

    ```python
    pruning = MedianPruning("val_accuracy", history=[[0.80, 0.90], [0.70, 0.85],
                                                     [0.75, 0.88]])
    model.fit(x, y, validation_data=(x_val, y_val), epochs=2, callbacks=[pruning])
    pruning.pruned_epoch  # None, or the epoch it stopped at
    ```
    """

    def __init__(self, objective, direction=None, history=(), min_trials=3,
                 warmup_epochs=1):
        super().__init__()
        if direction is None:
            direction = "min" if objective.endswith(("loss", "error")) else "max"
        if direction not in ("max", "min"):
            raise ValueError(
                f"`direction` must be 'max' or 'min'. Received: direction={direction!r}"
            )
        for name, value in (("min_trials", min_trials), ("warmup_epochs", warmup_epochs)):
            if int(value) < 0:
                raise ValueError(f"`{name}` must be >= 0. Received: {name}={value!r}")
        self.objective = objective
        self.direction = direction
        self.min_trials = int(min_trials)
        self.warmup_epochs = int(warmup_epochs)
        better = max if direction == "max" else min
        # best_so_far[i][e]: best value of earlier trial i over epochs 0..e.
        self.best_so_far = [_running(better, curve) for curve in history]
        self.pruned_epoch = None

    def on_train_begin(self, logs=None):
        # Allow instances to be re-used across fit() calls.
        self.pruned_epoch = None
        self.best = None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.objective)
        if value is None or not math.isfinite(float(value)):
            return
        value = float(value)
        better = max if self.direction == "max" else min
        self.best = value if self.best is None else better(self.best, value)
        if epoch < self.warmup_epochs:
            return
        reached = [curve[epoch] for curve in self.best_so_far
                   if len(curve) > epoch and curve[epoch] is not None]
        if len(reached) < max(self.min_trials, 1):
            return
        median = statistics.median(reached)
        worse = self.best < median if self.direction == "max" else self.best > median
        if worse:
            self.pruned_epoch = epoch + 1
            self.model.stop_training = True


def _running(better, curve):
    """Best value so far at each epoch (`None` until a finite value)."""
    values, best = [], None
    for value in curve:
        value = float(value)
        if math.isfinite(value):
            best = value if best is None else better(best, value)
        values.append(best)
    return values

"""Failing a trial whose loss diverges, so a sweep records it and moves on."""

import math

import keras
from keras_tuner.errors import FailedTrialError


class TrialDiverged(FailedTrialError):
    """Raised when a trial's loss becomes NaN or infinite.

    A `keras_tuner.errors.FailedTrialError`: KerasTuner marks the trial
    `FAILED` without retrying it, and the sweep goes on.
    """


class StopOnDivergence(keras.callbacks.Callback):
    """Raises `TrialDiverged` at the end of an epoch with a non-finite loss.

    The check runs once per epoch (not per batch), so it costs nothing
    measurable; a diverging trial wastes at most the rest of one epoch.
    Unlike `keras_recipes.callbacks.NaNGuard`, which rescues a long run, it
    gives up at once: in a sweep, a diverging learning rate is a result.

    Args:
        monitors: Log keys checked. Defaults to `("loss", "val_loss")`.

    Example:

    ```python
    model.fit(x, y, validation_data=(x_val, y_val), callbacks=[StopOnDivergence()])
    ```
    """

    def __init__(self, monitors=("loss", "val_loss")):
        super().__init__()
        self.monitors = tuple(monitors)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for key in self.monitors:
            if key in logs and not math.isfinite(float(logs[key])):
                raise TrialDiverged(
                    f"diverged: {key}={float(logs[key])} at epoch {epoch + 1}"
                )

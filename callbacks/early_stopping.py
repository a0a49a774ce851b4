import warnings

import keras
import numpy as np


def monitored_scalar(value, monitor, warned):
    """A monitored log value as one float: vectors (per-class metrics) by their mean.

    Args:
        value: The logged value (a number, an array or `None`).
        monitor: Its name, for the warning.
        warned: A set of monitor names already warned about; updated.

    Returns:
        A float, or `None` when `value` is `None`.
    """
    if value is None:
        return None
    array = np.asarray(keras.ops.convert_to_numpy(value), dtype="float64")
    if array.ndim == 0:
        return float(array)
    if monitor not in warned:
        warned.add(monitor)
        warnings.warn(
            f"`{monitor}` has {array.size} values (a per-class metric such as "
            "F1Score(average=None)); monitoring their mean. Give the metric an "
            "`average=` to choose the reduction yourself.", stacklevel=3)
    return float(np.mean(array))


class EarlyStopping(keras.callbacks.EarlyStopping):
    """`keras.callbacks.EarlyStopping` with a floor, failure stops and state.

    Behaves like Keras's `EarlyStopping` (all its arguments work the same)
    and adds:

    - `min_epochs`: the patience rule never stops training before this many
      epochs have run.
    - A stop on a non-finite monitored value (NaN or infinity), right away.
    - A divergence stop: with `divergence_factor=k`, training stops as soon
      as a minimized quantity exceeds `k` times its best value.
    - `get_state()` / `set_state()`: the counters and the best weights, so
      `TrainingCheckpoint` can resume a run exactly where it left off.

    A vector-valued monitor (a per-class metric such as
    `keras.metrics.F1Score()` with its default `average=None`) is monitored
    by its mean, with a warning, where Keras's own callback fails.

    The two failure stops ignore `min_epochs`: a run that has produced NaN or
    blown up will not recover by waiting. With `restore_best_weights=True`
    the best weights are restored whatever the reason for stopping.

    Args:
        monitor: Quantity to be monitored. Defaults to `"val_loss"`.
        min_delta: Minimum change that counts as an improvement. Defaults to
            `0`.
        patience: Epochs without improvement before stopping. Defaults to
            `0`.
        verbose: 0 or 1; 1 prints a message when the callback acts. Defaults
            to `0`.
        mode: One of `{"auto", "min", "max"}`. Defaults to `"auto"`.
        baseline: Baseline value for the monitored quantity. Defaults to
            `None`.
        restore_best_weights: Whether to restore the weights of the best
            epoch at the end; they are part of `get_state()`, so a resumed
            run restores them too. Defaults to `False`.
        start_from_epoch: Epochs to wait before monitoring. Defaults to `0`.
        min_epochs: Integer >= 0. The patience rule does not stop training
            before `min_epochs` epochs have run. Defaults to `0`.
        stop_on_non_finite: Whether to stop when the monitored value is NaN
            or infinite. Defaults to `True`.
        divergence_factor: Float > 1, or `None` to disable. Stop when a
            minimized quantity (a loss) exceeds this multiple of its best
            value. Defaults to `None`.

    Raises:
        ValueError: If `min_epochs` < 0 or `divergence_factor` <= 1.

    Example:

    ```python
    early_stopping = EarlyStopping(monitor="val_loss", patience=5,
                                   min_epochs=10, divergence_factor=10.0)
    model.fit(x, y, validation_split=0.2, epochs=100,
              callbacks=[early_stopping])
    ```
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
        min_epochs=0,
        stop_on_non_finite=True,
        divergence_factor=None,
    ):
        super().__init__(
            monitor=monitor,
            min_delta=min_delta,
            patience=patience,
            verbose=verbose,
            mode=mode,
            baseline=baseline,
            restore_best_weights=restore_best_weights,
            start_from_epoch=start_from_epoch,
        )
        if int(min_epochs) < 0:
            raise ValueError(
                f"`min_epochs` must be >= 0. Received: min_epochs={min_epochs}"
            )
        if divergence_factor is not None and divergence_factor <= 1:
            raise ValueError(
                "`divergence_factor` must be > 1 or None. "
                f"Received: divergence_factor={divergence_factor}"
            )
        self.min_epochs = int(min_epochs)
        self.stop_on_non_finite = stop_on_non_finite
        self.divergence_factor = divergence_factor
        self._resumed_state = None
        self._warned_vectors = set()

    def get_monitor_value(self, logs):
        return monitored_scalar(super().get_monitor_value(logs), self.monitor,
                                self._warned_vectors)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self._resumed_state is not None:
            self._load_state(self._resumed_state)
            self._resumed_state = None

    def on_epoch_end(self, epoch, logs=None):
        current = monitored_scalar((logs or {}).get(self.monitor), self.monitor,
                                   self._warned_vectors)
        if current is not None and epoch >= self.start_from_epoch:
            if self.stop_on_non_finite and not np.isfinite(current):
                self._stop(epoch, f"{self.monitor} is {current}")
                return
        already_stopping = self.model.stop_training
        super().on_epoch_end(epoch, logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if (
            self.model.stop_training
            and not already_stopping
            and epoch + 1 < self.min_epochs
        ):
            self.model.stop_training = False
            self.stopped_epoch = 0
        if self._diverged(current):
            self._stop(
                epoch,
                f"{self.monitor}={current:.4g} exceeds {self.divergence_factor}"
                f" x its best ({self.best:.4g})",
            )

    def _diverged(self, current):
        if self.divergence_factor is None or self.best is None:
            return False
        if self.monitor_op is not keras.ops.less:
            return False
        return current > self.divergence_factor * float(self.best)

    def _stop(self, epoch, reason):
        self.model.stop_training = True
        self.stopped_epoch = epoch
        if self.verbose > 0:
            print(f"Epoch {epoch + 1}: stopping, {reason}.")

    def get_state(self):
        """Returns the counters and the best weights as a dict.

        Returns:
            A dict of `wait`, `best`, `best_epoch`, `stopped_epoch` and
            `best_weights` (a list of NumPy arrays, or `None`).
        """
        best_weights = getattr(self, "best_weights", None)
        return {
            "wait": int(self.wait),
            "best": None if self.best is None else float(self.best),
            "best_epoch": int(getattr(self, "best_epoch", 0)),
            "stopped_epoch": int(self.stopped_epoch),
            "best_weights": None if best_weights is None else [
                np.asarray(weight) for weight in best_weights],
        }

    def set_state(self, state):
        """Restores counters from `get_state()`; they survive `fit()`'s reset.

        Args:
            state: A dict returned by `get_state()`.
        """
        self._resumed_state = dict(state)
        self._load_state(self._resumed_state)

    def _load_state(self, state):
        self.wait = state["wait"]
        self.best = state["best"]
        self.best_epoch = state["best_epoch"]
        self.stopped_epoch = state.get("stopped_epoch", 0)
        weights = state.get("best_weights")
        self.best_weights = None if weights is None else [
            np.array(weight) for weight in weights]

import glob
import math
import os
import warnings

import keras

from keras_recipes.callbacks import atomic_files
from keras_recipes.callbacks._model_state import weights_are_finite

_MAXIMIZED = ("acc", "auc", "precision", "recall", "f1", "iou")


class AtomicCheckpoint(keras.callbacks.Callback):
    """Saves the best and the last models as `.keras` files, crash-safely.

    At the end of every epoch it writes `epoch-0001.keras`,
    `epoch-0002.keras`, ... into `directory` and keeps only the newest
    `keep_last` of them, and overwrites `best.keras` whenever the monitored
    quantity improves. Each file is the full model with its optimizer state.

    Every file is written to a temporary file in the same directory and then
    renamed over the target (`os.replace`), so a crash or kill at any moment
    leaves the previous file complete and loadable. Weights that are not all
    finite (NaN or infinity) are never written: the epoch is skipped with a
    warning, so a diverged run cannot overwrite a good checkpoint.

    Args:
        directory: Folder of the checkpoints; created if missing.
        monitor: Quantity deciding the best model. Defaults to `"val_loss"`.
        mode: `"min"`, `"max"` or `"auto"`; `"auto"` maximizes names that
            contain "acc", "auc", "precision", "recall", "f1" or "iou" and
            minimizes everything else. Defaults to `"auto"`.
        min_delta: Minimum change that counts as an improvement. Defaults to
            `0.0`.
        save_best: Whether to write `best.keras`. Defaults to `True`.
        keep_last: Integer >= 0. Number of per-epoch files to keep; `0`
            writes none. Defaults to `1`.
        verbose: 0 or 1; 1 prints a message when a best model is saved.
            Defaults to `0`.

    Raises:
        ValueError: If `mode` is unknown, `keep_last` < 0, or nothing would be
            saved.

    Example:

    ```python
    checkpoint = AtomicCheckpoint("runs/mnist/checkpoints", monitor="val_loss")
    model.fit(x, y, validation_split=0.2, epochs=20, callbacks=[checkpoint])
    best_model = keras.saving.load_model(checkpoint.best_path)
    ```
    """

    def __init__(
        self,
        directory,
        monitor="val_loss",
        mode="auto",
        min_delta=0.0,
        save_best=True,
        keep_last=1,
        verbose=0,
    ):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(
                f"`mode` must be 'auto', 'min' or 'max'. Received: mode={mode}"
            )
        if int(keep_last) < 0:
            raise ValueError(
                f"`keep_last` must be >= 0. Received: keep_last={keep_last}"
            )
        if not save_best and not keep_last:
            raise ValueError(
                "Nothing to save: set `save_best=True` or `keep_last` >= 1. "
                f"Received: save_best={save_best}, keep_last={keep_last}"
            )
        if mode == "auto":
            maximized = any(name in monitor.lower() for name in _MAXIMIZED)
            mode = "max" if maximized else "min"
        self.directory = os.fspath(directory)
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.save_best = save_best
        self.keep_last = int(keep_last)
        self.verbose = verbose
        self.best = None
        self.best_epoch = None
        self._resumed_state = None

    @property
    def best_path(self):
        """Path of the best model, `directory/best.keras`."""
        return os.path.join(self.directory, "best.keras")

    @property
    def last_path(self):
        """Path of the newest per-epoch model, or `None` if there is none."""
        paths = self._epoch_paths()
        return paths[-1] if paths else None

    def _epoch_paths(self):
        return sorted(glob.glob(os.path.join(self.directory, "epoch-*.keras")))

    def on_train_begin(self, logs=None):
        # Allow instances to be re-used across `model.fit()` calls.
        self.best = None
        self.best_epoch = None
        if self._resumed_state is not None:
            self._load_state(self._resumed_state)
            self._resumed_state = None

    def on_epoch_end(self, epoch, logs=None):
        if not weights_are_finite(self.model):
            warnings.warn(
                f"Epoch {epoch + 1}: the weights are not finite; "
                "AtomicCheckpoint keeps the previous checkpoints.",
                stacklevel=2,
            )
            return
        if self.keep_last:
            path = os.path.join(self.directory, f"epoch-{epoch + 1:04d}.keras")
            atomic_files.save_model(self.model, path)
            for old_path in self._epoch_paths()[: -self.keep_last]:
                os.remove(old_path)
        if self.save_best:
            self._save_if_best(epoch, (logs or {}).get(self.monitor), logs)

    def _save_if_best(self, epoch, current, logs):
        if current is None:
            warnings.warn(
                f"AtomicCheckpoint monitors `{self.monitor}`, which is not "
                f"available. Available metrics are: {', '.join(logs or {})}",
                stacklevel=2,
            )
            return
        if not math.isfinite(current) or not self._is_improvement(current):
            return
        self.best = float(current)
        self.best_epoch = epoch
        atomic_files.save_model(self.model, self.best_path)
        if self.verbose > 0:
            print(
                f"Epoch {epoch + 1}: {self.monitor} improved to {current:.5g}, "
                f"saved {self.best_path}"
            )

    def _is_improvement(self, current):
        if self.best is None:
            return True
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def get_state(self):
        """Returns the best value so far and its epoch as a dict."""
        return {"best": self.best, "best_epoch": self.best_epoch}

    def set_state(self, state):
        """Restores `get_state()`'s dict; it survives `fit()`'s reset.

        Args:
            state: A dict returned by `get_state()`.
        """
        self._resumed_state = dict(state)
        self._load_state(self._resumed_state)

    def _load_state(self, state):
        self.best = state["best"]
        self.best_epoch = state["best_epoch"]

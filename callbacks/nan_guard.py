import logging
import math

import keras
from keras import ops

from keras_recipes.callbacks._model_state import restore_snapshot
from keras_recipes.callbacks._model_state import sync_variables
from keras_recipes.callbacks._model_state import take_snapshot
from keras_recipes.callbacks._model_state import weights_are_finite

logger = logging.getLogger(__name__)


class NaNGuard(keras.callbacks.Callback):
    """Recovers from a non-finite loss instead of ending the run.

    The guard keeps the last good state of the model in memory: its weights
    and the optimizer's variables (slots, iteration counter, learning rate),
    copied at the start of training, at every epoch end whose weights are
    finite, and every `snapshot_every` batches if set. When a batch loss is
    NaN or infinite, or the weights are not finite at an epoch end (NaN
    weights behind a ReLU can still give a finite loss), it:

    1. restores that state, and resets the epoch's running metrics (they
       include the bad batch), so the epoch's logged metrics cover only the
       batches after the recovery;
    2. multiplies a float learning rate by `factor`;
    3. continues with the next batch.

    After `max_retries` recoveries within one `fit()`, it restores the last
    good state once more, logs an error and stops training
    (`model.stop_training = True`, `self.exhausted = True`) instead of
    raising: the other callbacks still end the run cleanly, and the model in
    memory and in any checkpoint holds finite weights. Check `exhausted` (or
    the log) to fail a run.

    With a `LearningRateSchedule` the rate is computed inside the compiled
    train step and cannot be changed from a callback: the guard then only
    restores and retries (restoring the iteration counter rewinds the
    schedule to the snapshot), and warns that `factor` is not applied. To
    retry with a lower rate under a schedule, lower the schedule's peak and
    resume from a checkpoint.

    Checkpoint callbacks of this package (`AtomicCheckpoint`,
    `TrainingCheckpoint`) never write non-finite weights.

    Args:
        factor: Float in `(0, 1)`. Multiplies the learning rate at every
            recovery. Defaults to `0.5`.
        max_retries: Integer >= 0. Recoveries allowed per `fit()` call.
            Defaults to `3`.
        snapshot_every: Integer >= 1, or `None`. Also take a snapshot every
            this many batches (a copy of all weights: keep it coarse). `None`
            snapshots at epoch ends only. Defaults to `None`.
        verbose: 0 or 1; 1 prints a message at each recovery. Defaults to
            `1`.

    Raises:
        ValueError: If an argument is out of range.

    Example:

    ```python
    guard = NaNGuard(factor=0.5, max_retries=3)
    model.fit(x, y, epochs=20, callbacks=[guard])
    if guard.exhausted:
        raise RuntimeError("Training diverged.")
    ```
    """

    # Its batch checks work per call of a multi-step train function.
    handles_steps_per_execution = True

    def __init__(self, factor=0.5, max_retries=3, snapshot_every=None, verbose=1):
        super().__init__()
        if not 0 < factor < 1:
            raise ValueError(f"`factor` must be in (0, 1). Received: factor={factor}")
        if int(max_retries) < 0:
            raise ValueError(
                f"`max_retries` must be >= 0. Received: max_retries={max_retries}"
            )
        if snapshot_every is not None and int(snapshot_every) < 1:
            raise ValueError(
                "`snapshot_every` must be >= 1 or None. "
                f"Received: snapshot_every={snapshot_every}"
            )
        self.factor = factor
        self.max_retries = int(max_retries)
        self.snapshot_every = snapshot_every
        self.verbose = verbose
        self.retries = 0
        self.exhausted = False

    def on_train_begin(self, logs=None):
        # Allow instances to be re-used across `model.fit()` calls.
        self.retries = 0
        self.exhausted = False
        self._batches = 0
        self._snapshot = take_snapshot(self.model)

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)):
            self._batches += 1
            if self.snapshot_every and self._batches % self.snapshot_every == 0:
                self._take_snapshot()
            return
        self._recover(f"Batch {batch}: non-finite loss")

    def on_epoch_end(self, epoch, logs=None):
        if self.exhausted:
            return
        if weights_are_finite(self.model):
            self._snapshot = take_snapshot(self.model)
        else:
            self._recover(f"Epoch {epoch + 1}: non-finite weights")

    def _take_snapshot(self):
        # A finite loss can still leave non-finite weights after the update.
        sync_variables(self.model)
        if weights_are_finite(self.model):
            self._snapshot = take_snapshot(self.model)

    def _recover(self, event):
        sync_variables(self.model)
        optimizer = self.model.optimizer
        rate = float(ops.convert_to_numpy(optimizer.learning_rate))
        restore_snapshot(self.model, self._snapshot)
        self.model.reset_metrics()
        if self.retries >= self.max_retries:
            self.exhausted = True
            self.model.stop_training = True
            logger.error(
                "NaNGuard: %s after %d recoveries (max_retries=%d); stopping "
                "training with the last finite weights.",
                event,
                self.retries,
                self.max_retries,
            )
            return
        self.retries += 1
        message = (
            f"restored the last finite weights (retry {self.retries}/"
            f"{self.max_retries})"
        )
        try:
            optimizer.learning_rate = rate * self.factor
            message += f", learning rate {rate:.3g} -> {rate * self.factor:.3g}"
        except TypeError:
            message += "; the learning rate is a schedule and was not lowered"
            logger.warning("NaNGuard: %s, %s.", event, message)
        if self.verbose > 0:
            print(f"\n{event}, {message}.")

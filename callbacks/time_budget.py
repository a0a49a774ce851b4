import time

import keras


class TimeBudget(keras.callbacks.Callback):
    """Stops training once a wall-clock budget is spent.

    The elapsed time is checked after every batch, so training stops within
    one batch of the budget; the interrupted epoch still ends normally
    (validation, epoch-end callbacks) with the batches it ran. The budget
    counts from the start of each `fit()`, and across resumes: `get_state()`
    returns the elapsed seconds, and after `set_state()` (as done by
    `TrainingCheckpoint`) the next `fit()` starts from them.

    Args:
        seconds: Float > 0. The budget in seconds.
        verbose: 0 or 1; 1 prints a message when the budget stops training.
            Defaults to `0`.

    Raises:
        ValueError: If `seconds` <= 0.

    Example:

    ```python
    model.fit(x, y, epochs=1000, callbacks=[TimeBudget(seconds=600)])
    ```
    """

    # Checking the clock once per multi-step call is enough.
    handles_steps_per_execution = True

    def __init__(self, seconds, verbose=0):
        super().__init__()
        if seconds <= 0:
            raise ValueError(f"`seconds` must be > 0. Received: seconds={seconds}")
        self.seconds = float(seconds)
        self.verbose = verbose
        self.stopped = False
        self._previous_elapsed = 0.0
        self._resumed_elapsed = None
        self._start = None

    @property
    def elapsed(self):
        """Seconds spent so far, including runs before a resume."""
        if self._start is None:
            return self._previous_elapsed
        return self._previous_elapsed + time.monotonic() - self._start

    def on_train_begin(self, logs=None):
        # Allow instances to be re-used across `model.fit()` calls.
        self.stopped = False
        self._previous_elapsed = self._resumed_elapsed or 0.0
        self._resumed_elapsed = None
        self._start = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        if self.elapsed >= self.seconds:
            self.stopped = True
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self._previous_elapsed = self.elapsed
        self._start = None
        if self.stopped and self.verbose > 0:
            print(
                f"TimeBudget: stopped after {self.elapsed:.1f}s "
                f"(budget {self.seconds:.1f}s)."
            )

    def get_state(self):
        """Returns the elapsed seconds as a dict."""
        return {"elapsed": self.elapsed}

    def set_state(self, state):
        """Restores the elapsed seconds from `get_state()`.

        Args:
            state: A dict returned by `get_state()`.
        """
        self._resumed_elapsed = float(state["elapsed"])
        self._previous_elapsed = self._resumed_elapsed

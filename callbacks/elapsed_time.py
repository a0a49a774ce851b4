"""ElapsedTime: the wall time since training began, in each epoch's logs."""

import time

import keras


class ElapsedTime(keras.callbacks.Callback):
    """Adds `seconds`, the wall time since `fit` began, to each epoch's logs.

    Keras's `History` keeps epochs, not time. With this callback a history
    gets a cumulative `seconds` column (one-off tracing included), so
    curves can be drawn against wall-clock time and "seconds to a target"
    read off. It adds no host sync: it only reads the clock at epoch ends.

    Example:

    >>> history = model.fit(x, y, epochs=5, callbacks=[ElapsedTime()])
    >>> history.history["seconds"]  # cumulative, one value per epoch
    """

    def on_train_begin(self, logs=None):
        # Reset here, so one instance can be reused across fit() calls.
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["seconds"] = time.perf_counter() - self.started

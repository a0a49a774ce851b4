import keras
from keras import ops


class LearningRateLogger(keras.callbacks.Callback):
    """Adds the current learning rate to the epoch logs.

    At every epoch end it sets `logs["learning_rate"]` to the optimizer's
    current rate (for a schedule, its value at the current step), so the
    rate lands in `History`, `CSVLogger` and `TensorBoard`; put this
    callback before them in the list.

    Example:

    ```python
    history = model.fit(x, y, epochs=10, callbacks=[LearningRateLogger()])
    history.history["learning_rate"]
    ```
    """

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            rate = self.model.optimizer.learning_rate
            logs["learning_rate"] = float(ops.convert_to_numpy(rate))

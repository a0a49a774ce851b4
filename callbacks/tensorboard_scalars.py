import numbers
import os
import time

import keras


class TensorBoardScalars(keras.callbacks.Callback):
    """Writes the epoch logs as TensorBoard scalars, on every backend.

    The layout is the one `keras.callbacks.TensorBoard(update_freq="epoch")`
    writes without histograms or graph: `log_dir/train` holds `loss`, the
    metrics and anything else in the logs (such as `learning_rate`), and
    `log_dir/validation` the `val_` keys, each as `epoch_<name>` with the
    epoch as step. Keras' callback writes through `tf.summary`, so it needs
    TensorFlow installed even on the JAX backend; this one writes with
    `tensorboard`'s own event writer, so a JAX-only or PyTorch-only machine
    (a GPU image without TensorFlow) logs the same files.

    Args:
        log_dir: The folder TensorBoard reads (`tensorboard --logdir`).

    Example:

    ```python
    model.fit(x, y, validation_data=(x_val, y_val), epochs=10,
              callbacks=[TensorBoardScalars("runs/mine/logs")])
    TensorBoardScalars("runs/lbfgs/logs").write_history(history)  # after the fact
    ```
    """

    def __init__(self, log_dir):
        super().__init__()
        if not isinstance(log_dir, (str, os.PathLike)) or not str(log_dir):
            raise ValueError(f"The 'log_dir' parameter of TensorBoardScalars must be a "
                             f"folder path. Got {log_dir!r} instead.")
        self.log_dir = str(log_dir)
        self._writers = {}

    def on_epoch_end(self, epoch, logs=None):
        self._write(epoch, logs or {})
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        self._close()

    def write_history(self, history):
        """Writes a finished history dict (`{key: [one value per epoch]}`)."""
        try:
            for key, values in history.items():
                for epoch, value in enumerate(values):
                    self._write(epoch, {key: value})
        finally:
            self._close()

    def _write(self, epoch, logs):
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import Summary

        for key, value in logs.items():
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                continue
            part, name = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            summary = Summary(value=[Summary.Value(tag=f"epoch_{name}",
                                                   simple_value=float(value))])
            self._writer(part).add_event(
                Event(wall_time=time.time(), step=int(epoch), summary=summary))

    def _writer(self, part):
        if part not in self._writers:
            from tensorboard.summary.writer.event_file_writer import EventFileWriter

            self._writers[part] = EventFileWriter(os.path.join(self.log_dir, part))
        return self._writers[part]

    def _close(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

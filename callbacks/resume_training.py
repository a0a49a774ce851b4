"""Resume a `fit()` from the `TrainingCheckpoint` among its callbacks."""

import csv
import io
import os

import keras

from keras_recipes.callbacks import atomic_files
from keras_recipes.callbacks.training_checkpoint import TrainingCheckpoint


def resume_training(model, callbacks):
    """Restores `model` and `callbacks` from the last `TrainingCheckpoint`.

    Finds the `TrainingCheckpoint` in `callbacks` (for example the list made
    by `standard_callbacks(..., resume=True)`) and calls its `restore()`.
    The log of a `keras.callbacks.CSVLogger` among `callbacks` is cut back
    to the restored epochs, so an epoch logged after the last checkpoint
    (killed in between) is written once, by the resumed run.

    Args:
        model: The compiled model, built as in the interrupted run.
        callbacks: The callbacks list that will be passed to `fit()`.

    Returns:
        The epoch to pass as `fit(initial_epoch=...)`: the number of epochs
        completed before the interruption, or `0` on a fresh start.

    Raises:
        ValueError: If `callbacks` holds no `TrainingCheckpoint`.

    Example:

    ```python
    callbacks = standard_callbacks("runs/mnist", resume=True)
    initial_epoch = resume_training(model, callbacks)
    model.fit(x, y, epochs=50, initial_epoch=initial_epoch,
              callbacks=callbacks)
    ```
    """
    for callback in callbacks:
        if isinstance(callback, TrainingCheckpoint):
            epoch = callback.restore(model)
            for logger in callbacks:
                if isinstance(logger, keras.callbacks.CSVLogger):
                    _keep_logged_epochs(logger.filename, epoch)
            return epoch
    raise ValueError(
        "`callbacks` holds no TrainingCheckpoint to resume from. Received: "
        f"{[type(callback).__name__ for callback in callbacks]}"
    )


def _keep_logged_epochs(path, epochs):
    """Keeps the header and the rows of the first `epochs` epochs of a CSV log."""
    if not os.path.exists(path):
        return
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    if not rows or "epoch" not in rows[0]:
        return
    column = rows[0].index("epoch")
    kept = [rows[0]] + [row for row in rows[1:] if row and int(row[column]) < epochs]
    if len(kept) != len(rows):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(kept)
        atomic_files.write_text(path, buffer.getvalue())

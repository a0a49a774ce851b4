"""Resume a `fit()` from the `TrainingCheckpoint` among its callbacks."""

from keras_recipes.callbacks.training_checkpoint import TrainingCheckpoint


def resume_training(model, callbacks):
    """Restores `model` and `callbacks` from the last `TrainingCheckpoint`.

    Finds the `TrainingCheckpoint` in `callbacks` (for example the list made
    by `standard_callbacks(..., resume=True)`) and calls its `restore()`.

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
            return callback.restore(model)
    raise ValueError(
        "`callbacks` holds no TrainingCheckpoint to resume from. Received: "
        f"{[type(callback).__name__ for callback in callbacks]}"
    )

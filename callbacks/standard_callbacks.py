"""The callback stack every recipe uses, in the right order."""

import os

import keras

from keras_recipes.callbacks.atomic_checkpoint import AtomicCheckpoint
from keras_recipes.callbacks.early_stopping import EarlyStopping
from keras_recipes.callbacks.learning_rate_logger import LearningRateLogger
from keras_recipes.callbacks.nan_guard import NaNGuard
from keras_recipes.callbacks.tensorboard_scalars import TensorBoardScalars
from keras_recipes.callbacks.time_budget import TimeBudget
from keras_recipes.callbacks.training_checkpoint import TrainingCheckpoint


def standard_callbacks(
    run_dir,
    monitor="val_loss",
    patience=10,
    min_epochs=0,
    mode="auto",
    resume=False,
    time_budget=None,
    progress=False,
    tensorboard=False,
):
    """Builds the standard callback stack of a training run.

    In order (the order matters: loggers see what earlier callbacks add,
    and the resume checkpoint sees the other callbacks' updated states):

    1. `NaNGuard()`: recovers from a non-finite batch loss.
    2. `LearningRateLogger()`: puts `learning_rate` in the logs.
    3. `EarlyStopping(monitor, patience, min_epochs, mode,
       restore_best_weights=True, divergence_factor=10.0)`.
    4. `AtomicCheckpoint(run_dir/checkpoints, monitor, mode)`: `best.keras`
       and the last epoch, crash-safe, never with non-finite weights.
    5. `keras.callbacks.CSVLogger(run_dir/history.csv)`, appending on resume.
    6. `TensorBoardScalars(run_dir/logs)`, if `tensorboard`: scalars once
       per epoch (the losses, metrics and `learning_rate`) in the layout of
       `keras.callbacks.TensorBoard`, without needing TensorFlow; view with
       `tensorboard --logdir run_dir`.
    7. `TimeBudget(time_budget)`, if `time_budget` is set.
    8. tqdm's `TqdmCallback(verbose=0)`, one bar over the epochs, if
       `progress` (then call `fit(verbose=0)`).
    9. `TrainingCheckpoint(run_dir/resume, ...)`, if `resume`: tracks the
       states of early stopping, the checkpoint and the time budget.

    The learning rate schedule is not a callback: pass it to the optimizer
    (see `create_schedule`).

    Args:
        run_dir: The run directory; created if missing.
        monitor: Quantity for early stopping and the best checkpoint.
            Defaults to `"val_loss"`.
        patience: Epochs without improvement before stopping. Defaults to
            `10`.
        min_epochs: Never stop for patience before this many epochs.
            Defaults to `0`.
        mode: `"auto"`, `"min"` or `"max"` for `monitor`. Defaults to
            `"auto"`.
        resume: Whether to add a `TrainingCheckpoint`; then call
            `resume_training(model, callbacks)` before `fit()`. Defaults to
            `False`.
        time_budget: Seconds of training before stopping, or `None`.
            Defaults to `None`.
        progress: Whether to add a tqdm progress bar. Defaults to `False`.
        tensorboard: Whether to log per-epoch scalars for TensorBoard under
            `run_dir/logs` (needs TensorFlow installed, any backend).
            Defaults to `False`.

    Returns:
        A list of callbacks for `model.fit(callbacks=...)`.

    Example:

    ```python
    callbacks = standard_callbacks("runs/digits", monitor="val_loss",
                                   patience=5, resume=True)
    initial_epoch = resume_training(model, callbacks)
    model.fit(x, y, validation_data=(x_val, y_val), epochs=50,
              initial_epoch=initial_epoch, callbacks=callbacks)
    ```
    """
    run_dir = os.fspath(run_dir)
    os.makedirs(run_dir, exist_ok=True)
    early_stopping = EarlyStopping(
        monitor=monitor,
        patience=patience,
        mode=mode,
        min_epochs=min_epochs,
        restore_best_weights=True,
        divergence_factor=10.0,
    )
    checkpoint = AtomicCheckpoint(
        os.path.join(run_dir, "checkpoints"), monitor=monitor, mode=mode
    )
    callbacks = [
        NaNGuard(),
        LearningRateLogger(),
        early_stopping,
        checkpoint,
        keras.callbacks.CSVLogger(
            os.path.join(run_dir, "history.csv"), append=resume
        ),
    ]
    if tensorboard:
        callbacks.append(TensorBoardScalars(os.path.join(run_dir, "logs")))
    stateful = [early_stopping, checkpoint]
    if time_budget is not None:
        callbacks.append(TimeBudget(time_budget))
        stateful.append(callbacks[-1])
    if progress:
        from tqdm.keras import TqdmCallback

        callbacks.append(TqdmCallback(verbose=0))
    if resume:
        callbacks.append(
            TrainingCheckpoint(os.path.join(run_dir, "resume"), callbacks=stateful)
        )
    return callbacks

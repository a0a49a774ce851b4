import glob
import json
import os
import warnings

import keras

from keras_recipes.callbacks import atomic_files
from keras_recipes.callbacks._model_state import weights_are_finite

_STATE_FILE = "state.json"


class TrainingCheckpoint(keras.callbacks.Callback):
    """Saves everything needed to resume an interrupted `fit()`.

    At the end of every epoch it writes, into `directory`:

    1. `model-0005.keras`: the model with its optimizer state. The
       optimizer's iteration counter is part of that state, so a learning
       rate schedule resumes at the right step.
    2. `state.json`: the number of completed epochs, the name of that model
       file, and the `get_state()` dict of each callback in `callbacks`
       (early stopping counters, best checkpoint value, elapsed time, ...).

    Both are written atomically (temporary file, then rename), and
    `state.json` is written last: it is the commit record. A kill at any
    moment leaves a `state.json` that names a complete model file from the
    same epoch. Older model files are deleted after the commit. An epoch whose
    weights are not finite is not saved (the previous one is kept).

    `restore(model)` (or `resume_training(model, callbacks)`) puts the model,
    the optimizer and the callbacks back and returns the epoch to pass as
    `fit(initial_epoch=...)`. The run then continues as if it had not been
    interrupted, provided the data order does not depend on how many epochs
    ran in this process (use `shuffle=False`, or a dataset shuffled with a
    seed derived from the epoch).

    Put it after the callbacks it tracks in the `fit()` callbacks list, so
    the saved states include the epoch that just ended. Not saved: the
    in-memory best weights of `EarlyStopping` and the running
    average of `StochasticWeightAveraging`.

    Args:
        directory: Folder for the checkpoint files; created if missing.
        callbacks: Callbacks whose state to save and restore; each must have
            `get_state()` and `set_state(state)`. Give the same callbacks, in
            the same order, when resuming. Defaults to `()`.

    Raises:
        ValueError: If a callback lacks `get_state` or `set_state`.

    Example:

    ```python
    early_stopping = EarlyStopping(patience=5)
    resume = TrainingCheckpoint("runs/mnist/resume", callbacks=[early_stopping])
    initial_epoch = resume.restore(model)  # 0 on a fresh start
    model.fit(x, y, epochs=50, initial_epoch=initial_epoch,
              callbacks=[early_stopping, resume])
    ```
    """

    def __init__(self, directory, callbacks=()):
        super().__init__()
        callbacks = list(callbacks)
        for callback in callbacks:
            if not (hasattr(callback, "get_state") and hasattr(callback, "set_state")):
                raise ValueError(
                    "Each callback must have `get_state()` and `set_state()`. "
                    f"Received: {type(callback).__name__}"
                )
        self.directory = os.fspath(directory)
        self.callbacks = callbacks

    @property
    def state_path(self):
        """Path of the commit record, `directory/state.json`."""
        return os.path.join(self.directory, _STATE_FILE)

    def on_epoch_end(self, epoch, logs=None):
        if not weights_are_finite(self.model):
            warnings.warn(
                f"Epoch {epoch + 1}: the weights are not finite; "
                "TrainingCheckpoint keeps the previous checkpoint.",
                stacklevel=2,
            )
            return
        model_file = f"model-{epoch + 1:04d}.keras"
        atomic_files.save_model(self.model, os.path.join(self.directory, model_file))
        state = {
            "epoch": epoch + 1,
            "model": model_file,
            "callbacks": [
                {"class_name": type(callback).__name__, "state": callback.get_state()}
                for callback in self.callbacks
            ],
        }
        atomic_files.write_json(self.state_path, state)
        for path in glob.glob(os.path.join(self.directory, "model-*.keras")):
            if os.path.basename(path) != model_file:
                os.remove(path)

    def restore(self, model):
        """Loads the last checkpoint into `model` and the callbacks.

        Args:
            model: The compiled model, built as in the interrupted run. Its
                weights and optimizer state are overwritten.

        Temporary files a kill left in `directory` are removed first.

        Returns:
            The number of completed epochs, for `fit(initial_epoch=...)`;
            `0` (and nothing else is changed) when there is no checkpoint.

        Raises:
            ValueError: If the saved callbacks do not match `callbacks`.
        """
        # A kill during a write leaves its temporary file (`.model-0011.*.tmp.keras`).
        for leftover in glob.glob(os.path.join(self.directory, ".*.tmp*")):
            os.remove(leftover)
        if not os.path.exists(self.state_path):
            return 0
        with open(self.state_path, encoding="utf-8") as file:
            state = json.load(file)
        saved = [entry["class_name"] for entry in state["callbacks"]]
        expected = [type(callback).__name__ for callback in self.callbacks]
        if saved != expected:
            raise ValueError(
                f"The checkpoint in {self.directory} holds the states of "
                f"{saved}, but `callbacks` is {expected}."
            )
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        model.load_weights(os.path.join(self.directory, state["model"]))
        for callback, entry in zip(self.callbacks, state["callbacks"]):
            callback.set_state(entry["state"])
        return state["epoch"]

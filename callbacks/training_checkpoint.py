import glob
import json
import os
import random
import warnings

import keras
import numpy as np

from keras_recipes.callbacks import atomic_files
from keras_recipes.callbacks._model_state import weights_are_finite

_STATE_FILE = "state.json"
_ARRAY = "__array__"


class TrainingCheckpoint(keras.callbacks.Callback):
    """Saves everything needed to resume an interrupted `fit()` exactly.

    At the end of every epoch it writes, into `directory`:

    1. `model-0005.keras`: the model with its optimizer state. The
       optimizer's iteration counter is part of that state, so a learning
       rate schedule resumes at the right step, and so is a learning rate
       lowered by `ReduceLROnPlateau`.
    2. `arrays-0005.npz`, if a tracked callback's state holds arrays (the
       best weights of `EarlyStopping(restore_best_weights=True)`, the
       running average of `StochasticWeightAveraging`).
    3. `state.json`: the number of completed epochs, the names of those
       files, whether training had been stopped (by early stopping, a time
       budget, ...), the `get_state()` dict of each callback in `callbacks`,
       and the random state that decides the rest of the trajectory: the
       model's `SeedGenerator` states (dropout masks, noise; a `.keras` file
       does not hold them) and the global NumPy and Python generators (the
       JAX and NumPy data pipelines draw each epoch's shuffling order from
       NumPy's).

    Every file is written atomically (temporary file, then rename), and
    `state.json` is written last: it is the commit record. A kill at any
    moment leaves a `state.json` that names complete files from the same
    epoch. Older files are deleted after the commit. An epoch whose weights
    are not finite is not saved (the previous one is kept).

    `restore(model)` (or `resume_training(model, callbacks)`) puts the
    model, the optimizer, the random state and the callbacks back and
    returns the epoch to pass as `fit(initial_epoch=...)`. On the CPU the
    resumed run then ends with the same weights, bit for bit, as a run that
    was never interrupted, provided the process is seeded the same way
    (`keras.utils.set_random_seed`) and builds the same model and callbacks.
    (With a global seed, TensorFlow's shuffling of arrays repeats one order
    in every epoch, so it does not depend on where a run was resumed.) A
    checkpoint of a run that had stopped makes the resumed `fit()` run no
    further epoch: the callbacks only end it (restoring the best weights).

    Put it after the callbacks it tracks in the `fit()` callbacks list, so
    the saved states include the epoch that just ended.

    Args:
        directory: Folder for the checkpoint files; created if missing.
        callbacks: Callbacks whose state to save and restore; each must have
            `get_state()` and `set_state(state)`. A state is a dict of JSON
            values and NumPy arrays. Give the same callbacks, in the same
            order, when resuming. Defaults to `()`.

    Raises:
        ValueError: If a callback lacks `get_state` or `set_state`.

    Example:

    ```python
    early_stopping = EarlyStopping(patience=5, restore_best_weights=True)
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
        self._global_random = None
        self._stopped = False
        self._skipped_epochs = False

    @property
    def state_path(self):
        """Path of the commit record, `directory/state.json`."""
        return os.path.join(self.directory, _STATE_FILE)

    def on_train_begin(self, logs=None):
        # Set here, not in `restore()`: `fit()` may draw from NumPy before
        # its first epoch (the JAX trainer shuffles once to take a batch that
        # builds the metrics), in the interrupted run as in this one.
        if self._global_random is not None:
            np.random.set_state(_numpy_state(self._global_random["numpy"]))
            random.setstate(_python_state(self._global_random["python"]))
            self._global_random = None
        if self._stopped:
            # The way Keras's own BackupAndRestore sets the first epoch.
            self.model._initial_epoch = self.params["epochs"]
            self._stopped, self._skipped_epochs = False, True

    def on_train_end(self, logs=None):
        if self._skipped_epochs:
            self.model._initial_epoch = None
            self._skipped_epochs = False

    def on_epoch_end(self, epoch, logs=None):
        if not weights_are_finite(self.model):
            warnings.warn(
                f"Epoch {epoch + 1}: the weights are not finite; "
                "TrainingCheckpoint keeps the previous checkpoint.",
                stacklevel=2,
            )
            return
        tag = f"{epoch + 1:04d}"
        model_file = f"model-{tag}.keras"
        atomic_files.save_model(self.model, os.path.join(self.directory, model_file))
        arrays = {}
        state = {
            "epoch": epoch + 1,
            "model": model_file,
            "stopped": bool(self.model.stop_training),
            "random": {
                "seed_generators": [
                    keras.ops.convert_to_numpy(variable).tolist()
                    for variable in _seed_states(self.model)
                ],
                "numpy": _jsonable_numpy_state(np.random.get_state()),
                "python": random.getstate(),
            },
            "callbacks": [
                {"class_name": type(callback).__name__,
                 "state": _pack(callback.get_state(), arrays)}
                for callback in self.callbacks
            ],
        }
        kept = {model_file}
        if arrays:
            state["arrays"] = f"arrays-{tag}.npz"
            kept.add(state["arrays"])
            with atomic_files.atomic_path(
                os.path.join(self.directory, state["arrays"])
            ) as temporary:
                np.savez(temporary, **arrays)
        atomic_files.write_json(self.state_path, state)
        for pattern in ("model-*.keras", "arrays-*.npz"):
            for path in glob.glob(os.path.join(self.directory, pattern)):
                if os.path.basename(path) not in kept:
                    os.remove(path)

    def restore(self, model):
        """Loads the last checkpoint into `model`, the random state and the callbacks.

        Temporary files a kill left in `directory` are removed first. The
        global NumPy and Python random states are set when the next `fit()`
        begins.

        Args:
            model: The compiled model, built as in the interrupted run. Its
                weights, optimizer state and seed generator states are
                overwritten.

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
        arrays = {}
        if "arrays" in state:
            with np.load(os.path.join(self.directory, state["arrays"])) as stored:
                arrays = {key: stored[key] for key in stored.files}
        saved_random = state.get("random")
        if saved_random is not None:
            for variable, value in zip(_seed_states(model),
                                       saved_random["seed_generators"]):
                variable.assign(np.asarray(value, dtype=variable.dtype))
            self._global_random = saved_random
        self._stopped = state.get("stopped", False)
        for callback, entry in zip(self.callbacks, state["callbacks"]):
            callback.set_state(_unpack(entry["state"], arrays))
        return state["epoch"]


def _seed_states(model):
    """The model's variables that are not weights: its SeedGenerator states."""
    weights = {id(weight) for weight in model.weights}
    return [variable for variable in model.variables if id(variable) not in weights]


def _jsonable_numpy_state(state):
    name, keys, position, has_gauss, cached_gaussian = state
    return [name, keys.tolist(), int(position), int(has_gauss), float(cached_gaussian)]


def _numpy_state(saved):
    name, keys, position, has_gauss, cached_gaussian = saved
    return name, np.asarray(keys, dtype="uint32"), position, has_gauss, cached_gaussian


def _python_state(saved):
    version, internal, gauss_next = saved
    return version, tuple(internal), gauss_next


def _pack(value, arrays):
    """`value` with every NumPy array moved into `arrays`, named in its place."""
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {_ARRAY: key}
    if isinstance(value, dict):
        return {key: _pack(item, arrays) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_pack(item, arrays) for item in value]
    return value


def _unpack(value, arrays):
    """Reverses `_pack`: the named arrays back in their places."""
    if isinstance(value, dict):
        if set(value) == {_ARRAY}:
            return arrays[value[_ARRAY]]
        return {key: _unpack(item, arrays) for key, item in value.items()}
    if isinstance(value, list):
        return [_unpack(item, arrays) for item in value]
    return value

import keras

from keras_recipes.callbacks.early_stopping import monitored_scalar


class ReduceLROnPlateau(keras.callbacks.ReduceLROnPlateau):
    """`keras.callbacks.ReduceLROnPlateau` whose counters survive a resume.

    Identical to Keras's callback (same arguments, same behaviour), plus
    `get_state()` / `set_state()` for `TrainingCheckpoint`: the best value,
    the epochs waited and the cooldown counter. The reduced learning rate
    itself is an optimizer variable and is restored with the model. A
    vector-valued monitor (a per-class metric) is monitored by its mean, with
    a warning, where Keras's own callback fails.

    Example:

    ```python
    plateau = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=3)
    resume = TrainingCheckpoint("runs/x/resume", callbacks=[plateau])
    ```
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._resumed_state = None
        self._warned_vectors = set()

    def on_epoch_end(self, epoch, logs=None):
        # Keras adds `learning_rate` to these very logs, so they are modified in
        # place: the monitored vector is its mean during the call, then restored.
        original = None if logs is None else logs.get(self.monitor)
        if original is not None:
            logs[self.monitor] = monitored_scalar(original, self.monitor,
                                                  self._warned_vectors)
        try:
            super().on_epoch_end(epoch, logs)
        finally:
            if original is not None:
                logs[self.monitor] = original

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self._resumed_state is not None:
            self._load_state(self._resumed_state)
            self._resumed_state = None

    def get_state(self):
        """Returns `best`, `wait` and `cooldown_counter` as a dict."""
        return {
            "best": None if self.best is None else float(self.best),
            "wait": int(self.wait),
            "cooldown_counter": int(self.cooldown_counter),
        }

    def set_state(self, state):
        """Restores the counters from `get_state()`; they survive `fit()`'s reset.

        Args:
            state: A dict returned by `get_state()`.
        """
        self._resumed_state = dict(state)
        self._load_state(self._resumed_state)

    def _load_state(self, state):
        self.best = state["best"]
        self.wait = state["wait"]
        self.cooldown_counter = state["cooldown_counter"]

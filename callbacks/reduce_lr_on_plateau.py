import keras


class ReduceLROnPlateau(keras.callbacks.ReduceLROnPlateau):
    """`keras.callbacks.ReduceLROnPlateau` whose counters survive a resume.

    Identical to Keras's callback (same arguments, same behaviour), plus
    `get_state()` / `set_state()` for `TrainingCheckpoint`: the best value,
    the epochs waited and the cooldown counter. The reduced learning rate
    itself is an optimizer variable and is restored with the model.

    Example:

    ```python
    plateau = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=3)
    resume = TrainingCheckpoint("runs/x/resume", callbacks=[plateau])
    ```
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._resumed_state = None

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

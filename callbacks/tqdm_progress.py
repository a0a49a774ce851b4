import keras
from tqdm.auto import tqdm


class TqdmProgress(keras.callbacks.Callback):
    """A compact tqdm progress bar for `fit()`; use it with `verbose=0`.

    With `unit="batch"` one bar counts the batches of the whole `fit()`
    (all epochs) and shows the latest loss and the last epoch's metrics;
    with `unit="epoch"` it counts epochs. For nested runs (a sweep with an
    outer bar over trials), give the inner bars `position=1, leave=False`
    so they redraw under the outer bar instead of piling up.

    Args:
        unit: `"batch"` or `"epoch"`. Defaults to `"batch"`.
        desc: String shown before the bar. Defaults to `"fit"`.
        position: Line of the bar, for nested bars. Defaults to `None`.
        leave: Whether the finished bar stays on screen. Defaults to `True`.

    Raises:
        ValueError: If `unit` is unknown.

    Example:

    ```python
    model.fit(x, y, epochs=20, verbose=0, callbacks=[TqdmProgress()])
    ```
    """

    def __init__(self, unit="batch", desc="fit", position=None, leave=True):
        super().__init__()
        if unit not in ("batch", "epoch"):
            raise ValueError(
                f"`unit` must be 'batch' or 'epoch'. Received: unit={unit}"
            )
        self.unit = unit
        self.desc = desc
        self.position = position
        self.leave = leave
        self.bar = None
        self._metrics = {}

    def on_epoch_begin(self, epoch, logs=None):
        if self.bar is not None:
            return
        epochs, steps = self.params.get("epochs"), self.params.get("steps")
        per_epoch = steps if self.unit == "batch" else 1
        self.bar = tqdm(
            total=None if per_epoch is None else epochs * per_epoch,
            initial=0 if per_epoch is None else epoch * per_epoch,
            desc=self.desc,
            unit=self.unit,
            position=self.position,
            leave=self.leave,
            dynamic_ncols=True,
        )

    def on_train_batch_end(self, batch, logs=None):
        if self.unit == "batch":
            if logs and "loss" in logs:
                self._metrics["loss"] = f"{float(logs['loss']):.4g}"
            self.bar.set_postfix(self._metrics, refresh=False)
            self.bar.update(1)

    def on_epoch_end(self, epoch, logs=None):
        self._metrics = {"epoch": epoch + 1}
        self._metrics.update({k: f"{float(v):.4g}" for k, v in (logs or {}).items()})
        self.bar.set_postfix(self._metrics, refresh=False)
        if self.unit == "epoch":
            self.bar.update(1)

    def on_train_end(self, logs=None):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

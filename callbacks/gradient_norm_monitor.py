import math
import warnings

import keras

from keras_recipes.callbacks.gradient_norms import gradient_norms


class GradientNormMonitor(keras.callbacks.Callback):
    """Logs the gradient norm on a fixed probe batch at every epoch end.

    Adds `gradient_norm` (the global L2 norm over all trainable weights) to
    the epoch logs, so it lands in `History`, `CSVLogger` and `TensorBoard`
    (put this callback before them). With `per_layer=True` it also adds
    `gradient_norm/<layer name>` for every top-level layer with weights.
    It warns when the global norm falls below `vanishing_threshold` or rises
    above `exploding_threshold`, or is not finite.

    The gradients are computed by `gradient_norms()` on the same batch
    every epoch, in inference mode, so the values are comparable across
    epochs and the probe changes no state. A probe of a few hundred samples
    is plenty.

    Args:
        x: Probe inputs (a fixed batch, e.g. `x_train[:256]`).
        y: Probe targets.
        per_layer: Whether to log per-layer norms too. Defaults to `False`.
        vanishing_threshold: Float. Warn below this global norm. Defaults to
            `1e-7`.
        exploding_threshold: Float. Warn above this global norm. Defaults to
            `1e3`.

    Raises:
        ValueError: If `vanishing_threshold >= exploding_threshold`.

    Example:

    ```python
    monitor = GradientNormMonitor(x_train[:256], y_train[:256], per_layer=True)
    history = model.fit(x_train, y_train, epochs=10, callbacks=[monitor])
    history.history["gradient_norm"]
    ```
    """

    def __init__(
        self,
        x,
        y,
        per_layer=False,
        vanishing_threshold=1e-7,
        exploding_threshold=1e3,
    ):
        super().__init__()
        if not 0 <= vanishing_threshold < exploding_threshold:
            raise ValueError(
                "Expected 0 <= vanishing_threshold < exploding_threshold. "
                f"Received: vanishing_threshold={vanishing_threshold}, "
                f"exploding_threshold={exploding_threshold}"
            )
        self.x = x
        self.y = y
        self.per_layer = per_layer
        self.vanishing_threshold = vanishing_threshold
        self.exploding_threshold = exploding_threshold

    def on_epoch_end(self, epoch, logs=None):
        norms = gradient_norms(self.model, self.x, self.y)
        global_norm = math.sqrt(sum(norm**2 for norm in norms.values()))
        if logs is not None:
            logs["gradient_norm"] = global_norm
            if self.per_layer:
                for name, norm in norms.items():
                    logs[f"gradient_norm/{name}"] = norm
        problem = None
        if not math.isfinite(global_norm) or global_norm > self.exploding_threshold:
            problem = "exploding"
        elif global_norm < self.vanishing_threshold:
            problem = "vanishing"
        if problem:
            warnings.warn(
                f"Epoch {epoch + 1}: {problem} gradients, global gradient "
                f"norm {global_norm:.3g} (per layer: "
                + ", ".join(f"{name}={norm:.3g}" for name, norm in norms.items())
                + ")",
                stacklevel=2,
            )

import keras
import numpy as np

from keras_recipes.callbacks._model_state import weights_are_finite


class StochasticWeightAveraging(keras.callbacks.Callback):
    """Averages the weights of the last epochs (SWA, Izmailov et al., 2018).

    From epoch `start_epoch` (0-based) on, the weights at every epoch end
    are added to a running average. When training ends the average replaces
    the model's weights. Averaged weights do not match the BatchNormalization
    statistics collected along the way, so if the model has
    BatchNormalization layers and `batchnorm_data` is given, their moving
    mean and variance are recomputed from scratch with one pass over it (as
    a cumulative average, like `torch.optim.swa_utils.update_bn`). Without
    `batchnorm_data` the averaged statistics are kept.

    `get_state()` / `set_state()` hold the running average, so a
    `TrainingCheckpoint` tracking this callback resumes the average where a
    killed run left it.

    SWA works best with a constant or cyclical learning rate during the
    averaging epochs. For an exponential moving average of the weights at
    every step instead, Keras has it built in: create the optimizer with
    `use_ema=True` (and `ema_momentum=0.99`) and add
    `keras.callbacks.SwapEMAWeights()` to evaluate with the averaged weights.

    Args:
        start_epoch: Integer >= 0. First epoch whose weights are averaged.
            Defaults to `0`.
        batchnorm_data: Training inputs (an array, or an iterable of input
            batches or of `(x, y)` batches) for recomputing BatchNormalization
            statistics, or `None`. Defaults to `None`.
        batch_size: Integer. Batch size when `batchnorm_data` is an array.
            Defaults to `32`.

    Raises:
        ValueError: If `start_epoch` < 0 or `batch_size` < 1.

    Example:

    ```python
    swa = StochasticWeightAveraging(start_epoch=15, batchnorm_data=x_train)
    model.fit(x_train, y_train, epochs=20, callbacks=[swa])
    # The model now holds the averaged weights.
    ```
    """

    def __init__(self, start_epoch=0, batchnorm_data=None, batch_size=32):
        super().__init__()
        if int(start_epoch) < 0:
            raise ValueError(
                f"`start_epoch` must be >= 0. Received: start_epoch={start_epoch}"
            )
        if int(batch_size) < 1:
            raise ValueError(
                f"`batch_size` must be >= 1. Received: batch_size={batch_size}"
            )
        self.start_epoch = int(start_epoch)
        self.batchnorm_data = batchnorm_data
        self.batch_size = int(batch_size)
        self.averaged_epochs = 0
        self._average = None
        self._resumed_state = None

    def on_train_begin(self, logs=None):
        # Allow instances to be re-used across `model.fit()` calls.
        self.averaged_epochs = 0
        self._average = None
        if self._resumed_state is not None:
            self._load_state(self._resumed_state)
            self._resumed_state = None

    def get_state(self):
        """Returns the number of averaged epochs and the running average.

        Returns:
            A dict of `averaged_epochs` and `average` (a list of float64
            NumPy arrays, or `None` before the first averaged epoch).
        """
        return {"averaged_epochs": self.averaged_epochs,
                "average": None if self._average is None else [
                    average.copy() for average in self._average]}

    def set_state(self, state):
        """Restores `get_state()`'s dict; it survives `fit()`'s reset.

        Args:
            state: A dict returned by `get_state()`.
        """
        self._resumed_state = dict(state)
        self._load_state(self._resumed_state)

    def _load_state(self, state):
        self.averaged_epochs = int(state["averaged_epochs"])
        average = state["average"]
        self._average = None if average is None else [
            np.array(value, dtype="float64") for value in average]

    def on_epoch_end(self, epoch, logs=None):
        if epoch < self.start_epoch or not weights_are_finite(self.model):
            return
        weights = self.model.get_weights()
        self.averaged_epochs += 1
        if self._average is None:
            self._average = [np.array(weight, dtype="float64") for weight in weights]
            return
        for average, weight in zip(self._average, weights):
            average += (weight - average) / self.averaged_epochs

    def on_train_end(self, logs=None):
        if self._average is None:
            return
        self.model.set_weights(
            [
                average.astype(weight.dtype)
                for average, weight in zip(self._average, self.model.get_weights())
            ]
        )
        layers = _batchnorm_layers(self.model)
        if layers and self.batchnorm_data is not None:
            self._recompute_batchnorm(layers)

    def _recompute_batchnorm(self, layers):
        momenta = [layer.momentum for layer in layers]
        for layer in layers:
            layer.moving_mean.assign(np.zeros(layer.moving_mean.shape))
            layer.moving_variance.assign(np.ones(layer.moving_variance.shape))
        for count, batch in enumerate(self._batches(), start=1):
            # moving = momentum * moving + (1 - momentum) * batch statistic,
            # so momentum = (n - 1) / n keeps the plain mean of n batches.
            for layer in layers:
                layer.momentum = (count - 1) / count
            self.model(batch, training=True)
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum

    def _batches(self):
        data = self.batchnorm_data
        if hasattr(data, "shape"):
            for start in range(0, len(data), self.batch_size):
                yield data[start : start + self.batch_size]
            return
        for batch in data:
            yield batch[0] if isinstance(batch, tuple) else batch


def _batchnorm_layers(model):
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            found.append(layer)
        elif hasattr(layer, "layers"):
            found.extend(_batchnorm_layers(layer))
    return found

import keras
from keras import ops

_MOMENTUM_ATTRIBUTES = ("momentum", "beta_1")


class _Hyperparameter(keras.Variable):
    """A variable standing in for an optimizer's float hyperparameter (TF).

    Optimizers test `if self.momentum != 0` in Python while tracing their
    update step; a variable would make that test symbolic, so comparisons use
    the float it replaced. Arithmetic reads the variable's current value.
    """

    def __init__(self, value, **kwargs):
        super().__init__(value, trainable=False, **kwargs)
        self._static_value = float(value)

    def __eq__(self, other):
        return self._static_value == other

    def __ne__(self, other):
        return self._static_value != other

    def __gt__(self, other):
        return self._static_value > other

    def __lt__(self, other):
        return self._static_value < other

    __hash__ = keras.Variable.__hash__


class CyclicalMomentum(keras.callbacks.Callback):
    """Cycles the optimizer's momentum inversely to a cyclical learning rate.

    The one-cycle and cyclical-LR policies (Smith, 2018) lower the momentum
    while the learning rate is high and raise it while the rate is low. At
    each batch this callback sets

    `momentum = max_momentum - (max_momentum - min_momentum) * f`

    where `f` in `[0, 1]` is the position of the current rate between the
    schedule's `initial_learning_rate` and `maximal_learning_rate`. It drives
    `momentum` (SGD, RMSprop) or `beta_1` (Adam, AdamW, Nadam, Lion, ...).

    Keras 3 optimizers hold these hyperparameters as Python floats. The
    PyTorch backend runs the train step eagerly, so the callback simply sets
    the float. A compiled TensorFlow train step would freeze the float, so for
    the length of each batch the callback swaps it for a variable that the
    compiled step reads, and puts a float back after the batch: the
    optimizer's config (and any model saved by another callback) keeps plain
    floats. A jitted JAX train step takes only optimizer variables as state,
    so under JAX the callback raises. Under TensorFlow, pass the callback to
    the model's first `fit()`: a train step compiled without it keeps the
    momentum it was compiled with.

    Args:
        schedule: A `OneCycle` or `CyclicalLearningRate` (anything with
            `initial_learning_rate` and `maximal_learning_rate` attributes),
            the same object the optimizer uses.
        max_momentum: Float. Momentum at the lowest learning rate. Defaults to
            `0.95`.
        min_momentum: Float. Momentum at the peak learning rate. Defaults to
            `0.85`.

    Raises:
        ValueError: If `min_momentum > max_momentum`, or at the start of
            training if the optimizer has no `momentum` or `beta_1`, its
            momentum is 0 (SGD without momentum), or the backend is JAX.

    Example:

    ```python
    schedule = OneCycle(1e-2, total_steps=epochs * steps_per_epoch)
    model.compile(keras.optimizers.SGD(schedule, momentum=0.9), loss="mse")
    model.fit(x, y, epochs=epochs, callbacks=[CyclicalMomentum(schedule)])
    ```
    """

    def __init__(self, schedule, max_momentum=0.95, min_momentum=0.85):
        super().__init__()
        if not 0 <= min_momentum <= max_momentum < 1:
            raise ValueError(
                "Expected 0 <= min_momentum <= max_momentum < 1. Received: "
                f"min_momentum={min_momentum}, max_momentum={max_momentum}"
            )
        self.schedule = schedule
        self.max_momentum = max_momentum
        self.min_momentum = min_momentum
        self._attribute = None
        self._variable = None

    def momentum_at(self, step):
        """Returns the momentum (a float) for optimizer step `step`."""
        low = self.schedule.initial_learning_rate
        high = self.schedule.maximal_learning_rate
        rate = float(ops.convert_to_numpy(self.schedule(step)))
        fraction = min(max((rate - low) / (high - low), 0.0), 1.0)
        return self.max_momentum - (self.max_momentum - self.min_momentum) * fraction

    def on_train_begin(self, logs=None):
        if keras.backend.backend() == "jax":
            raise ValueError(
                "CyclicalMomentum does not support the JAX backend, whose "
                "compiled train step cannot read a changed hyperparameter."
            )
        optimizer = self.model.optimizer
        self._attribute = next(
            (name for name in _MOMENTUM_ATTRIBUTES if hasattr(optimizer, name)),
            None,
        )
        if self._attribute is None or not getattr(optimizer, self._attribute):
            raise ValueError(
                "CyclicalMomentum needs an optimizer with a non-zero `momentum` "
                f"or `beta_1`. Received: optimizer={type(optimizer).__name__}"
            )
        if self._variable is None and keras.backend.backend() == "tensorflow":
            # Created once: a train step compiled in an earlier fit() keeps
            # reading this same variable.
            self._variable = _Hyperparameter(
                getattr(optimizer, self._attribute), name="cyclical_momentum"
            )

    def on_train_batch_begin(self, batch, logs=None):
        optimizer = self.model.optimizer
        momentum = self.momentum_at(
            int(ops.convert_to_numpy(optimizer.iterations))
        )
        if self._variable is None:
            setattr(optimizer, self._attribute, momentum)
            return
        self._variable.assign(momentum)
        # Bypass the optimizer's tracking: the variable is not optimizer state.
        object.__setattr__(optimizer, self._attribute, self._variable)

    def on_train_batch_end(self, batch, logs=None):
        if self._variable is not None:
            value = float(ops.convert_to_numpy(self._variable))
            object.__setattr__(self.model.optimizer, self._attribute, value)

"""Training one model with any registry optimizer, Keras or full-batch.

`fit_with_optimizer` is the one fit path of the library: it turns an
optimizer *name* into a training run. Keras optimizers (`adam`, `sgd`, ...)
train with `model.fit` on mini-batches; a full-batch entry of the registry
(`lbfgs`) has no Keras optimizer and trains through its registry
`factory` (`fit_lbfgs`), so a second full-batch method is one more record.
Either way the run comes back as a `TrainingRun` with the same fields: a
history with a cumulative `seconds` column, the wall time, the number of
weight updates and whether the loss went non-finite, so comparisons
(optimizers, batch regimes, folds) treat every method alike.

It is fast without being asked: `speed_options` sets `steps_per_execution`
and `jit_compile` for the backend, validation runs in large batches, and
inside an experiment (`reusing_compiled_models`) the runs of one
architecture share one compiled model instead of tracing a new one each.

`data` is anything with `x_train`, `y_train`, `x_val`, `y_val` and `task`
attributes (the recipes' `Dataset`).

Example:

>>> run = fit_with_optimizer(lambda: build_model(), dataset,
...                          optimizer="lbfgs", epochs=20, seed=0)
>>> run.updates == run.epochs
True
"""

import dataclasses
import math
import numbers
import time

import keras

from keras_recipes.callbacks import ElapsedTime
from keras_recipes.models import task_loss
from keras_recipes.models import task_metrics
from keras_recipes.tuning.compiled_models import build_compiled_state
from keras_recipes.tuning.compiled_models import compile_or_reuse
from keras_recipes.tuning.execution_options import speed_options
from keras_recipes.tuning.optimizers import create_optimizer
from keras_recipes.tuning.optimizers import get_optimizer_spec

VALIDATION_BATCH_SIZE = 1024


@dataclasses.dataclass
class TrainingRun:
    """What one training run measured.

    Attributes:
        optimizer: Registry name of the optimizer.
        learning_rate: The learning rate used, or `None` for a method
            without one (`lbfgs`).
        batch_size: Samples per weight update (the training-set size for a
            full-batch method).
        history: Keras-style history dict: `loss`, the compiled metrics,
            their `val_` forms and `seconds` (cumulative wall time since
            training began, including the one-off graph tracing), one value
            per epoch (per iteration for L-BFGS).
        seconds: Wall time of the whole training call.
        updates: Number of weight updates made.
        diverged: Whether a non-finite training or validation loss appeared.
        model: The trained model.
    """

    optimizer: str
    learning_rate: object
    batch_size: int
    history: dict
    seconds: float
    updates: int
    diverged: bool
    model: object = dataclasses.field(default=None, repr=False)

    @property
    def epochs(self):
        """Epochs (L-BFGS iterations) run."""
        return len(self.history.get("loss", []))

    @property
    def updates_per_second(self):
        """Weight updates per wall-clock second."""
        return self.updates / self.seconds if self.seconds > 0 else float("nan")


def fit_with_optimizer(
    model,
    data,
    optimizer="adam",
    learning_rate=None,
    epochs=30,
    batch_size=32,
    callbacks=(),
    seed=None,
    verbose=0,
    class_weight=None,
    stop_on_nan=True,
    loss=None,
    extra_metrics=(),
    **optimizer_options,
):
    """Compiles a model for the data's task and trains it with an optimizer.

    A Keras optimizer of the registry trains with `model.fit` on
    mini-batches of `batch_size` for `epochs` epochs. A full-batch method
    (`get_optimizer_spec(name).full_batch`, i.e. `"lbfgs"`) trains with
    `fit_lbfgs` on the whole training split: one iteration plays the part
    of one epoch, so `epochs` is its iteration budget (unless
    `max_iterations` is given), `batch_size` and `learning_rate` do not
    apply and are ignored, and its other settings (`tolerance`) come from
    `optimizer_options` or the registry defaults. Callbacks work with both
    (`fit_lbfgs` calls their epoch-level hooks, so early stopping works).

    The model is compiled with `task_loss(data.task)` (or `loss`) and
    `task_metrics(data.task)`, and validated on `data.x_val` after
    every epoch.

    Args:
        model: An uncompiled (or compiled, it is recompiled) `keras.Model`,
            or a function of no arguments that builds one; a function is
            called after seeding, so the initial weights follow `seed`.
        data: A `data object` (training and validation splits and task).
        optimizer: Registry name (see `list_optimizers()`). Defaults to
            `"adam"`.
        learning_rate: Learning rate of a Keras optimizer. Defaults to
            `None` (the registry default).
        epochs: Epochs to train (iterations for a full-batch method).
            Defaults to `30`.
        batch_size: Mini-batch size of a Keras optimizer. Defaults to `32`.
        callbacks: Extra Keras callbacks. Defaults to `()`.
        seed: Seed set with `keras.utils.set_random_seed` before building
            and training, or `None` to leave the seed alone. Defaults to
            `None`.
        verbose: Keras `verbose` of `fit` (`fit_lbfgs` prints with any
            non-zero value). Defaults to `0`.
        class_weight: Keras `class_weight` dict, or `None`; full-batch
            methods weight their objective the same way. Defaults to `None`.
        stop_on_nan: Whether to stop a Keras run at the first non-finite
            batch loss (`keras.callbacks.TerminateOnNaN`), so a diverging
            learning rate costs little. Defaults to `True`.
        loss: A Keras loss (a name or a `keras.losses.Loss`, such as one
            from `keras_recipes.models.create_loss`) to train with instead
            of the task's default. Defaults to `None`: `task_loss(data.task)`.
        extra_metrics: Keras metrics to track beside `task_metrics(data.task)`.
            Defaults to `()`.
        **optimizer_options: Hyperparameters of the optimizer (see
            `get_optimizer_spec(name).arguments`, or `max_iterations` and
            `tolerance` for `"lbfgs"`).

    Returns:
        A `TrainingRun`.

    Raises:
        ValueError: Before training, if the optimizer is unknown (the message
            lists the names), an option does not apply to it, or `epochs` or
            `batch_size` is not a positive integer.

    Example:

    >>> run = fit_with_optimizer(lambda: build_tabular_model(data), data,
    ...                          optimizer="adam", learning_rate=1e-2,
    ...                          epochs=20, seed=42)
    >>> run.history["val_accuracy"][-1], run.seconds, run.diverged
    """
    spec = get_optimizer_spec(optimizer)
    _check_positive("epochs", epochs)
    n_train = len(data.y_train)
    if spec.full_batch:
        options = _full_batch_options(spec, epochs, optimizer_options)
        keras_optimizer, learning_rate, batch_size = None, None, n_train
    else:
        _check_positive("batch_size", batch_size)
        keras_optimizer = create_optimizer(optimizer, learning_rate=learning_rate,
                                           **optimizer_options)
        if learning_rate is None:
            learning_rate = spec.learning_rate.default
        batch_size = min(int(batch_size), n_train)

    if seed is not None:
        keras.utils.set_random_seed(int(seed))
    if not isinstance(model, keras.Model):
        model = model()
    extra = [keras.callbacks.TerminateOnNaN()] if stop_on_nan and not spec.full_batch else []
    callbacks = [ElapsedTime(), *extra, *callbacks]
    compile_options = {"loss": task_loss(data.task) if loss is None else loss,
                       "metrics": [*task_metrics(data.task), *extra_metrics]}
    if spec.full_batch:
        model.compile(optimizer="sgd", **compile_options)  # L-BFGS does not use it.
    else:
        model = compile_for_training(model, keras_optimizer, data.x_train, data.y_train,
                                     batch_size, callbacks, **compile_options)
    validation_data = (data.x_val, data.y_val)
    started = time.perf_counter()
    if spec.full_batch:
        history = spec.factory(
            model, data.x_train, data.y_train,
            validation_data=validation_data,
            callbacks=callbacks, verbose=verbose,
            class_weight=class_weight, **options,
        ).history
        updates = len(history.get("loss", []))
    else:
        history = model.fit(
            data.x_train, data.y_train, callbacks=callbacks,
            validation_data=validation_data, epochs=int(epochs),
            batch_size=batch_size, validation_batch_size=VALIDATION_BATCH_SIZE,
            class_weight=class_weight, verbose=verbose,
        ).history
        updates = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    seconds = time.perf_counter() - started
    history = {key: [float(value) for value in values] for key, values in history.items()}
    return TrainingRun(
        optimizer=optimizer, learning_rate=learning_rate, batch_size=batch_size,
        history=history, seconds=seconds, updates=updates,
        diverged=history_diverged(history), model=model,
    )


def compile_for_training(model, optimizer, x, y, batch_size, callbacks=(),
                         **compile_options):
    """Compiles a model the fast way for one `fit` on `x` and `y`.

    The compile options get `speed_options` (steps per execution, XLA where
    it helps); inside `reusing_compiled_models()` a model of an architecture
    already compiled is loaded into that one instead (`compile_or_reuse`);
    and the loss and metrics are built before `fit`, so a fresh and a
    reused model see the same data order.

    Args:
        model: A freshly built `keras.Model`.
        optimizer: A new Keras optimizer.
        x: Training inputs.
        y: Training targets.
        batch_size: The batch size `fit` will use.
        callbacks: The callbacks `fit` will use. Defaults to `()`.
        **compile_options: Other `model.compile` arguments (loss, metrics).

    Returns:
        The compiled model to call `fit` on (it may be a reused twin).

    Example:

    >>> model = compile_for_training(build_model(), keras.optimizers.Adam(),
    ...                              x, y, 32, loss="mse")
    >>> model.fit(x, y, batch_size=32, epochs=10)
    """
    options = {**speed_options(len(y), batch_size, callbacks), **compile_options}
    model = compile_or_reuse(model, optimizer, **options)
    build_compiled_state(model, x, y)
    return model


def predict_all(model, x):
    """Predicts every row of `x` in one forward pass, in inference mode.

    Unlike `model.predict`, it traces no prediction function, which matters
    when a comparison evaluates dozens of freshly trained small models.
    `x` may be an array or a dict mixing NumPy arrays and string tensors
    (a CSV with text columns).

    Args:
        model: A Keras model.
        x: Inputs the model accepts.

    Returns:
        The predictions as a NumPy array.
    """
    inputs = keras.tree.map_structure(keras.ops.convert_to_tensor, x)
    return keras.ops.convert_to_numpy(model(inputs, training=False))


def history_diverged(history):
    """Tells whether a history holds a non-finite `loss` or `val_loss`."""
    values = [*history.get("loss", []), *history.get("val_loss", [])]
    return any(not math.isfinite(value) for value in values)


def _full_batch_options(spec, epochs, options):
    unknown = sorted(set(options) - set(spec.hyperparameters))
    if unknown:
        raise ValueError(
            f"'{unknown[0]}' does not apply to the '{spec.name}' optimizer. "
            f"Expected one of {sorted(spec.hyperparameters)}. "
            f"Received: {unknown[0]}={options[unknown[0]]!r}"
        )
    resolved = {name: hp.default for name, hp in spec.hyperparameters.items()}
    resolved["max_iterations"] = int(epochs)
    resolved.update(options)
    return resolved


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(
            f"The '{name}' parameter must be a positive integer. Got {value!r} instead.")

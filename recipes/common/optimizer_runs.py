"""Training one tabular model with any registry optimizer, Keras or full-batch.

`fit_with_optimizer` is where a recipe turns an optimizer *name* into a
training run. Keras optimizers (`adam`, `sgd`, ...) train with `model.fit`
on mini-batches; a full-batch entry of the registry (`lbfgs`) has no Keras
optimizer and trains with `keras_recipes.tuning.fit_lbfgs` instead. Either
way the run comes back as a `TrainingRun` with the same fields: a history
with a cumulative `seconds` column, the wall time, the number of weight
updates and whether the loss went non-finite, so comparisons (optimizers,
batch regimes, folds) treat every method alike.

Example:

>>> dataset = load_dataset("breast_cancer")
>>> run = fit_with_optimizer(lambda: build_tabular_model(dataset), dataset,
...                          optimizer="lbfgs", epochs=20, seed=0)
>>> run.updates == run.epochs
True
"""

import dataclasses
import math
import time

import keras
import numpy as np

from keras_recipes.models import task_loss
from keras_recipes.models import task_metrics
from keras_recipes.recipes.common.comparison import ElapsedTime
from keras_recipes.recipes.common.comparison import timed_fit
from keras_recipes.recipes.common.config import check_integer
from keras_recipes.recipes.common.list_options import parse_names
from keras_recipes.tuning import create_optimizer
from keras_recipes.tuning import fit_lbfgs
from keras_recipes.tuning import get_optimizer_spec
from keras_recipes.tuning import list_optimizers

# The optimizers of the classic "optimizer / character / when to use" table,
# in the order the table lists them.
CLASSIC_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "adadelta",
                      "rmsprop", "adam", "adamw", "nadam", "lbfgs")


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


def parse_optimizer_names(text, parameter="optimizers"):
    """Parses a comma-separated list of registry optimizer names.

    Args:
        text: Names separated by commas, such as `"adam,sgd,lbfgs"`, or a
            list of names. Spaces are ignored; duplicates are dropped.
        parameter: Name of the setting, for error messages. Defaults to
            `"optimizers"`.

    Returns:
        A list of names in the order given.

    Raises:
        ValueError: If the list is empty or a name is not registered; the
            message lists the registered names.

    Example:

    >>> parse_optimizer_names("adam, sgd")
    ['adam', 'sgd']
    """
    return parse_names(text, list_optimizers(), parameter)


def check_optimizer_name(name, parameter="optimizer"):
    """Checks that `name` is one registered optimizer name.

    Args:
        name: The name to check.
        parameter: Name of the setting, for the error message. Defaults to
            `"optimizer"`.

    Returns:
        `name`.

    Raises:
        ValueError: If `name` is not registered; the message lists the
            registered names.
    """
    valid = list_optimizers()
    if name not in valid:
        raise ValueError(
            f"The '{parameter}' parameter must be one of: {', '.join(valid)}. "
            f"Got {name!r} instead."
        )
    return name


def learning_rate_grid(optimizer, size=5):
    """Returns learning rates spread over an optimizer's registry range.

    The values are log-spaced from `spec.learning_rate.low` to
    `spec.learning_rate.high` and rounded to three significant digits, so a
    four-decade range with `size=5` gives one value per decade.

    Args:
        optimizer: Registry name of an optimizer with a learning rate.
        size: Number of values; 1 gives the registry default. Defaults to
            `5`.

    Returns:
        A list of `size` increasing floats.

    Raises:
        ValueError: If the optimizer is unknown or has no learning rate
            (`lbfgs`), or `size` is not a positive integer.

    Example:

    >>> learning_rate_grid("sgd", size=5)
    [0.0001, 0.001, 0.01, 0.1, 1.0]
    """
    spec = get_optimizer_spec(optimizer)
    if spec.learning_rate is None:
        raise ValueError(
            f"The '{optimizer}' optimizer has no learning rate to search. "
            f"Received: optimizer={optimizer!r}"
        )
    check_integer("size", size)
    if size == 1:
        return [float(spec.learning_rate.default)]
    values = np.geomspace(spec.learning_rate.low, spec.learning_rate.high, size)
    return [float(f"{value:.3g}") for value in values]


def fit_with_optimizer(
    model,
    dataset,
    optimizer="adam",
    learning_rate=None,
    epochs=30,
    batch_size=32,
    callbacks=(),
    seed=None,
    verbose=0,
    class_weight=None,
    stop_on_nan=True,
    **optimizer_options,
):
    """Compiles a model for the dataset's task and trains it with an optimizer.

    A Keras optimizer of the registry trains with `model.fit` on
    mini-batches of `batch_size` for `epochs` epochs. A full-batch method
    (`get_optimizer_spec(name).full_batch`, i.e. `"lbfgs"`) trains with
    `fit_lbfgs` on the whole training split: one iteration plays the part
    of one epoch, so `epochs` is its iteration budget (unless
    `max_iterations` is given), `batch_size` and `learning_rate` do not
    apply and are ignored, and its other settings (`tolerance`) come from
    `optimizer_options` or the registry defaults. Callbacks work with both
    (`fit_lbfgs` calls their epoch-level hooks, so early stopping works).

    The model is compiled with `task_loss(dataset.task)` and
    `task_metrics(dataset.task)`, and validated on `dataset.x_val` after
    every epoch.

    Args:
        model: An uncompiled (or compiled, it is recompiled) `keras.Model`,
            or a function of no arguments that builds one; a function is
            called after seeding, so the initial weights follow `seed`.
        dataset: A `Dataset` (training and validation splits and task).
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
        class_weight: Keras `class_weight` dict, or `None`. Not supported by
            full-batch methods. Defaults to `None`.
        stop_on_nan: Whether to stop a Keras run at the first non-finite
            batch loss (`keras.callbacks.TerminateOnNaN`), so a diverging
            learning rate costs little. Defaults to `True`.
        **optimizer_options: Hyperparameters of the optimizer (see
            `get_optimizer_spec(name).arguments`, or `max_iterations` and
            `tolerance` for `"lbfgs"`).

    Returns:
        A `TrainingRun`.

    Raises:
        ValueError: Before training, if the optimizer is unknown (the message
            lists the names), an option does not apply to it, `epochs` or
            `batch_size` is not a positive integer, or `class_weight` is
            given for a full-batch method.

    Example:

    >>> run = fit_with_optimizer(lambda: build_tabular_model(dataset), dataset,
    ...                          optimizer="adam", learning_rate=1e-2,
    ...                          epochs=20, seed=42)
    >>> run.history["val_accuracy"][-1], run.seconds, run.diverged
    """
    spec = get_optimizer_spec(optimizer)
    check_integer("epochs", epochs)
    n_train = len(dataset.y_train)
    if spec.full_batch:
        if class_weight is not None:
            raise ValueError(
                f"The 'class_weight' parameter is not supported by the "
                f"'{optimizer}' optimizer, which trains full-batch with fit_lbfgs; "
                "train unweighted (--class-weight none). "
                f"Got {class_weight!r} instead."
            )
        options = _full_batch_options(spec, epochs, optimizer_options)
        keras_optimizer, learning_rate, batch_size = None, None, n_train
    else:
        check_integer("batch_size", batch_size)
        keras_optimizer = create_optimizer(optimizer, learning_rate=learning_rate,
                                           **optimizer_options)
        if learning_rate is None:
            learning_rate = spec.learning_rate.default
        batch_size = min(int(batch_size), n_train)

    if seed is not None:
        keras.utils.set_random_seed(int(seed))
    if not isinstance(model, keras.Model):
        model = model()
    model.compile(
        optimizer=keras_optimizer or "sgd",  # L-BFGS does not use it.
        loss=task_loss(dataset.task),
        metrics=task_metrics(dataset.task),
    )
    validation_data = (dataset.x_val, dataset.y_val)
    started = time.perf_counter()
    if spec.full_batch:
        history = fit_lbfgs(
            model, dataset.x_train, dataset.y_train,
            validation_data=validation_data,
            callbacks=[ElapsedTime(), *callbacks], verbose=verbose, **options,
        ).history
        updates = len(history.get("loss", []))
    else:
        extra = [keras.callbacks.TerminateOnNaN()] if stop_on_nan else []
        history = timed_fit(
            model, dataset.x_train, dataset.y_train, callbacks=[*extra, *callbacks],
            validation_data=validation_data, epochs=int(epochs),
            batch_size=batch_size, class_weight=class_weight, verbose=verbose,
        )
        updates = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    seconds = time.perf_counter() - started
    history = {key: [float(value) for value in values] for key, values in history.items()}
    return TrainingRun(
        optimizer=optimizer, learning_rate=learning_rate, batch_size=batch_size,
        history=history, seconds=seconds, updates=updates,
        diverged=history_diverged(history), model=model,
    )


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


def plot_learning_rate_search(trials, path, metric="final_val_loss", log_y=True,
                              title="Learning-rate search"):
    """Draws a search score against the learning rate, one line per optimizer.

    Args:
        trials: A list of dicts with `"optimizer"`, `"learning_rate"` and
            `metric` keys (non-finite scores are drawn as gaps).
        path: PNG path to write.
        metric: Key of the score to plot. Defaults to `"final_val_loss"`.
        log_y: Whether to use a log scale for the score. Defaults to `True`.
        title: Figure title. Defaults to `"Learning-rate search"`.

    Returns:
        `path`.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.2))
    names = list(dict.fromkeys(trial["optimizer"] for trial in trials))
    for index, name in enumerate(names):
        rows = sorted((t for t in trials if t["optimizer"] == name),
                      key=lambda t: t["learning_rate"])
        rates = [row["learning_rate"] for row in rows]
        scores = [row[metric] if row[metric] is not None and math.isfinite(row[metric])
                  else float("nan") for row in rows]
        axis.plot(rates, scores, marker="o", label=name, color=f"C{index % 10}",
                  linestyle="-" if index < 10 else "--")
    axis.set_xscale("log")
    if log_y:
        axis.set_yscale("log")
    axis.set_xlabel("learning rate")
    axis.set_ylabel(metric)
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small", ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path

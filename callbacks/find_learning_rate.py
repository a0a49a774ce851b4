"""One-call learning rate range test, used by the recipes' `--lr auto`."""

import contextlib
import math

from keras_recipes.callbacks.lr_finder import DEFAULT_RULE
from keras_recipes.callbacks.lr_finder import LRFinder


def find_learning_rate(
    model,
    x,
    y=None,
    batch_size=32,
    min_learning_rate=1e-7,
    max_learning_rate=10.0,
    num_steps=100,
    plot_path=None,
    rule=DEFAULT_RULE,
):
    """Runs a learning rate range test and returns the suggested rate.

    Trains `model` for up to `num_steps` batches with an exponentially
    growing learning rate (see `LRFinder` for the schedule, the stopping rule
    and the suggestion rules), then puts the model's weights and
    optimizer state back. The model must be compiled with a float learning
    rate; set the suggestion on the optimizer, or use it as the peak of a
    schedule, before the real training.

    Args:
        model: A compiled Keras model.
        x: Input array (or dict of arrays), or a dataset yielding `(x, y)` batches (then leave
            `y` as `None`; a dataset of unknown length is read once).
        y: Target array when `x` is an array. Defaults to `None`.
        batch_size: Integer. Batch size when `x` is an array. Defaults to
            `32`.
        min_learning_rate: Float. Rate at the first step. Defaults to `1e-7`.
        max_learning_rate: Float. Rate at the last step. Defaults to `10.0`.
        num_steps: Integer. Maximum number of batches. Defaults to `100`.
        plot_path: Path of a PNG plot of loss against learning rate, or
            `None` for no plot. Defaults to `None`.
        rule: How the rate is read off the smoothed losses, one of
            `lr_finder.SUGGESTION_RULES` (see `LRFinder`). Defaults to
            `lr_finder.DEFAULT_RULE`, `"minimum/16"`, the rule that came
            closest to the grid-best rate in `benchmarks/bench_lr_rules.py`.

    Returns:
        A tuple `(suggested_learning_rate, finder)`: a float (or `None` if
        the test recorded too few finite losses) and the `LRFinder`, whose
        `history` holds the rates, raw and smoothed losses.

    Raises:
        ValueError: If the model uses a `LearningRateSchedule` or an argument
            is out of range.

    Example:

    ```python
    model.compile(keras.optimizers.Adam(1e-3), loss="mse")
    learning_rate, finder = find_learning_rate(model, x_train, y_train)
    model.optimizer.learning_rate = learning_rate
    ```
    """
    finder = LRFinder(
        min_learning_rate=min_learning_rate,
        max_learning_rate=max_learning_rate,
        num_steps=num_steps,
        rule=rule,
    )
    if y is None:
        # A dataset of (x, y) batches: its length, when known, is in batches.
        steps_per_epoch = len(x) if hasattr(x, "__len__") else num_steps
    else:
        rows = len(next(iter(x.values()))) if isinstance(x, dict) else len(x)
        steps_per_epoch = math.ceil(rows / batch_size)
    with one_step_per_call(model):  # The finder sets the rate every batch.
        model.fit(
            x,
            y,
            batch_size=None if y is None else batch_size,
            epochs=math.ceil(num_steps / steps_per_epoch),
            callbacks=[finder],
            verbose=0,
        )
    if plot_path is not None:
        finder.plot(plot_path)
    return finder.suggestion(), finder


@contextlib.contextmanager
def one_step_per_call(model):
    """Runs `fit` one batch per train-function call, then restores the setting.

    A model compiled with `steps_per_execution > 1` calls batch hooks once
    per call; the finder must see every batch.
    """
    steps = model.steps_per_execution
    if steps == 1:
        yield
        return
    model.steps_per_execution, model.train_function = 1, None
    try:
        yield
    finally:
        model.steps_per_execution, model.train_function = steps, None

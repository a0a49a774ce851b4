"""Tabular data and models for recipes: bundled set or CSV in, MLP out."""

import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from keras_recipes.models import build_tabular_preprocessing
from keras_recipes.models import create_model
from keras_recipes.recipes.common.csv_data import load_csv
from keras_recipes.recipes.common.datasets import list_datasets
from keras_recipes.recipes.common.datasets import load_dataset

CLASS_WEIGHT_MODES = ("auto", "balanced", "none")


def load_tabular_data(config, task):
    """Loads `config.csv` or the bundled `config.dataset` for a task family.

    Args:
        config: A `TabularDataConfig`.
        task: `"classification"` or `"regression"`.

    Returns:
        A `Dataset`.

    Raises:
        ValueError: If the bundled dataset belongs to the other task family,
            or the CSV fails validation.
    """
    if config.csv:
        drop = [c.strip() for c in config.drop.split(",") if c.strip()]
        na_values = [t.strip() for t in getattr(config, "na_values", "").split(",")
                     if t.strip()]
        dataset = load_csv(config.csv, config.target, task=task,
                           impute=config.impute, drop=drop, seed=config.seed,
                           encoding=getattr(config, "encoding", "utf-8"),
                           sep=getattr(config, "sep", None), na_values=na_values)
        if config.verbose:
            for note in dataset.notes:
                print(f"note: {note}", flush=True)
        return dataset
    valid = list_datasets(task)
    if config.dataset not in valid:
        raise ValueError(
            f"The 'dataset' parameter must be a {task} dataset: "
            f"{', '.join(valid)}. Got {config.dataset!r} instead."
        )
    return load_dataset(config.dataset, seed=config.seed)


def build_tabular_model(dataset, impute=None, **options):
    """Builds an MLP whose preprocessing (imputation, scaling, encoding) is inside.

    The returned model takes raw rows, so the saved `.keras` file needs no
    separate preprocessing code at prediction time.

    Args:
        dataset: The `Dataset` whose training split fits the preprocessing.
        impute: Imputation strategy for missing numeric values, or `None`.
            Defaults to `None`.
        **options: Options of the `mlp` builder (units, depth, dropout, ...).

    Returns:
        An uncompiled `keras.Model`.
    """
    preprocessing = build_tabular_preprocessing(
        dataset.x_train, categorical_columns=dataset.categorical_columns,
        impute=impute)
    return create_model("mlp", task=dataset.task, num_classes=dataset.num_classes,
                        preprocessing=preprocessing, **options)


def class_weights(y, mode="auto"):
    """Returns Keras `class_weight` for a classification target, or `None`.

    Args:
        y: Training class indices.
        mode: `"balanced"` weighs classes inversely to their frequency,
            `"none"` disables weighting and `"auto"` balances only when the
            largest class is over 1.5 times the smallest. Defaults to `"auto"`.

    Returns:
        A dict `{class_index: weight}`, or `None`.
    """
    if mode not in CLASS_WEIGHT_MODES:
        raise ValueError(
            f"The 'class_weight' parameter must be one of "
            f"{', '.join(CLASS_WEIGHT_MODES)}. Got {mode!r} instead."
        )
    classes, counts = np.unique(y, return_counts=True)
    if mode == "none" or (mode == "auto" and counts.max() <= 1.5 * counts.min()):
        return None
    weights = compute_class_weight("balanced", classes=classes, y=y)
    return {int(c): float(w) for c, w in zip(classes, weights)}


def training_divergence(history, callbacks=(), factor=10.0):
    """Says why a training run diverged, or returns `None` when it did not.

    A run diverged when the NaN guard gave up (the loss kept turning NaN or
    infinite), when a logged loss is not finite, when the last training
    loss is over `factor` times the first (the optimizer climbed instead of
    descending, typically a learning rate far too high), or when the
    validation loss did not change at all over 3 or more epochs while the
    training loss did not fall (the first steps saturated the network, which
    then predicts the same for every input).

    Args:
        history: The Keras history dict.
        callbacks: The callbacks of the fit; a `NaNGuard` among them is
            asked whether it gave up. Defaults to `()`.
        factor: How many times the first epoch's loss the last one may be.
            Defaults to `10.0`.

    Returns:
        A sentence, or `None`.
    """
    for callback in callbacks:
        if getattr(callback, "exhausted", False):
            return (f"the loss turned non-finite and the NaN guard stopped training "
                    f"after {callback.retries} recoveries")
    for key in ("loss", "val_loss"):
        values = np.asarray(history.get(key, []), dtype="float64")
        if values.size and not np.all(np.isfinite(values)):
            return f"{key} became {values[~np.isfinite(values)][0]}"
    losses = np.asarray(history.get("loss", []), dtype="float64")
    if losses.size > 1 and losses[0] > 0 and losses[-1] > factor * losses[0]:
        return (f"the training loss grew from {losses[0]:.4g} to {losses[-1]:.4g} "
                f"(over {factor:g}x)")
    validation = np.asarray(history.get("val_loss", []), dtype="float64")
    if validation.size >= 3 and losses.size and np.all(validation == validation[0]) \
            and losses[-1] >= losses[0]:
        return (f"val_loss stayed at exactly {validation[0]:.4g} for all "
                f"{validation.size} epochs while the training loss went from "
                f"{losses[0]:.4g} to {losses[-1]:.4g}: the model stopped learning")
    return None


def flag_divergence(metrics, report, reason, context=None):
    """Records a diverged run in `metrics.json` and on top of the report.

    Args:
        metrics: The metrics dict; gets `diverged` (and `divergence`).
        report: The `Report`.
        reason: What `training_divergence` returned.
        context: The `RunContext`, to log a warning. Defaults to `None`.
    """
    metrics["diverged"] = reason is not None
    if reason is None:
        return
    metrics["divergence"] = reason
    report.add_section(
        "Warning: training diverged",
        f"**This run diverged: {reason}.** Its metrics describe a broken model; "
        "rerun with a lower learning rate (`--learning-rate`).")
    if context is not None:
        context.log(f"WARNING: training diverged: {reason}")

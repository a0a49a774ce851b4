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
        return load_csv(config.csv, config.target, task=task,
                        impute=config.impute, drop=drop, seed=config.seed)
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

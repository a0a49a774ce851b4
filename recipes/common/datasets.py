"""Bundled tabular datasets and the `Dataset` every recipe trains on.

Nothing here touches the network: the sets ship with scikit-learn or are
generated with a seed.
"""

import dataclasses

import numpy as np
from sklearn import datasets as sk_datasets

from keras_recipes.models.rows import take_rows
from keras_recipes.recipes.common.splits import holdout_indices
from keras_recipes.recipes.common.splits import num_rows

TASKS = ("binary", "multiclass", "regression")


@dataclasses.dataclass
class Dataset:
    """Train, validation and test parts of one dataset, with its metadata.

    Features are a float32 array, or (when there are categorical columns) a
    dict with a `"numeric"` float32 matrix and one `(n, 1)` string array per
    categorical column, keyed by input name.
    """

    name: str
    task: str
    x_train: object
    y_train: np.ndarray
    x_val: object
    y_val: np.ndarray
    x_test: object
    y_test: np.ndarray
    feature_names: list
    categorical_columns: list = dataclasses.field(default_factory=list)
    class_names: list = None
    notes: list = dataclasses.field(default_factory=list)

    @property
    def num_classes(self):
        """Number of classes, or `None` for regression."""
        return None if self.class_names is None else len(self.class_names)

    @property
    def sizes(self):
        """Rows in the train, validation and test parts."""
        return {part: num_rows(getattr(self, f"x_{part}"))
                for part in ("train", "val", "test")}

    def describe(self):
        """Returns a one-line summary for logs and reports."""
        sizes = self.sizes
        classes = f", {self.num_classes} classes" if self.class_names else ""
        return (
            f"{self.name}: {self.task}{classes}, {len(self.feature_names)} "
            f"features, {sizes['train']}/{sizes['val']}/{sizes['test']} "
            "train/val/test rows"
        )


def _sklearn_loader(function):
    def load(seed):
        bunch = function()
        names = [str(name) for name in bunch.feature_names]
        targets = getattr(bunch, "target_names", None)
        return bunch.data, bunch.target, names, targets
    return load


def _moons(seed):
    x, y = sk_datasets.make_moons(n_samples=1000, noise=0.25, random_state=seed)
    return x, y, ["x1", "x2"], ["lower", "upper"]


def _classification(seed):
    x, y = sk_datasets.make_classification(
        n_samples=2000, n_features=20, n_informative=8, n_redundant=4,
        n_classes=3, class_sep=1.0, random_state=seed,
    )
    return x, y, [f"f{i}" for i in range(20)], ["a", "b", "c"]


def _regression(seed):
    x, y = sk_datasets.make_regression(
        n_samples=2000, n_features=10, n_informative=6, noise=10.0,
        random_state=seed,
    )
    return x, y, [f"f{i}" for i in range(10)], None


_BUNDLED = {
    "breast_cancer": ("binary", _sklearn_loader(sk_datasets.load_breast_cancer),
                      "569 tumours, 30 measurements, malignant vs benign"),
    "wine": ("multiclass", _sklearn_loader(sk_datasets.load_wine),
             "178 wines, 13 chemical features, 3 cultivars"),
    "iris": ("multiclass", _sklearn_loader(sk_datasets.load_iris),
             "150 flowers, 4 measurements, 3 species"),
    "digits": ("multiclass", _sklearn_loader(sk_datasets.load_digits),
               "1797 8x8 handwritten digits as 64 pixel features"),
    "diabetes": ("regression", _sklearn_loader(sk_datasets.load_diabetes),
                 "442 patients, 10 features, disease progression after a year"),
    "moons": ("binary", _moons, "1000 generated points, two interleaved moons"),
    "classification": ("multiclass", _classification,
                       "2000 generated rows, 20 features, 3 classes"),
    "regression": ("regression", _regression,
                   "2000 generated rows, 10 features, noisy linear target"),
}


def list_datasets(task=None):
    """Lists the bundled dataset names, optionally only those of one task.

    Args:
        task: `"binary"`, `"multiclass"`, `"regression"`, `"classification"`
            (binary or multiclass) or `None` for all. Defaults to `None`.

    Returns:
        A sorted list of names.
    """
    def matches(dataset_task):
        if task is None or task == dataset_task:
            return True
        return task == "classification" and dataset_task != "regression"

    return sorted(name for name, (t, _, _) in _BUNDLED.items() if matches(t))


def describe_dataset(name):
    """Returns the one-line description of a bundled dataset."""
    return _BUNDLED[_check_name(name)][2]


def load_dataset(name, seed=42, validation_fraction=0.15, test_fraction=0.15):
    """Loads a bundled dataset and splits it into train/validation/test.

    Args:
        name: One of `list_datasets()`.
        seed: Seed of the split and of generated sets. Defaults to `42`.
        validation_fraction: Fraction of rows for validation. Defaults to
            `0.15`.
        test_fraction: Fraction of rows for testing. Defaults to `0.15`.

    Returns:
        A `Dataset` with float32 features.

    Raises:
        ValueError: If `name` is not a bundled dataset.

    Example:

    >>> data = load_dataset("breast_cancer", seed=0)
    >>> data.task, data.num_classes
    ('binary', 2)
    """
    task, loader, _ = _BUNDLED[_check_name(name)]
    x, y, feature_names, target_names = loader(seed)
    class_names = None if target_names is None else [str(t) for t in target_names]
    y = y.astype("float32") if task == "regression" else y.astype("int64")
    return split_dataset(
        name, task, x.astype("float32"), y, feature_names,
        class_names=class_names, seed=seed,
        validation_fraction=validation_fraction, test_fraction=test_fraction,
    )


def split_dataset(name, task, x, y, feature_names, categorical_columns=(),
                  class_names=None, seed=42, validation_fraction=0.15,
                  test_fraction=0.15):
    """Builds a `Dataset` from whole features and targets by a holdout split.

    Args:
        name: Name shown in reports.
        task: One of `"binary"`, `"multiclass"`, `"regression"`.
        x: Features, an array or a dict of arrays.
        y: Targets (class indices or floats).
        feature_names: Names of the feature columns.
        categorical_columns: Input names of categorical columns. Defaults to
            `()`.
        class_names: Class labels in index order, `None` for regression.
            Defaults to `None`.
        seed: Split seed. Defaults to `42`.
        validation_fraction: Defaults to `0.15`.
        test_fraction: Defaults to `0.15`.

    Returns:
        A `Dataset`.
    """
    if task not in TASKS:
        raise ValueError(
            f"The 'task' parameter must be one of {TASKS}. Got {task!r} instead."
        )
    if task != "regression":
        _check_rare_classes(y, class_names)
    train, val, test = holdout_indices(
        y, stratify=task != "regression", seed=seed,
        validation_fraction=validation_fraction, test_fraction=test_fraction,
    )
    return Dataset(
        name=name, task=task,
        x_train=take_rows(x, train), y_train=y[train],
        x_val=take_rows(x, val), y_val=y[val],
        x_test=take_rows(x, test), y_test=y[test],
        feature_names=list(feature_names),
        categorical_columns=list(categorical_columns),
        class_names=class_names,
    )


def _check_rare_classes(y, class_names, minimum=3, shown=10):
    """Refuses classes too rare to reach all three parts, naming a few of them."""
    classes, counts = np.unique(np.asarray(y), return_counts=True)
    rare = [(c, n) for c, n in zip(classes.tolist(), counts.tolist()) if n < minimum]
    if not rare:
        return

    def label(index):
        if class_names is not None and 0 <= index < len(class_names):
            return repr(class_names[index])
        return repr(index)

    listed = ", ".join(f"{label(c)} ({n} row{'s' if n != 1 else ''})"
                       for c, n in rare[:shown])
    if len(rare) > shown:
        listed += f" and {len(rare) - shown} more"
    raise ValueError(
        f"Every class needs at least {minimum} rows to appear in the train, "
        f"validation and test parts; {len(rare)} of the {len(classes)} classes have "
        f"fewer: {listed}. Merge or drop the rare classes, or predict a coarser target."
    )


def _check_name(name):
    if name not in _BUNDLED:
        raise ValueError(
            f"Unknown dataset {name!r}. Bundled datasets: "
            f"{', '.join(sorted(_BUNDLED))}; or pass --csv PATH --target COLUMN."
        )
    return name

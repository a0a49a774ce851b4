"""Holdout splits and row selection for array or dict-of-columns features."""

import numpy as np
from sklearn.model_selection import train_test_split


def num_rows(x):
    """Returns the number of rows of an array or of a dict of arrays."""
    if isinstance(x, dict):
        return len(next(iter(x.values())))
    return len(x)


def holdout_indices(y, stratify, validation_fraction=0.15, test_fraction=0.15,
                    seed=42):
    """Splits row indices into train, validation and test parts.

    The default 70/15/15 split is the usual holdout for small tabular data.
    Classification targets are split with stratification, so every part keeps
    the class proportions of the whole set.

    Args:
        y: The target array.
        stratify: Whether to stratify on `y`. Defaults to `True` for
            classification callers.
        validation_fraction: Fraction of rows for validation. Defaults to
            `0.15`.
        test_fraction: Fraction of rows for the test part. Defaults to `0.15`.
        seed: Random seed of the split. Defaults to `42`.

    Returns:
        A tuple `(train_indices, validation_indices, test_indices)`.

    Raises:
        ValueError: If the fractions leave no training rows, or a part would
            be too small to hold every class.
    """
    for name, value in (("validation_fraction", validation_fraction),
                        ("test_fraction", test_fraction)):
        if not 0 < value < 1:
            raise ValueError(
                f"The '{name}' parameter must be in (0, 1). Got {value} instead."
            )
    if validation_fraction + test_fraction >= 0.9:
        raise ValueError(
            "The validation and test fractions must leave at least 10% of the "
            f"rows for training. Got validation_fraction={validation_fraction}"
            f" and test_fraction={test_fraction} instead."
        )
    check_enough_rows(y, stratify, min(validation_fraction, test_fraction))
    indices = np.arange(len(y))
    rest, test = train_test_split(
        indices, test_size=test_fraction, random_state=seed,
        stratify=y if stratify else None,
    )
    train, validation = train_test_split(
        rest, test_size=validation_fraction / (1 - test_fraction),
        random_state=seed, stratify=y[rest] if stratify else None,
    )
    return train, validation, test


def check_enough_rows(y, stratify, smallest_fraction):
    """Raises a ValueError when `y` is too small for a holdout split."""
    n_rows = len(y)
    if stratify:
        classes, counts = np.unique(y, return_counts=True)
        needed = int(np.ceil(len(classes) / smallest_fraction)) + len(classes)
        rare = [f"{c!r} ({n} rows)" for c, n in zip(classes, counts) if n < 3]
        if rare:
            raise ValueError(
                "Every class needs at least 3 rows to appear in the train, "
                f"validation and test parts. Too rare: {', '.join(rare)}."
            )
    else:
        needed = int(np.ceil(1 / smallest_fraction)) * 2
    needed = max(needed, 20)
    if n_rows < needed:
        raise ValueError(
            f"The data has {n_rows} rows; a train/validation/test split needs "
            f"at least {needed}. Add rows or use larger split fractions."
        )

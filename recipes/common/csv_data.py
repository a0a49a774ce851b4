"""Loads a user's CSV file into a `Dataset`, refusing bad input up front.

Every check runs before any training and names the file, column or value at
fault. The file is only read, never modified.
"""

import csv
import io
import os
import re

import numpy as np
import pandas as pd

from keras_recipes.recipes.common.datasets import split_dataset

IMPUTE_STRATEGIES = ("mean", "median", "most_frequent")
CSV_TASKS = ("classification", "regression")


def load_csv(path, target, task="classification", impute=None, drop=(),
             seed=42, validation_fraction=0.15, test_fraction=0.15,
             encoding="utf-8", sep=None, na_values=()):
    """Reads a CSV file, validates it and splits it into a `Dataset`.

    Numeric columns become one float32 matrix (input `"numeric"`); text
    columns stay raw strings (one `(n, 1)` `tf.string` tensor each, since
    Keras's NumPy adapters refuse string arrays) so the model encodes them
    itself and a saved model takes raw rows. Missing numeric values are
    refused unless `impute` is given, in which case they stay NaN for the
    model's imputation layer; missing text values become their own category.

    A leading unnamed column holding the row numbers (what pandas' `to_csv`
    and R's `write.csv` write by default) is dropped, and the returned
    `Dataset`'s `notes` say so; so is the delimiter when it was detected.

    Args:
        path: Path of the CSV file (header row required).
        target: Name of the target column.
        task: `"classification"` or `"regression"`. Defaults to
            `"classification"`.
        impute: `None`, `"mean"`, `"median"` or `"most_frequent"`. Defaults
            to `None` (missing values are an error).
        drop: Column names to ignore, such as ID columns. Defaults to `()`.
        seed: Split seed. Defaults to `42`.
        validation_fraction: Defaults to `0.15`.
        test_fraction: Defaults to `0.15`.
        encoding: Text encoding of the file. Defaults to `"utf-8"` (a
            byte-order mark is accepted).
        sep: Field delimiter, or `None` to detect one of `, ; tab |`.
            Defaults to `None`.
        na_values: Extra tokens that mean a missing value, such as `("?",)`.
            Defaults to `()`.

    Returns:
        A `Dataset` whose `categorical_columns` are the input names of the
        text columns.

    Raises:
        ValueError: For a missing, empty or undecodable file, a directory,
            duplicate column names, an unknown target or dropped column, a
            target with missing values or a single class, infinite values,
            stray text in a numeric column, an ID-like or row-index column,
            missing feature values without `impute` (or a column with no
            values to impute from), or too few rows to split.
    """
    _check_choice("task", task, CSV_TASKS)
    if impute is not None:
        _check_choice("impute", impute, IMPUTE_STRATEGIES)
    notes = []
    frame = read_csv(path, encoding=encoding, sep=sep, na_values=na_values, notes=notes)
    name = os.path.basename(path)
    _check_columns(frame, name, [target], "target")
    _check_columns(frame, name, list(drop), "drop")
    frame = _drop_row_index(frame, name, target, drop, notes)
    features = frame.drop(columns=[target, *drop])
    if features.shape[1] == 0:
        raise ValueError(f"{name} has no feature columns besides '{target}'.")
    _check_stray_text(frame, [c for c in features] + (
        [target] if task == "regression" else []))
    y, class_names, dataset_task = _encode_target(frame[target], target, task)
    numeric = [c for c in features if _is_numeric(features[c])]
    categorical = [c for c in features if c not in numeric]
    _check_infinite(features, numeric)
    _check_id_columns(features, categorical)
    _check_numeric_id_columns(features, numeric, name)
    _check_missing(features, impute)

    x = {}
    if numeric:
        x["numeric"] = features[numeric].to_numpy(dtype="float32")
    input_names = _input_names(categorical)
    if categorical:
        check_text_backend(categorical, name)
        import tensorflow as tf  # Keras feeds string inputs only as tensors.

        for column, input_name in zip(categorical, input_names):
            values = features[column].astype("string").fillna("").to_numpy(str)
            x[input_name] = tf.constant(values.reshape(-1, 1))
    if not categorical:
        x = x["numeric"]
    dataset = split_dataset(
        name, dataset_task, x, y, numeric + categorical,
        categorical_columns=input_names, class_names=class_names, seed=seed,
        validation_fraction=validation_fraction, test_fraction=test_fraction,
    )
    dataset.notes = notes
    return dataset


SEPARATORS = (",", ";", "\t", "|")


def check_text_backend(columns, source):
    """Refuses text columns on a Keras backend other than TensorFlow.

    Raises:
        ValueError: Naming the columns and the way out, when Keras runs on
            JAX or PyTorch (its string lookup layers take TensorFlow tensors
            only).
    """
    import keras

    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise ValueError(
            f"The text columns {', '.join(map(str, columns))} of {source} need the "
            f"TensorFlow backend (Keras' string lookup layers take TensorFlow tensors "
            f"only), and Keras runs on {backend}. Use --backend tensorflow (or "
            f"KERAS_BACKEND=tensorflow), or encode the columns as numbers.")


def read_csv(path, encoding="utf-8", sep=None, na_values=(), notes=None):
    """Reads a CSV file, refusing with a clear message what it cannot read.

    Args:
        path: The file.
        encoding: Its text encoding. Defaults to `"utf-8"`.
        sep: Its delimiter, or `None` to detect it. Defaults to `None`.
        na_values: Extra missing-value tokens. Defaults to `()`.
        notes: A list that gets a sentence for each thing decided on the
            user's behalf (a detected delimiter), or `None`. Defaults to
            `None`.

    Returns:
        A `pandas.DataFrame`.

    Raises:
        ValueError: For a missing, empty, undecodable or unparsable file, a
            directory, a header without rows, or duplicate column names.
    """
    if os.path.isdir(path):
        raise ValueError(f"The CSV path '{path}' is a directory; give the path of a "
                         ".csv file.")
    if not os.path.isfile(path):
        raise ValueError(f"The CSV file '{path}' does not exist.")
    if os.path.getsize(path) == 0:
        raise ValueError(f"The CSV file '{path}' is empty.")
    encoding = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") \
        else encoding
    text = _decode(path, encoding)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise ValueError(f"The CSV file '{path}' is empty.")
    if sep is None:
        sep = _detect_separator(lines)
        if sep != "," and notes is not None:
            notes.append(f"{os.path.basename(path)}: detected {_sep_name(sep)} as the "
                         "delimiter (set it with --sep).")
    header = next(csv.reader(io.StringIO(text), delimiter=sep), [])
    _check_duplicate_header(path, header)
    tokens = [token for token in na_values if token != ""]
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, na_values=tokens or None)
    except pd.errors.EmptyDataError:
        raise ValueError(f"The CSV file '{path}' is empty.") from None
    except pd.errors.ParserError as error:
        message = " ".join(str(error).split())
        raise ValueError(f"The CSV file '{path}' could not be parsed with the "
                         f"delimiter {_sep_name(sep)}: {message}. Set the right one with "
                         "--sep.") from None
    if len(frame) == 0:
        raise ValueError(f"The CSV file '{path}' has a header but no data rows.")
    return frame


def _decode(path, encoding):
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        hint = "latin-1" if encoding.startswith("utf") else "utf-8"
        raise ValueError(
            f"The CSV file '{path}' is not valid {encoding.removesuffix('-sig')} text: "
            f"byte 0x{data[error.start]:02x} on line {line} cannot be decoded. Give its "
            f"encoding with --encoding (for example --encoding {hint})."
        ) from None


def _detect_separator(lines):
    """The delimiter that splits the header and the first rows alike."""
    sample = [line for line in lines[:20] if line.strip()]
    best, best_fields = ",", 1
    for candidate in SEPARATORS:
        counts = [len(row) for row in csv.reader(sample, delimiter=candidate)]
        if counts and counts[0] > 1 and len(set(counts)) == 1 and counts[0] > best_fields:
            best, best_fields = candidate, counts[0]
    return best


def _sep_name(sep):
    return {"\t": "tab", " ": "space"}.get(sep, repr(sep))


def _check_duplicate_header(path, header):
    names = [name.strip() for name in header]
    seen = {}
    for position, column in enumerate(names, start=1):
        seen.setdefault(column, []).append(position)
    duplicates = {name: spots for name, spots in seen.items() if len(spots) > 1 and name}
    if duplicates:
        shown = "; ".join(f"'{name}' (columns {', '.join(map(str, spots))})"
                          for name, spots in duplicates.items())
        raise ValueError(f"The CSV file '{path}' has duplicate column names: {shown}. "
                         "Rename them so that every column has its own name.")


def _is_row_index(column):
    """Whether a column holds unique integers, monotonic in row order.

    What a saved row index looks like, also after the frame was sorted or
    filtered; only applied to unnamed columns (see `_is_row_numbers`).
    """
    values = column.dropna()
    if len(values) != len(column) or len(column) < 2:
        return False
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return False
    numbers = values.to_numpy(dtype="float64")
    if not np.all(np.isfinite(numbers)) or not np.all(numbers == np.round(numbers)):
        return False
    steps = np.diff(numbers)
    return bool(np.all(steps > 0) or np.all(steps < 0))


def _is_row_numbers(column):
    """Whether a column is exactly 0..n-1 or 1..n in row order (or reversed).

    A named numeric column must be this to count as a row index: a sorted
    year, a count or a unique but non-consecutive measurement is a feature.
    """
    if not _is_row_index(column):
        return False
    numbers = np.sort(column.to_numpy(dtype="float64"))
    return bool(numbers[0] in (0, 1) and numbers[-1] - numbers[0] == len(numbers) - 1)


def _drop_row_index(frame, name, target, drop, notes):
    """Drops a leading unnamed row-number column (pandas/R `to_csv` default)."""
    first = frame.columns[0]
    if first in (target, *drop) or not str(first).startswith("Unnamed: "):
        return frame
    if _is_row_index(frame[first]):
        notes.append(f"{name}: dropped its first column, which has no name and holds "
                     "the row numbers (a saved row index, not a feature).")
        return frame.drop(columns=[first])
    return frame


def _check_numeric_id_columns(features, numeric, name):
    """Refuses a row-number column: named and exactly 0..n-1 or 1..n, or unnamed."""
    if len(features) < 10:
        return
    for column in numeric:
        values = features[column]
        if _is_row_numbers(values):
            what = "holds the row numbers"
        elif str(column).startswith("Unnamed: ") and _is_row_index(values):
            what = "has no name and holds unique integers in row order"
        else:
            continue
        first, last = int(values.iloc[0]), int(values.iloc[-1])
        raise ValueError(
            f"Column '{column}' of {name} {what} ({first} to {last}): a row "
            "index or ID, which would let the model learn the row order instead of "
            f"the data. Drop it with --drop '{column}'."
        )


def _check_stray_text(frame, columns):
    """Refuses a mostly numeric column with a few text values (a typo, '?', 'n/a')."""
    for column in columns:
        values = frame[column]
        if _is_numeric(values):
            continue
        present = values.dropna()
        if len(present) == 0:
            continue
        parsed = pd.to_numeric(present.astype(str).str.strip(), errors="coerce")
        stray = parsed.isna()
        if stray.all() or stray.sum() > max(1, 0.1 * len(present)):
            continue
        bad = present[stray]
        tokens = list(dict.fromkeys(bad.astype(str)))
        mask = values.index.isin(bad.index)
        shown = ", ".join(repr(token) for token in tokens[:5])
        if len(tokens) > 5:
            shown += f" and {len(tokens) - 5} more"
        raise ValueError(
            f"Column '{column}' is numeric except for {int(stray.sum())} "
            f"value{'s' if stray.sum() > 1 else ''} "
            f"({shown}; data rows {_rows(mask)}). If they mean 'missing', pass "
            f"--na-values '{','.join(tokens[:5])}' (with --impute median); otherwise "
            "fix them in the file."
        )


def _check_infinite(features, numeric):
    for column in numeric:
        values = features[column].to_numpy(dtype="float64", na_value=np.nan)
        infinite = np.isinf(values)
        if infinite.any():
            raise ValueError(
                f"Column '{column}' has {int(infinite.sum())} infinite values (data rows "
                f"{_rows(infinite)}); replace them with numbers, or mark them missing "
                "(--na-values inf,-inf --impute median)."
            )


def _check_choice(parameter, value, choices):
    if value not in choices:
        raise ValueError(
            f"The '{parameter}' parameter must be one of {', '.join(choices)}. "
            f"Got {value!r} instead."
        )


def _check_columns(frame, name, columns, role):
    unknown = [c for c in columns if c not in frame.columns]
    if unknown:
        hint = ""
        if len(frame.columns) == 1:
            found = [s for s in SEPARATORS if s in str(frame.columns[0])]
            if found:
                hint = (f" The header looks delimited by {_sep_name(found[0])}, not by "
                        f"the one used: pass --sep '{found[0]}'.")
        listed = ", ".join(map(str, frame.columns[:20]))
        if len(frame.columns) > 20:
            listed += f" and {len(frame.columns) - 20} more"
        raise ValueError(
            f"Column {', '.join(map(repr, unknown))} (the {role}) is not in "
            f"{name}. Its columns are: {listed}.{hint}"
        )


def _rows(mask):
    rows = (np.flatnonzero(mask) + 1).tolist()
    shown = ", ".join(map(str, rows[:5]))
    return shown + (", ..." if len(rows) > 5 else "")


def _encode_target(column, target, task):
    missing = column.isna()
    if missing.any():
        raise ValueError(
            f"The target column '{target}' has {int(missing.sum())} missing "
            f"values (data rows {_rows(missing)}); drop those rows first."
        )
    if task == "regression":
        if not _is_numeric(column):
            raise ValueError(
                f"The target column '{target}' must be numeric for regression. "
                f"Got values such as {_plain(column.iloc[0])!r} instead."
            )
        values = column.to_numpy(dtype="float64")
        infinite = np.isinf(values)
        if infinite.any():
            raise ValueError(
                f"The target column '{target}' has {int(infinite.sum())} infinite "
                f"values (data rows {_rows(infinite)}); fix or drop those rows.")
        return values.astype("float32"), None, "regression"
    classes, y = np.unique(column.to_numpy(), return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            f"The target column '{target}' has a single class "
            f"({_plain(classes[0])!r}); classification needs at least two."
        )
    dataset_task = "binary" if len(classes) == 2 else "multiclass"
    return y.astype("int64"), [str(c) for c in classes], dataset_task


def _plain(value):
    """A NumPy scalar as the Python value it holds (so messages show `1`, not `np.int64(1)`)."""
    return value.item() if hasattr(value, "item") else value


def _is_numeric(column):
    return pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


def _check_id_columns(features, categorical):
    for column in categorical:
        values = features[column].dropna()
        if len(features) >= 10 and values.nunique() == len(features):
            raise ValueError(
                f"Column '{column}' is text with a different value in every row "
                "(an ID?); it cannot help a model generalise. Drop it with "
                f"--drop {column}."
            )


def _check_missing(features, impute):
    if impute is not None:
        for column in features:
            if features[column].isna().all():
                raise ValueError(
                    f"Column '{column}' has no values (all {len(features)} rows are "
                    f"missing), so --impute {impute} has nothing to impute it from; "
                    f"drop it with --drop '{column}'.")
        return
    for column in features:
        missing = features[column].isna()
        if missing.any():
            raise ValueError(
                f"Column '{column}' has {int(missing.sum())} missing values "
                f"(data rows {_rows(missing)}); impute or drop them "
                "(--impute median)."
            )


def _input_names(columns):
    names = []
    for column in columns:
        base = re.sub(r"\W+", "_", str(column)).strip("_") or "column"
        if base[0].isdigit() or base == "numeric":
            base = f"col_{base}"
        name, suffix = base, 2
        while name in names:
            name, suffix = f"{base}_{suffix}", suffix + 1
        names.append(name)
    return names

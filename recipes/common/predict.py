"""`keras-recipes predict`: a trained tabular run's model on new CSV rows.

    keras-recipes predict RUN_DIR --csv new.csv [--out predictions.csv]

The saved `model.keras` holds its preprocessing (imputation, scaling,
category encoding), so new rows go in raw, laid out as the run's
`schema.json` says. The output CSV keeps the input columns and adds the
prediction: `predicted_class` and one `probability_<class>` column per
class for a classifier (class names as in training), `predicted_<target>`
in the target's original units for a regression.
"""

import os

import numpy as np
import pandas as pd

from keras_recipes.recipes.common import csv_data
from keras_recipes.recipes.common.model_schema import feature_columns
from keras_recipes.recipes.common.model_schema import read_schema
from keras_recipes.recipes.common.runs import MARKER
from keras_recipes.recipes.common.runs import is_run_dir
from keras_recipes.recipes.common.runs import write_text

PREDICTABLE_RECIPES = ("tabular_classification", "regression")


def check_run(run_dir):
    """Checks that `run_dir` is a tabular run with a model and a schema.

    Args:
        run_dir: The run directory.

    Returns:
        The run's schema (a dict).

    Raises:
        ValueError: If `run_dir` is missing, not a run this project wrote
            (no `.keras-recipes-run` marker), or lacks `model.keras` or
            `schema.json`.
    """
    run_dir = os.fspath(run_dir)
    if not os.path.isdir(run_dir):
        raise ValueError(f"The run directory '{run_dir}' does not exist.")
    if not is_run_dir(run_dir):
        raise ValueError(
            f"'{run_dir}' is not a run directory of this project (it has no {MARKER} "
            "marker); give the folder a `keras-recipes run` wrote.")
    if not os.path.isfile(os.path.join(run_dir, "model.keras")):
        raise ValueError(f"The run directory '{run_dir}' has no model.keras (did the "
                         "run finish?).")
    return read_schema(run_dir)


def read_rows(path, schema, run_dir="the run"):
    """Reads a CSV of new rows the way the run read its training CSV.

    The target column and the columns training dropped (`--drop`) may be
    present; they are kept in the output but not fed to the model.

    Args:
        path: The CSV file.
        schema: The run's schema.
        run_dir: Shown in messages. Defaults to `"the run"`.

    Returns:
        A `pandas.DataFrame`.

    Raises:
        ValueError: If the file cannot be read, or its columns are not the
            run's (naming the missing and the extra ones).
    """
    options = schema.get("csv", {})
    frame = csv_data.read_csv(path, encoding=options.get("encoding", "utf-8"),
                              sep=options.get("sep"), na_values=options.get("na_values", ()))
    expected = feature_columns(schema)
    optional = [schema.get("target"), *options.get("drop", [])]
    frame = csv_data._drop_row_index(frame, os.path.basename(path), expected[0],
                                     optional, [])
    columns = [str(column) for column in frame.columns]
    missing = [c for c in expected if c not in columns]
    extra = [c for c in columns if c not in expected and c not in optional]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {_names(missing)}")
        if extra:
            parts.append(f"extra {_names(extra)}")
        raise ValueError(
            f"The columns of {path} do not match those {run_dir} was trained on: "
            f"{'; '.join(parts)}. Expected {_names(expected)} (the target "
            f"'{schema.get('target')}' may also be present).")
    return frame


def _names(columns, limit=10):
    shown = ", ".join(f"'{c}'" for c in columns[:limit])
    return shown + (f" and {len(columns) - limit} more" if len(columns) > limit else "")


def frame_to_inputs(frame, schema, name="the CSV"):
    """Turns raw rows into the inputs of the run's model.

    Args:
        frame: A `DataFrame` holding at least the schema's feature columns.
        schema: The run's schema.
        name: The file, for messages. Defaults to `"the CSV"`.

    Returns:
        A float32 matrix (all-numeric models) or a dict with `"numeric"` and
        one `(rows, 1)` string tensor per text column.

    Raises:
        ValueError: For text or infinite values in a numeric column, or
            missing numeric values when the run did not impute.
    """
    inputs = {}
    numeric = schema["numeric_columns"]
    if numeric:
        matrix = np.empty((len(frame), len(numeric)), dtype="float32")
        for index, column in enumerate(numeric):
            matrix[:, index] = _numeric_column(frame[column], column, name,
                                               schema.get("impute"))
        inputs["numeric"] = matrix
    if schema["categorical_columns"]:
        csv_data.check_text_backend(
            [entry["column"] for entry in schema["categorical_columns"]], name)
        import tensorflow as tf  # Keras feeds string inputs only as tensors.

        for entry in schema["categorical_columns"]:
            values = _text_column(frame[entry["column"]])
            inputs[entry["input"]] = tf.constant(values.reshape(-1, 1))
    if schema["input_kind"] == "array":
        return inputs["numeric"]
    return inputs


def _numeric_column(values, column, name, impute):
    parsed = pd.to_numeric(values.astype("string").str.strip(), errors="coerce") \
        if not csv_data._is_numeric(values) else values
    parsed = parsed.to_numpy(dtype="float64", na_value=np.nan)
    stray = np.isnan(parsed) & values.notna().to_numpy()
    if stray.any():
        tokens = list(dict.fromkeys(values[stray].astype(str)))[:5]
        raise ValueError(
            f"Column '{column}' of {name} was numeric in training but holds text "
            f"({', '.join(map(repr, tokens))}; data rows {csv_data._rows(stray)}); fix "
            "those values.")
    if np.isinf(parsed).any():
        infinite = np.isinf(parsed)
        raise ValueError(f"Column '{column}' of {name} has {int(infinite.sum())} infinite "
                         f"values (data rows {csv_data._rows(infinite)}).")
    missing = np.isnan(parsed)
    if missing.any() and impute is None:
        raise ValueError(
            f"Column '{column}' of {name} has {int(missing.sum())} missing values (data "
            f"rows {csv_data._rows(missing)}), but the run was trained without --impute, "
            "so its model cannot fill them; fill or drop those rows.")
    return parsed


def _text_column(values):
    """Strings as training made them: missing values become `""`."""
    if csv_data._is_numeric(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        if whole[~np.isnan(numbers)].all():  # Read as 1.0 after a gap; written as 1.
            values = values.astype("Int64")
    return values.astype("string").fillna("").to_numpy(str)


def prediction_columns(schema, outputs):
    """The prediction columns for raw model outputs, as an ordered dict."""
    outputs = np.asarray(outputs, dtype="float64")
    if schema["task"] == "regression":
        return {f"predicted_{schema.get('target') or 'target'}": outputs.reshape(-1)}
    names = schema["class_names"]
    if schema["task"] == "binary":
        positive = outputs.reshape(-1)
        probabilities = np.stack([1.0 - positive, positive], axis=1)
        classes = (positive >= 0.5).astype("int64")
    else:
        probabilities = outputs
        classes = outputs.argmax(axis=-1)
    columns = {"predicted_class": [names[c] for c in classes]}
    for index, class_name in enumerate(names):
        columns[f"probability_{class_name}"] = probabilities[:, index]
    return columns


def default_out(csv_path):
    """`new.csv` -> `new-predictions.csv`, next to the input."""
    stem, _ = os.path.splitext(os.fspath(csv_path))
    return f"{stem}-predictions.csv"


def predict_csv(run_dir, csv_path, out=None):
    """Predicts every row of a CSV with a run's model and writes them out.

    Args:
        run_dir: A run directory of `tabular_classification` or
            `regression` (with `schema.json`).
        csv_path: The new rows: the training CSV's feature columns, raw
            (text and missing values as in training).
        out: The CSV to write. It must not exist. Defaults to `None`:
            `<csv stem>-predictions.csv` next to `csv_path`.

    Returns:
        `(out, frame)`: the written path and the `DataFrame` written.

    Raises:
        ValueError: If `run_dir` is not such a run, `out` exists, or the CSV
            does not match (see `read_rows` and `frame_to_inputs`).

    Example:

    ```python
    out, frame = predict_csv("runs/my-run", "new.csv")
    frame["predicted_class"].value_counts()
    ```
    """
    run_dir = os.fspath(run_dir)
    out = os.fspath(out) if out is not None else default_out(csv_path)
    _check_out(out)
    schema = check_run(run_dir)
    frame = read_rows(csv_path, schema, run_dir=f"the run '{run_dir}'")
    inputs = frame_to_inputs(frame, schema, name=os.path.basename(csv_path))

    import keras  # Loading Keras takes seconds; the checks above do not need it.

    import keras_recipes.models  # noqa: F401 (registers the Imputer layer for loading)

    model = keras.saving.load_model(os.path.join(run_dir, "model.keras"))
    outputs = model.predict(inputs, verbose=0)
    result = frame.copy()
    for column, values in prediction_columns(schema, outputs).items():
        while column in result.columns:
            column = f"{column}_"
        result[column] = values
    _check_out(out)
    write_text(out, result.to_csv(index=False))
    return out, result


def _check_out(out):
    if os.path.exists(out):
        raise ValueError(f"The output file '{out}' already exists; refusing to overwrite "
                         "it. Give another path with --out.")
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise ValueError(f"The folder of the output file '{out}' does not exist.")


def summarise(schema, frame):
    """One line about the predictions, for the command line."""
    if schema["task"] == "regression":
        column = f"predicted_{schema.get('target') or 'target'}"
        values = frame[column]
        return (f"{len(frame)} rows; {column}: mean {values.mean():.4g}, "
                f"min {values.min():.4g}, max {values.max():.4g}")
    counts = frame["predicted_class"].value_counts()
    shown = ", ".join(f"{name} {count}" for name, count in counts.items())
    return f"{len(frame)} rows; predicted classes: {shown}"

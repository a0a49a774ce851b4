"""The input schema of a tabular run's model, saved as `schema.json`.

`model.keras` takes raw rows, but only in the layout it was trained on: the
numeric CSV columns together, in their training order, under the input
`"numeric"` (or as a plain matrix when the table has no text column), and
each text column under its own input name as a string tensor. `schema.json`
records that layout, the task, the class names and how the training CSV
was read, so `keras-recipes predict` and `export` can feed new rows and the
test split to the model exactly as training did.
"""

import os

from keras_recipes.recipes.common.runs import read_json
from keras_recipes.recipes.common.runs import write_json

SCHEMA_FILE = "schema.json"
SCHEMA_VERSION = 1


def dataset_schema(dataset, config):
    """Describes the inputs, task and classes of a tabular run's model.

    Args:
        dataset: The `Dataset` the model was trained on.
        config: The recipe's `TabularDataConfig`.

    Returns:
        A JSON-friendly dict.
    """
    names = [str(name) for name in dataset.feature_names]
    inputs = list(dataset.categorical_columns)
    split = len(names) - len(inputs)
    drop = [c.strip() for c in (config.drop or "").split(",") if c.strip()]
    na_values = [t.strip() for t in (getattr(config, "na_values", "") or "").split(",")
                 if t.strip()]
    return {
        "version": SCHEMA_VERSION,
        "dataset": dataset.name,
        "task": dataset.task,
        "target": config.target if config.csv else "target",
        "class_names": None if dataset.class_names is None
        else [str(name) for name in dataset.class_names],
        "input_kind": "dict" if isinstance(dataset.x_train, dict) else "array",
        "numeric_columns": names[:split],
        "categorical_columns": [{"column": column, "input": name}
                                for column, name in zip(names[split:], inputs)],
        "impute": config.impute,
        "csv": {"drop": drop, "na_values": na_values,
                "encoding": getattr(config, "encoding", "utf-8"),
                "sep": getattr(config, "sep", None)},
    }


def write_schema(run_dir, dataset, config):
    """Writes `RUN_DIR/schema.json` (atomically) and returns its path."""
    path = os.path.join(run_dir, SCHEMA_FILE)
    write_json(path, dataset_schema(dataset, config), sort_keys=False)
    return path


def read_schema(run_dir):
    """Reads `RUN_DIR/schema.json`.

    Raises:
        ValueError: If the run has none (it predates the schema, or is not
            a tabular run).
    """
    path = os.path.join(run_dir, SCHEMA_FILE)
    if not os.path.isfile(path):
        raise ValueError(
            f"The run directory '{run_dir}' has no {SCHEMA_FILE}, so the layout of its "
            "model's inputs is unknown. Only runs of tabular_classification and "
            "regression written by this version have one; train the run again.")
    return read_json(path)


def feature_columns(schema):
    """The CSV columns the model reads, numeric first (the training order)."""
    return list(schema["numeric_columns"]) + [
        entry["column"] for entry in schema["categorical_columns"]]


def rebuild_dataset(run_dir, schema, rebuilt_for):
    """Rebuilds a tabular run's train/validation/test split from its `config.json`.

    Args:
        run_dir: The run directory.
        schema: Its `schema.json` contents.
        rebuilt_for: What the split is needed for, as the error says it,
            e.g. "its test split cannot be rebuilt to check the export".

    Returns:
        The `Dataset`.

    Raises:
        ValueError: If the training CSV is gone or its columns changed.
    """
    import types

    from keras_recipes.recipes.common.tabular import load_tabular_data

    config = dict(read_json(os.path.join(run_dir, "config.json"))["config"], verbose=0)
    if config.get("csv") and not os.path.isfile(config["csv"]):
        raise ValueError(
            f"The run's training CSV '{config['csv']}' is not there any more, so "
            f"{rebuilt_for}; put it back (paths relative to the folder the run was "
            "started from).")
    task = "regression" if schema["task"] == "regression" else "classification"
    dataset = load_tabular_data(types.SimpleNamespace(**config), task=task)
    if [str(name) for name in dataset.feature_names] != feature_columns(schema):
        raise ValueError(f"The training data of '{run_dir}' changed since the run: its "
                         "columns differ from schema.json.")
    return dataset


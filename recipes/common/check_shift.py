"""`keras-recipes check-shift`: are new rows distributed like a run's training data?

    keras-recipes check-shift RUN_DIR --csv new.csv [--out shift.json] [--alpha 0.05]
        [--permutations 100] [--seed 0]

The new rows are read exactly as `keras-recipes predict` reads them (the
same refusal when their columns are not the run's, naming the missing and
the extra ones), the training split is rebuilt from the run's
`config.json`, and `keras_recipes.tuning.check_shift` compares them: a KS
or chi-squared test per feature (Holm-corrected), the population stability
index, a domain classifier's cross-validated AUC with a permutation
p-value, and a KS test of the model's output probabilities on the new rows
against those on the run's validation split (held out, so the model is
not over-confident on them). The command prints a short report, the
shifted features most shifted first, and writes every number to a JSON
file that must not exist yet. It exits 1 when a test detects a shift at
`--alpha` (like `diff`), so a pipeline can stop on it, and 0 when none
does; the PSI is reported beside the value sampling noise alone gives at
these sizes, but has no level and does not set the exit status.
"""

import os

# numpy, pandas, Keras and scikit-learn are imported inside the functions,
# so that `keras-recipes list` stays fast.


def default_out(csv_path):
    """`new.csv` -> `new-shift.json`, next to the input."""
    stem, _ = os.path.splitext(os.fspath(csv_path))
    return f"{stem}-shift.json"


def inputs_to_frame(inputs, schema):
    """Model inputs (a matrix, or the dict with text columns) as raw feature columns."""
    import numpy as np
    import pandas as pd

    numeric = inputs if schema["input_kind"] == "array" else inputs.get("numeric")
    frame = pd.DataFrame(np.asarray(numeric, "float64") if schema["numeric_columns"]
                         else None, columns=schema["numeric_columns"] or None)
    for entry in schema["categorical_columns"]:
        values = np.asarray(inputs[entry["input"]]).reshape(-1)
        frame[entry["column"]] = [v.decode() if isinstance(v, bytes) else str(v)
                                  for v in values]
    return frame


def check_csv(run_dir, csv_path, out=None, alpha=0.05, permutations=100, seed=0):
    """Checks a CSV of new rows for a shift from a run's training data.

    Args:
        run_dir: A `tabular_classification` or `regression` run directory.
        csv_path: The new rows, with the training CSV's feature columns.
        out: The JSON file to write; it must not exist. Defaults to `None`:
            `<csv stem>-shift.json` next to `csv_path`.
        alpha: Level of every test. Defaults to `0.05`.
        permutations: Permutations of the domain classifier's p-value.
            Defaults to `100`.
        seed: Seed of the domain classifier's folds and permutations.
            Defaults to `0`.

    Returns:
        `(out, report)`: the written path and the `ShiftReport`.

    Raises:
        ValueError: If `run_dir` is not such a run, `out` exists, the CSV's
            columns do not match (naming the missing and extra ones), or a
            setting is invalid.

    Example:

    ```python
    out, report = check_csv("runs/my-run", "new.csv")
    report.shifted_features
    ```
    """
    from keras_recipes.recipes.common.model_schema import rebuild_dataset
    from keras_recipes.recipes.common.predict import _check_out
    from keras_recipes.recipes.common.predict import check_run
    from keras_recipes.recipes.common.predict import frame_to_inputs
    from keras_recipes.recipes.common.predict import read_rows
    from keras_recipes.recipes.common.runs import write_json

    run_dir = os.fspath(run_dir)
    out = os.fspath(out) if out is not None else default_out(csv_path)
    _check_out(out)
    if not 0 < alpha < 1:
        raise ValueError(f"The 'alpha' parameter must be in (0, 1). Got {alpha!r} instead.")
    schema = check_run(run_dir)
    frame = read_rows(csv_path, schema, run_dir=f"the run '{run_dir}'")
    new_inputs = frame_to_inputs(frame, schema, name=os.path.basename(csv_path))
    dataset = rebuild_dataset(
        run_dir, schema, "the training rows cannot be rebuilt to compare against")

    import keras  # Loading Keras takes seconds; the checks above do not need it.

    import keras_recipes.models  # noqa: F401 (registers the Imputer layer for loading)
    from keras_recipes.tuning.distribution_shift import check_shift

    model = keras.saving.load_model(os.path.join(run_dir, "model.keras"))
    report = check_shift(
        inputs_to_frame(dataset.x_train, schema), inputs_to_frame(new_inputs, schema),
        model.predict(dataset.x_val, verbose=0), model.predict(new_inputs, verbose=0),
        categorical=[entry["column"] for entry in schema["categorical_columns"]],
        alpha=alpha, permutations=permutations, seed=seed)
    _check_out(out)
    write_json(out, {"run_dir": run_dir, "csv": os.fspath(csv_path),
                     "reference": "training split (features), validation split (outputs)",
                     **report.to_dict()})
    return out, report


def _check_shift(arguments):
    from keras_recipes.recipes.common.run_context import exit_on_error

    with exit_on_error("check-shift"):
        out, report = check_csv(arguments.run_dir, arguments.csv, arguments.out,
                                alpha=arguments.alpha, permutations=arguments.permutations,
                                seed=arguments.seed)
    print(report.summary())
    print(f"Shift report: {out}")
    return 1 if report.shift_found else 0


def add_check_shift_command(commands):
    """Adds `check-shift RUN_DIR --csv new.csv` to the `keras-recipes` subcommands."""
    checking = commands.add_parser(
        "check-shift", help="Test new CSV rows for a distribution shift from a tabular "
                            "run's training data (exit 1 when a test detects one).")
    checking.add_argument("run_dir", help="Directory of a tabular_classification or "
                                          "regression run.")
    checking.add_argument("--csv", required=True,
                          help="CSV of new rows with the training CSV's feature columns.")
    checking.add_argument("--out", default=None,
                          help="JSON report; must not exist. Defaults to "
                               "<csv stem>-shift.json next to --csv.")
    checking.add_argument("--alpha", type=float, default=0.05,
                          help="Level of every test (default 0.05).")
    checking.add_argument("--permutations", type=int, default=100,
                          help="Permutations of the domain classifier's p-value "
                               "(default 100).")
    checking.add_argument("--seed", type=int, default=0,
                          help="Seed of the domain classifier (default 0).")
    checking.set_defaults(handler=_check_shift)

"""The `predict` and `export` subcommands of `keras-recipes`.

    keras-recipes predict RUN_DIR --csv new.csv [--out predictions.csv]
    keras-recipes export RUN_DIR --format saved_model|tflite|onnx [--rows N]

Both take the directory of a finished `tabular_classification` or
`regression` run. Their modules are imported only when the command runs, so
`keras-recipes list` stays fast.
"""

import os
import sys


def _predict(arguments):
    from keras_recipes.recipes.common.predict import check_run
    from keras_recipes.recipes.common.predict import predict_csv
    from keras_recipes.recipes.common.predict import summarise
    from keras_recipes.recipes.common.run_context import exit_on_error

    with exit_on_error("predict"):
        schema = check_run(arguments.run_dir)
        out, frame = predict_csv(arguments.run_dir, arguments.csv, arguments.out)
    print(summarise(schema, frame))
    print(f"Predictions: {out}")
    return 0


def _export(arguments):
    from keras_recipes.recipes.common.export import export_run
    from keras_recipes.recipes.common.export import format_table
    from keras_recipes.recipes.common.run_context import exit_on_error

    with exit_on_error("export"):
        report = export_run(arguments.run_dir, arguments.format, rows=arguments.rows)
    print(format_table(report))
    print(f"Export report: {os.path.join(report['folder'], 'report.md')}")
    failed = [entry["format"] for entry in report["exports"] if not entry["ok"]]
    if failed:
        print(f"keras-recipes export: error: outside tolerance: {', '.join(failed)}.",
              file=sys.stderr)
        return 1
    return 0


def add_model_commands(commands):
    """Adds `predict` and `export` to the `keras-recipes` subparsers."""
    predicting = commands.add_parser(
        "predict", help="Predict new CSV rows with a tabular run's model.keras.")
    predicting.add_argument("run_dir", help="Directory of a tabular_classification or "
                                            "regression run.")
    predicting.add_argument("--csv", required=True,
                            help="CSV of new rows with the training CSV's feature columns.")
    predicting.add_argument("--out", default=None,
                            help="Output CSV; must not exist. Defaults to "
                                 "<csv stem>-predictions.csv next to --csv.")
    predicting.set_defaults(handler=_predict)
    exporting = commands.add_parser(
        "export", help="Export a tabular run's model (SavedModel, TFLite) and check it "
                       "against the Keras model on the test split.")
    exporting.add_argument("run_dir", help="Directory of a tabular_classification or "
                                           "regression run.")
    exporting.add_argument("--format", required=True,
                           help="saved_model, tflite or onnx (comma-separated for "
                                "several).")
    exporting.add_argument("--rows", type=int, default=None,
                           help="Test rows to compare on. Defaults to the whole test "
                                "split.")
    exporting.set_defaults(handler=_export)

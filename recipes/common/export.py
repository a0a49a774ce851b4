"""`keras-recipes export`: a tabular run's model as SavedModel, TFLite or ONNX.

    keras-recipes export RUN_DIR --format saved_model|tflite|onnx [--rows N]

Every export is reloaded and run on the rows of the run's test split (the
split is rebuilt from `config.json`, so the training CSV must still be where
it was), and its predictions are compared with the Keras model's. The
report (`report.md` and `report.json`) records, per format, the file size,
the largest absolute difference from Keras and the median latency of a
single-row prediction. Each export goes into a new folder
`RUN_DIR/export/FORMATS[-N]/`; nothing is ever overwritten.

- `saved_model`: `model.export(format="tf_saved_model")`, with the
  `serving_default` signature (and the `serve` endpoint); reloaded with
  `tf.saved_model.load`.
- `tflite`: converted from that SavedModel twice, plain float32 and with
  dynamic-range quantisation (`tf.lite.Optimize.DEFAULT`); run with the
  TFLite interpreter shipped in TensorFlow.
- `onnx`: tf2onnx's converter (`python -m tf2onnx.convert --saved-model`),
  run with onnxruntime; needs `pip install "keras-recipes[onnx]"`.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

from keras_recipes.recipes.common.predict import check_run
from keras_recipes.recipes.common.runs import write_json
from keras_recipes.recipes.common.runs import write_text

FORMATS = ("saved_model", "tflite", "onnx")
# Largest |export - keras| allowed, relative to max(1, max |keras|).
FLOAT_TOLERANCE = 1e-4
QUANTISED_TOLERANCE = 5e-2
LATENCY_CALLS = 100


def parse_formats(formats):
    """`"tflite,onnx"` or a list -> a checked tuple of format names."""
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"The 'format' parameter must be one or more of "
                         f"{', '.join(FORMATS)} (comma-separated). Got "
                         f"{','.join(formats) or 'nothing'!r} instead.")
    if "onnx" in formats:
        check_onnx_available()
    return formats


def check_onnx_available():
    """Raises a `ValueError` with the install command unless tf2onnx and onnxruntime import."""
    missing = []
    for module in ("tf2onnx", "onnxruntime"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise ValueError(
            f"--format onnx needs {' and '.join(missing)} (tf2onnx 1.17 converts "
            "TensorFlow 2.21 / Keras 3 SavedModels; onnxruntime checks the result): "
            "pip install \"keras-recipes[onnx]\".")


def new_export_folder(run_dir, formats):
    """Creates and returns a fresh `RUN_DIR/export/NAME[-N]` folder."""
    root = os.path.join(run_dir, "export")
    base = "+".join(formats)
    folder, suffix = os.path.join(root, base), 2
    while os.path.exists(folder):
        folder, suffix = os.path.join(root, f"{base}-{suffix}"), suffix + 1
    os.makedirs(folder)
    return folder


def test_split_inputs(run_dir, schema, rows=None):
    """Rebuilds the run's test split from its `config.json`.

    Returns:
        `(feeds, count)`: a dict `{input name: NumPy array}` (strings as
        bytes objects) and the number of rows.

    Raises:
        ValueError: If the training CSV is gone or no longer matches.
    """
    from keras_recipes.recipes.common.model_schema import rebuild_dataset

    dataset = rebuild_dataset(run_dir, schema,
                              "its test split cannot be rebuilt to check the export")
    x = dataset.x_test
    feeds = dict(x) if isinstance(x, dict) else {"numeric": x}
    feeds = {name: np.asarray(value) for name, value in feeds.items()}
    count = len(next(iter(feeds.values())))
    if rows is not None:
        if rows < 1:
            raise ValueError(f"The 'rows' parameter must be at least 1. Got {rows} instead.")
        count = min(count, rows)
        feeds = {name: value[:count] for name, value in feeds.items()}
    return feeds, count


def _model_inputs(feeds, schema):
    import tensorflow as tf

    tensors = {name: tf.constant(value) for name, value in feeds.items()}
    return tensors["numeric"] if schema["input_kind"] == "array" else tensors


def _one_row(feeds):
    return {name: value[:1] for name, value in feeds.items()}


def _latency_ms(function, calls=LATENCY_CALLS):
    for _ in range(5):
        function()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return 1000.0 * float(np.median(times))


def _size(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(root, name))
               for root, _, names in os.walk(path) for name in names)


def _entry(name, path, outputs, reference, latency, tolerance, note=""):
    outputs = np.asarray(outputs, dtype="float64").reshape(reference.shape)
    difference = float(np.max(np.abs(outputs - reference)))
    scale = max(1.0, float(np.max(np.abs(reference))))
    return {"format": name, "path": os.path.basename(path), "size_bytes": _size(path),
            "max_abs_diff": difference, "tolerance": tolerance * scale,
            "ok": bool(difference <= tolerance * scale),
            "latency_ms_single_row": latency, "note": note}


def _export_saved_model(model, folder):
    path = os.path.join(folder, "saved_model")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.export(path, format="tf_saved_model", verbose=False)
    return path


def _check_saved_model(path, feeds, schema, reference):
    import tensorflow as tf

    loaded = tf.saved_model.load(path)
    signature = loaded.signatures["serving_default"]

    def call(inputs):
        tensors = {name: tf.constant(value) for name, value in inputs.items()}
        return next(iter(signature(**tensors).values())).numpy()

    single = _one_row(feeds)
    return _entry("SavedModel (serving_default)", path, call(feeds), reference,
                  _latency_ms(lambda: call(single)), FLOAT_TOLERANCE)


def _convert_tflite(saved_model, path, quantise, schema):
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
    if quantise:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    try:
        flatbuffer = converter.convert()
    except Exception as error:  # The converter raises ConverterError and others.
        text = " ".join(str(error).split())[-400:]
        hint = (" The model has text inputs (StringLookup tables); TFLite's built-in "
                "ops may not cover them: export saved_model instead, or encode the "
                "text columns before the model." if schema["categorical_columns"] else "")
        raise ValueError(f"TFLite cannot convert this model: {text}.{hint}") from None
    with open(path, "wb") as handle:
        handle.write(flatbuffer)
    return path


def _tflite_runner(path, schema):
    import tensorflow as tf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter's deprecation notice.
        interpreter = tf.lite.Interpreter(model_path=path)
    runner = interpreter.get_signature_runner("serving_default")

    def call(inputs):
        try:
            outputs = runner(**inputs)
        except Exception as error:
            text = " ".join(str(error).split())[-300:]
            hint = (" (its text inputs need TFLite's hashtable ops; export saved_model "
                    "instead)" if schema["categorical_columns"] else "")
            raise ValueError(f"The TFLite interpreter cannot run {os.path.basename(path)}"
                             f"{hint}: {text}") from None
        return next(iter(outputs.values()))

    return call


def _tflite_feeds(feeds):
    return {name: value.astype("float32") if value.dtype.kind == "f" else value
            for name, value in feeds.items()}


def _check_tflite(path, feeds, schema, reference, quantise):
    call = _tflite_runner(path, schema)
    feeds = _tflite_feeds(feeds)
    outputs = np.concatenate([call(_row(feeds, i)) for i in range(len(reference))])
    single = _one_row(feeds)
    name = "TFLite, dynamic-range quantised" if quantise else "TFLite, float32"
    note = "weights int8, activations float" if quantise else ""
    return _entry(name, path, outputs, reference, _latency_ms(lambda: call(single)),
                  QUANTISED_TOLERANCE if quantise else FLOAT_TOLERANCE, note)


def _row(feeds, index):
    return {name: value[index:index + 1] for name, value in feeds.items()}


def _convert_onnx(saved_model, path):
    command = [sys.executable, "-m", "tf2onnx.convert", "--saved-model", saved_model,
               "--signature_def", "serving_default", "--opset", "17", "--output", path]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not os.path.isfile(path):
        lines = [line for line in done.stderr.splitlines() if "Error" in line] or \
            done.stderr.splitlines()[-3:]
        raise ValueError("tf2onnx could not convert the SavedModel: "
                         f"{' '.join(' '.join(lines).split())[-400:]}")
    return path


def _check_onnx(path, feeds, reference):
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])

    def prepared(inputs):  # onnxruntime wants str objects; TensorFlow gives bytes.
        return {name: _as_str(value) if value.dtype.kind in "SUO" else
                value.astype("float32") for name, value in inputs.items()}

    batch, single = prepared(feeds), prepared(_one_row(feeds))
    return _entry("ONNX (onnxruntime)", path, session.run(None, batch)[0], reference,
                  _latency_ms(lambda: session.run(None, single)), FLOAT_TOLERANCE)


def _as_str(values):
    return np.vectorize(lambda v: v.decode("utf-8") if isinstance(v, bytes) else str(v),
                        otypes=[object])(values)


def export_run(run_dir, formats, rows=None):
    """Exports a run's model and checks each export against Keras on the test split.

    Args:
        run_dir: A `tabular_classification` or `regression` run directory.
        formats: `"saved_model"`, `"tflite"`, `"onnx"`, a comma-separated
            string of them, or a list.
        rows: How many test rows to compare on. Defaults to `None` (all).

    Returns:
        The report dict (also written as `report.json` and `report.md` in
        its `folder`): one entry per export, plus the Keras model itself,
        with size, `max_abs_diff`, tolerance, `ok` and single-row latency.

    Raises:
        ValueError: For a bad run directory or format, a missing training
            CSV, missing ONNX packages, or a model the TFLite converter or
            interpreter cannot handle (the message says which).
    """
    run_dir = os.fspath(run_dir)
    formats = parse_formats(formats)
    schema = check_run(run_dir)
    feeds, count = test_split_inputs(run_dir, schema, rows)

    import keras

    import keras_recipes.models  # noqa: F401 (registers the Imputer layer for loading)

    model_path = os.path.join(run_dir, "model.keras")
    model = keras.saving.load_model(model_path)
    reference = np.asarray(model.predict(_model_inputs(feeds, schema), verbose=0),
                           dtype="float64")
    single = _model_inputs(_one_row(feeds), schema)
    entries = [_entry("Keras (model.keras)", model_path, reference, reference,
                      _latency_ms(lambda: model(single, training=False)), 0.0,
                      "the reference; latency of an eager model(x) call")]
    folder = new_export_folder(run_dir, formats)
    try:
        entries += _export_formats(model, folder, formats, feeds, schema, reference)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # No half-written export is left.
        raise
    report = {"run_dir": run_dir, "folder": folder, "formats": list(formats),
              "test_rows": count, "task": schema["task"], "exports": entries}
    write_json(os.path.join(folder, "report.json"), report, sort_keys=False)
    write_text(os.path.join(folder, "report.md"), _markdown(report))
    return report


def _export_formats(model, folder, formats, feeds, schema, reference):
    entries = []
    with tempfile.TemporaryDirectory() as scratch:
        keep = "saved_model" in formats
        saved_model = _export_saved_model(model, folder if keep else scratch)
        if keep:
            entries.append(_check_saved_model(saved_model, feeds, schema, reference))
        if "tflite" in formats:
            for quantise in (False, True):
                name = "model_quantized.tflite" if quantise else "model.tflite"
                path = _convert_tflite(saved_model, os.path.join(folder, name), quantise,
                                       schema)
                entries.append(_check_tflite(path, feeds, schema, reference, quantise))
        if "onnx" in formats:
            path = _convert_onnx(saved_model, os.path.join(folder, "model.onnx"))
            entries.append(_check_onnx(path, feeds, reference))
    return entries


def format_table(report):
    """The report's exports as a Markdown table."""
    lines = ["| format | file | size | max abs diff vs Keras | tolerance | ok | "
             "single-row latency |", "|---|---|---|---|---|---|---|"]
    for entry in report["exports"]:
        lines.append(
            f"| {entry['format']} | {entry['path']} | {entry['size_bytes'] / 1024:.1f} KiB "
            f"| {entry['max_abs_diff']:.3g} | {entry['tolerance']:.3g} | "
            f"{'yes' if entry['ok'] else 'NO'} | {entry['latency_ms_single_row']:.3f} ms |")
    return "\n".join(lines)


def _markdown(report):
    failed = [e["format"] for e in report["exports"] if not e["ok"]]
    verdict = ("Every export agrees with the Keras model within its tolerance."
               if not failed else f"**Outside tolerance: {', '.join(failed)}.**")
    return (
        f"# Export of {report['run_dir']}\n\n"
        f"Each export was reloaded and run on {report['test_rows']} rows of the run's "
        "test split; its predictions are compared with those of `model.keras` (the "
        "largest absolute difference, in the model's output units: probabilities for "
        "a classifier, target units for a regression). Tolerances are relative to "
        f"max(1, max |prediction|): {FLOAT_TOLERANCE:g} for float exports, "
        f"{QUANTISED_TOLERANCE:g} for quantised ones. Latency is the median of "
        f"{LATENCY_CALLS} single-row calls after 5 warm-up calls, on this machine.\n\n"
        f"{format_table(report)}\n\n{verdict}\n")

"""`keras-recipes export`: each format is reloaded and checked on the test split."""

import importlib.util
import json
import os

import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes import regression
from keras_recipes.recipes import tabular_classification
from keras_recipes.recipes.common import cli
from keras_recipes.recipes.common import export

# Its runs train on a CSV with a text column, and ONNX goes through a SavedModel.
pytestmark = pytest.mark.tensorflow_only

HAS_ONNX = all(importlib.util.find_spec(m) for m in ("tf2onnx", "onnxruntime"))


def text_and_missing_csv(path, rows=90):
    rng = np.random.default_rng(0)
    size = rng.normal(0, 1, rows)
    colour = rng.choice(["red", "green", "blue"], rows).astype(object)
    frame = pd.DataFrame({"size": size, "age": rng.normal(5, 2, rows), "colour": colour,
                          "label": np.where(size + (colour == "red") > 0.5, "yes", "no")})
    frame.loc[[3, 40], "age"] = np.nan
    frame.loc[[5, 60], "colour"] = np.nan
    frame.to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="module")
def classifier_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export_classifier")
    csv = text_and_missing_csv(folder / "train.csv")
    return tabular_classification.run(tabular_classification.Config(
        smoke=True, verbose=0, csv=csv, target="label", impute="median",
        out=str(folder / "run"))).run_dir


@pytest.fixture(scope="module")
def regression_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export_regression")
    return regression.run(regression.Config(smoke=True, verbose=0,
                                            out=str(folder / "run"))).run_dir


FORMATS = ["saved_model", "tflite"] + (["onnx"] if HAS_ONNX else [])
FILES = {"SavedModel (serving_default)": "saved_model", "TFLite, float32": "model.tflite",
         "TFLite, dynamic-range quantised": "model_quantized.tflite",
         "ONNX (onnxruntime)": "model.onnx"}


@pytest.mark.parametrize("run", ["classifier_run", "regression_run"])
def test_every_format_reloads_and_agrees_with_keras_on_the_test_split(run, request):
    run_dir = request.getfixturevalue(run)
    report = export.export_run(run_dir, ",".join(FORMATS))
    formats = [entry["format"] for entry in report["exports"]]
    expected = ["Keras (model.keras)", "SavedModel (serving_default)", "TFLite, float32",
                "TFLite, dynamic-range quantised"] + (["ONNX (onnxruntime)"] if HAS_ONNX else [])
    assert formats == expected
    assert report["test_rows"] == 14 if run == "classifier_run" else 67
    for entry in report["exports"]:
        assert entry["ok"], entry
        assert entry["size_bytes"] > 0 and entry["latency_ms_single_row"] > 0
        if entry["format"] in FILES:
            assert os.path.exists(os.path.join(report["folder"], FILES[entry["format"]]))
    floats = [e for e in report["exports"] if "quantised" not in e["format"]]
    assert max(e["max_abs_diff"] for e in floats) <= 1e-3 * max(1, 346)
    quantised = report["exports"][3]
    assert quantised["size_bytes"] < report["exports"][2]["size_bytes"]
    saved = json.load(open(os.path.join(report["folder"], "report.json")))
    assert saved["exports"] == json.loads(json.dumps(report["exports"]))
    markdown = open(os.path.join(report["folder"], "report.md")).read()
    assert "| TFLite, float32 | model.tflite |" in markdown


def test_a_second_export_gets_a_new_folder_and_the_check_can_fail(
        regression_run, monkeypatch, capsys):
    first = export.export_run(regression_run, "tflite")
    before = os.path.getmtime(os.path.join(first["folder"], "model.tflite"))
    # With a zero tolerance the float TFLite export (off by ~1e-5) fails the
    # check: the comparison is real, and the command says so with exit 1.
    monkeypatch.setattr(export, "FLOAT_TOLERANCE", 0.0)
    assert cli.main(["export", regression_run, "--format", "tflite", "--rows", "5"]) == 1
    output = capsys.readouterr()
    assert "outside tolerance: TFLite, float32" in output.err
    folders = sorted(os.listdir(os.path.join(regression_run, "export")))
    assert "tflite" in folders and "tflite-2" in folders
    assert os.path.getmtime(os.path.join(first["folder"], "model.tflite")) == before
    second = json.load(open(os.path.join(regression_run, "export", "tflite-2",
                                         "report.json")))
    assert second["test_rows"] == 5


def test_unknown_format_and_a_folder_that_is_not_a_run_are_refused(tmp_path, capsys):
    with pytest.raises(ValueError, match="saved_model, tflite, onnx.*'coreml'"):
        export.parse_formats("coreml")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["export", str(tmp_path), "--format", "tflite"])
    assert exit_info.value.code == 2
    assert ".keras-recipes-run" in capsys.readouterr().err


def test_a_missing_training_csv_is_named(classifier_run, tmp_path):
    import shutil

    moved = tmp_path / "run"
    shutil.copytree(classifier_run, moved)
    config = json.load(open(moved / "config.json"))
    config["config"]["csv"] = str(tmp_path / "gone.csv")
    (moved / "config.json").write_text(json.dumps(config))
    before = sorted(os.listdir(moved / "export")) if (moved / "export").exists() else []
    with pytest.raises(ValueError, match="gone.csv' is not there any more"):
        export.export_run(str(moved), "saved_model")
    after = sorted(os.listdir(moved / "export")) if (moved / "export").exists() else []
    assert after == before

"""`keras-recipes predict`: raw CSV rows in, classes/probabilities or values out."""

import json
import os

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from keras_recipes.recipes import regression
from keras_recipes.recipes import tabular_classification
from keras_recipes.recipes.common import cli
from keras_recipes.recipes.common.predict import predict_csv


def labelled_frame(rows=90, seed=0):
    rng = np.random.default_rng(seed)
    size = rng.normal(0, 1, rows)
    colour = rng.choice(["red", "green", "blue"], rows).astype(object)
    age = rng.normal(5, 2, rows)
    label = np.where(size + (colour == "red") > 0.5, "yes", "no")
    frame = pd.DataFrame({"size": size, "age": age, "colour": colour, "label": label,
                          "price": 100 + 20 * size - 5 * age})
    frame.loc[[3, rows // 2], "age"] = np.nan
    frame.loc[[5], "colour"] = np.nan
    return frame


@pytest.fixture(scope="module")
def classifier_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("classifier")
    path = folder / "train.csv"
    labelled_frame().drop(columns=["price"]).to_csv(path, index=False)
    result = tabular_classification.run(tabular_classification.Config(
        smoke=True, verbose=0, csv=str(path), target="label", impute="median",
        out=str(folder / "run")))
    return result.run_dir, folder


@pytest.fixture(scope="module")
def regression_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("regression")
    result = regression.run(regression.Config(smoke=True, verbose=0,
                                              out=str(folder / "run")))
    return result.run_dir, folder


def new_rows(folder, frame, name="new.csv"):
    path = folder / name
    frame.to_csv(path, index=False)
    return str(path)


@pytest.mark.tensorflow_only  # The classifier's CSV has a text column.
def test_schema_records_the_inputs_and_classes(classifier_run):
    run_dir, _ = classifier_run
    schema = json.load(open(os.path.join(run_dir, "schema.json")))
    assert schema["numeric_columns"] == ["size", "age"]
    assert schema["categorical_columns"] == [{"column": "colour", "input": "colour"}]
    assert schema["class_names"] == ["no", "yes"] and schema["impute"] == "median"


@pytest.mark.tensorflow_only  # The classifier's CSV has a text column.
def test_classifier_predictions_match_the_model_on_raw_rows(classifier_run, tmp_path):
    run_dir, _ = classifier_run
    frame = labelled_frame(rows=30, seed=1).drop(columns=["label", "price"])
    out, result = predict_csv(run_dir, new_rows(tmp_path, frame))
    assert os.path.basename(out) == "new-predictions.csv" and os.path.isfile(out)
    written = pd.read_csv(out)
    assert list(written.columns) == ["size", "age", "colour", "predicted_class",
                                     "probability_no", "probability_yes"]
    assert set(written["predicted_class"]) <= {"no", "yes"}
    np.testing.assert_allclose(written[["probability_no", "probability_yes"]].sum(axis=1),
                               1.0, atol=1e-6)
    # The model fed by hand, as the README shows: text as string tensors,
    # missing values as NaN (imputed inside the model) and "".
    model = keras.saving.load_model(os.path.join(run_dir, "model.keras"))
    expected = model.predict({
        "numeric": frame[["size", "age"]].to_numpy("float32"),
        "colour": tf.constant(frame["colour"].fillna("").to_numpy(str).reshape(-1, 1)),
    }, verbose=0).reshape(-1)
    np.testing.assert_allclose(written["probability_yes"], expected, atol=1e-6)
    assert np.isnan(written.loc[3, "age"])  # Input columns kept as given.


@pytest.mark.tensorflow_only  # The classifier's CSV has a text column.
def test_the_training_csv_with_its_target_is_accepted(classifier_run, tmp_path):
    run_dir, folder = classifier_run
    _, result = predict_csv(run_dir, str(folder / "train.csv"), out=str(tmp_path / "p.csv"))
    assert "label" in result.columns and len(result) == 90
    # Three smoke epochs on an easy rule: most training rows are right.
    assert (result["predicted_class"] == result["label"]).mean() > 0.5


@pytest.mark.tensorflow_only  # The classifier's CSV has a text column.
def test_mismatched_columns_are_refused_naming_missing_and_extra(classifier_run,
                                                                 tmp_path, capsys):
    run_dir, _ = classifier_run
    frame = labelled_frame(rows=10).drop(columns=["label", "age"])  # extra: price
    path = new_rows(tmp_path, frame)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["predict", run_dir, "--csv", path])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "missing 'age'" in error and "extra 'price'" in error
    assert not os.path.exists(tmp_path / "new-predictions.csv")


@pytest.mark.tensorflow_only  # The classifier's CSV has a text column.
def test_an_existing_output_is_never_overwritten(classifier_run, tmp_path, capsys):
    run_dir, _ = classifier_run
    path = new_rows(tmp_path, labelled_frame(rows=10).drop(columns=["label", "price"]))
    out = tmp_path / "out.csv"
    out.write_text("keep me")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["predict", run_dir, "--csv", path, "--out", str(out)])
    assert exit_info.value.code == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_text() == "keep me"


def test_a_folder_without_the_run_marker_is_refused(tmp_path, capsys):
    folder = tmp_path / "not_a_run"
    folder.mkdir()
    (folder / "model.keras").write_text("")
    path = new_rows(tmp_path, labelled_frame(rows=10))
    with pytest.raises(SystemExit):
        cli.main(["predict", str(folder), "--csv", path])
    assert ".keras-recipes-run" in capsys.readouterr().err


def test_regression_predictions_are_in_target_units(regression_run, tmp_path, capsys):
    run_dir, _ = regression_run
    from keras_recipes.recipes.common.datasets import load_dataset

    data = load_dataset("diabetes")
    frame = pd.DataFrame(data.x_test, columns=data.feature_names)
    out = tmp_path / "diabetes-predictions.csv"
    assert cli.main(["predict", run_dir, "--csv", new_rows(tmp_path, frame),
                     "--out", str(out)]) == 0
    assert "predicted_target" in capsys.readouterr().out
    written = pd.read_csv(out)
    model = keras.saving.load_model(os.path.join(run_dir, "model.keras"))
    np.testing.assert_allclose(written["predicted_target"],
                               model.predict(data.x_test, verbose=0).reshape(-1),
                               rtol=1e-5)
    # In the target's units (25-346), not standardised around 0.
    assert abs(written["predicted_target"].mean() - data.y_train.mean()) < data.y_train.std()


def test_missing_values_are_refused_when_the_run_did_not_impute(regression_run, tmp_path):
    run_dir, _ = regression_run
    from keras_recipes.recipes.common.datasets import load_dataset

    data = load_dataset("diabetes")
    frame = pd.DataFrame(data.x_test[:5], columns=data.feature_names)
    frame.loc[2, "bmi"] = np.nan
    with pytest.raises(ValueError, match=r"'bmi'.*1 missing.*rows 3.*without --impute"):
        predict_csv(run_dir, new_rows(tmp_path, frame))

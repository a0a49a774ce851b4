import os

import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes.common.csv_data import load_csv

pytestmark = pytest.mark.tensorflow_only  # Text columns need TensorFlow string tensors.


def make_frame(rows=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "age": rng.integers(20, 70, rows),
        "income": rng.normal(50, 10, rows).round(2),
        "colour": rng.choice(["red", "green", "blue"], rows),
        "label": rng.choice(["yes", "no"], rows),
    })


def write(tmp_path, frame, name="data.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def test_numeric_and_categorical_columns_are_split_into_inputs(tmp_path):
    data = load_csv(write(tmp_path, make_frame()), "label", seed=1)
    assert data.task == "binary"
    assert data.class_names == ["no", "yes"]
    assert set(data.x_train) == {"numeric", "colour"}
    assert data.x_train["numeric"].shape[1] == 2
    assert data.x_train["colour"].shape[1] == 1
    assert data.categorical_columns == ["colour"]
    assert data.feature_names == ["age", "income", "colour"]


def test_all_numeric_csv_gives_a_plain_array(tmp_path):
    frame = make_frame().drop(columns=["colour"])
    data = load_csv(write(tmp_path, frame), "label")
    assert isinstance(data.x_train, np.ndarray)


def test_regression_target(tmp_path):
    data = load_csv(write(tmp_path, make_frame()), "income", task="regression")
    assert data.task == "regression" and data.class_names is None
    assert data.y_train.dtype == np.float32


def test_missing_values_are_refused_with_column_count_and_rows(tmp_path):
    frame = make_frame()
    frame.loc[[3, 16, 40], "income"] = np.nan
    path = write(tmp_path, frame)
    with pytest.raises(ValueError) as error:
        load_csv(path, "label")
    message = str(error.value)
    assert "'income'" in message and "3 missing" in message
    assert "4, 17, 41" in message and "--impute" in message


def test_missing_values_are_kept_for_the_model_with_impute(tmp_path):
    frame = make_frame()
    frame.loc[[3, 16], "income"] = np.nan
    frame.loc[[5], "colour"] = np.nan
    data = load_csv(write(tmp_path, frame), "label", impute="median")
    numeric = np.concatenate([data.x_train["numeric"], data.x_val["numeric"],
                              data.x_test["numeric"]])
    assert np.isnan(numeric).sum() == 2


def test_the_file_is_not_modified(tmp_path):
    path = write(tmp_path, make_frame())
    before = open(path, "rb").read()
    load_csv(path, "label", impute="mean")
    assert open(path, "rb").read() == before


@pytest.mark.parametrize("case, match", [
    ("missing_file", "does not exist"),
    ("empty_file", "is empty"),
    ("header_only", "no data rows"),
    ("unknown_target", "'price' .*target.* age, income, colour, label"),
    ("one_class", "single class"),
    ("target_nan", "target column 'label' has 2 missing"),
    ("id_column", "'customer'.*--drop customer"),
    ("too_few_rows", "8 rows"),
    ("unknown_drop", "'nope' .*drop"),
    ("bad_impute", "'impute' parameter"),
])
def test_bad_input_is_refused_by_name(tmp_path, case, match):
    frame = make_frame()
    target, kwargs = "label", {}
    if case == "missing_file":
        path = str(tmp_path / "nowhere.csv")
    elif case == "empty_file":
        path = str(tmp_path / "empty.csv")
        open(path, "w").close()
    elif case == "header_only":
        path = write(tmp_path, frame.iloc[:0])
    else:
        if case == "unknown_target":
            target = "price"
        elif case == "one_class":
            frame["label"] = "yes"
        elif case == "target_nan":
            frame.loc[[1, 2], "label"] = np.nan
        elif case == "id_column":
            frame["customer"] = [f"c{i}" for i in range(len(frame))]
        elif case == "too_few_rows":
            frame = frame.iloc[:8]
        elif case == "unknown_drop":
            kwargs["drop"] = ["nope"]
        elif case == "bad_impute":
            kwargs["impute"] = "zero"
        path = write(tmp_path, frame)
    with pytest.raises(ValueError, match=match):
        load_csv(path, target, **kwargs)
    if os.path.exists(path) and case != "empty_file":
        assert os.path.getsize(path) > 0


def test_dropping_an_id_column_makes_it_load(tmp_path):
    frame = make_frame()
    frame["customer"] = [f"c{i}" for i in range(len(frame))]
    data = load_csv(write(tmp_path, frame), "label", drop=["customer"])
    assert "customer" not in data.feature_names

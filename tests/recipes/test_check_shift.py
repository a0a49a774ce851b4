"""`keras-recipes check-shift` on a tabular_classification --smoke run."""

import json
import os

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes import tabular_classification
from keras_recipes.recipes.common import cli
from keras_recipes.recipes.common.check_shift import check_csv


# Text columns of a CSV run reach the model as TensorFlow string tensors, so
# the other backends test a numeric table.
TEXT = keras.backend.backend() == "tensorflow"
COLUMNS = ["size", "age", "colour"] if TEXT else ["size", "age"]


def table(rows, seed, size_shift=0.0):
    rng = np.random.default_rng(seed)
    size = rng.normal(0, 1, rows) + size_shift
    colour = rng.choice(["red", "green", "blue"], rows).astype(object)
    frame = pd.DataFrame({"size": size, "age": rng.normal(5, 2, rows), "colour": colour,
                          "label": np.where(size + (colour == "red") > 0.5, "yes", "no")})
    frame.loc[[3], "age"] = np.nan
    return frame if TEXT else frame.drop(columns=["colour"])


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shift")
    table(200, seed=0).to_csv(folder / "train.csv", index=False)
    result = tabular_classification.run(tabular_classification.Config(
        smoke=True, verbose=0, csv=str(folder / "train.csv"), target="label",
        impute="median", out=str(folder / "run")))
    return result.run_dir


def new_csv(folder, frame, name="new.csv"):
    frame.to_csv(folder / name, index=False)
    return str(folder / name)


def test_rows_like_the_training_data_pass(run_dir, tmp_path, capsys):
    csv = new_csv(tmp_path, table(80, seed=1).drop(columns=["label"]))
    assert cli.main(["check-shift", run_dir, "--csv", csv, "--permutations", "19"]) == 0
    out = capsys.readouterr().out
    assert "No feature shifted" in out and "No test detected a shift" in out
    written = json.load(open(os.path.join(tmp_path, "new-shift.json")))
    assert written["shift_found"] is False and written["rows"] == {"reference": 139,
                                                                   "current": 80}
    assert [row["feature"] for row in written["features"]] == COLUMNS


def test_a_moved_feature_is_named_first_and_the_exit_status_is_one(run_dir, tmp_path,
                                                                   capsys):
    moved = table(80, seed=1, size_shift=1.5)
    if TEXT:
        moved.loc[moved.index[:20], "colour"] = "purple"
    csv = new_csv(tmp_path, moved)  # The target column may be present.
    out_path = str(tmp_path / "report.json")
    assert cli.main(["check-shift", run_dir, "--csv", csv, "--out", out_path,
                     "--permutations", "19"]) == 1
    out = capsys.readouterr().out
    assert f"Shifted features ({2 if TEXT else 1} of {len(COLUMNS)}" in out
    assert "feature_tests" in out.splitlines()[-2]
    if TEXT:
        assert out.index("size:") < out.index("colour:")
        assert "unseen categories ['purple']" in out
    _, report = check_csv(run_dir, csv, out=str(tmp_path / "again.json"), permutations=19)
    assert report.shifted_features == ["size", "colour"][:2 if TEXT else 1]
    assert report.detected["outputs"]


def test_mismatched_columns_are_refused_by_name(run_dir, tmp_path, capsys):
    frame = table(30, seed=2).drop(columns=["age"]).rename(columns={"size": "shade"})
    csv = new_csv(tmp_path, frame.assign(weight=1.0))
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["check-shift", run_dir, "--csv", csv])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "missing 'size', 'age'" in error and "extra 'shade', 'weight'" in error
    assert not os.path.exists(tmp_path / "new-shift.json")


def test_an_existing_report_is_never_overwritten(run_dir, tmp_path, capsys):
    csv = new_csv(tmp_path, table(30, seed=3))
    existing = tmp_path / "new-shift.json"
    existing.write_text("keep me")
    with pytest.raises(SystemExit):
        cli.main(["check-shift", run_dir, "--csv", csv])
    assert "already exists; refusing to overwrite" in capsys.readouterr().err
    assert existing.read_text() == "keep me"

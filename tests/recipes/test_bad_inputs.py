"""Bad input through the CLI (issue 10): every case exits with status 2 and one
line that names the culprit, shows no traceback, and leaves every file the
user had byte-identical (the data-loss cases: the folder untouched).

The CLI runs in-process (`recipe.main([...])`, catching `SystemExit`), so the
cases take milliseconds each; one case runs the real console entry point in a
subprocess, for the traceback a user would see."""

import json
import os
import subprocess
import sys
import warnings

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes import cross_validation
from keras_recipes.recipes import image_augmentation
from keras_recipes.recipes import regression
from keras_recipes.recipes import tabular_classification
from keras_recipes.recipes import transfer_learning
from keras_recipes.recipes.common import cli
from keras_recipes.recipes.common.runs import MARKER

ROWS = 60


def frame(seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "a": rng.normal(size=ROWS).round(3),
        "b": rng.normal(size=ROWS).round(3),
        "label": rng.choice(["x", "y"], ROWS),
    })


def write_csv(path, data, **kwargs):
    data.to_csv(path, index=kwargs.pop("index", False), **kwargs)


def make_files(root):
    """Writes every bad input of the cases below into `root`."""
    write_csv(root / "good.csv", frame())
    data = frame()
    data.loc[[3, 7], "a"] = np.inf
    write_csv(root / "inf.csv", data)
    data = frame()
    data["price"] = data["a"] * 10
    data.loc[4, "price"] = -np.inf
    write_csv(root / "inf_target.csv", data)
    data = frame().astype({"a": object})
    data.loc[5, "a"] = "?"
    write_csv(root / "stray.csv", data)
    data = frame()
    data.insert(0, "id", range(1, ROWS + 1))
    write_csv(root / "id.csv", data)
    data = frame()
    data.insert(0, "Unnamed: 0", np.arange(ROWS)[::-1])  # an index of a sorted frame
    data.insert(1, "Unnamed: 1", np.arange(ROWS) * 3)  # A filtered frame's index.
    write_csv(root / "two_indexes.csv", data)
    rows = "".join(f"{i},{i * 2 % 7},{i % 5},{'xy'[i % 2]}\n" for i in range(ROWS))
    (root / "duplicate.csv").write_text("a,b,a,label\n" + rows)
    (root / "folder.csv").mkdir()
    words = ["caf\u00e9", "th\u00e9"]
    text = "a,b,label\n" + "".join(f"{i * 7 % 13},{i % 7},{words[i % 2]}\n"
                                   for i in range(ROWS))
    (root / "latin1.csv").write_bytes(text.encode("latin-1"))
    write_csv(root / "semicolon.csv", frame(), sep=";")
    data = frame()
    data["empty"] = np.nan
    write_csv(root / "all_missing.csv", data)
    data = frame()
    data.loc[[2, 9], "b"] = np.nan
    write_csv(root / "missing.csv", data)
    data = frame()
    data["label"] = 1
    write_csv(root / "one_class.csv", data)
    rng = np.random.default_rng(1)
    write_csv(root / "500_classes.csv",
              pd.DataFrame({"a": rng.normal(size=600), "label": np.arange(600) % 500}))
    (root / "empty.csv").write_text("")
    (root / "header_only.csv").write_text("a,b,label\n")
    data = frame()
    data["city"] = [f"c{i}" for i in range(ROWS)]
    write_csv(root / "text_id.csv", data)
    (root / "afile").write_text("not a folder")
    foreign = root / "mine"
    foreign.mkdir()
    (foreign / "config.json").write_text('{"mine": 1}')
    (foreign / "history.csv").write_text("epoch,loss\n1,0.5\n")
    for folder, bad_name, bad_bytes in (
            ("not_an_image", "notes.png", b"not an image"),
            ("truncated_image", "cut.png", None)):
        rng = np.random.default_rng(0)
        for label in ("cats", "dogs"):
            (root / folder / label).mkdir(parents=True)
            for i in range(3):
                keras.utils.save_img(root / folder / label / f"{i}.png",
                                     rng.integers(0, 256, (8, 8, 3)).astype("uint8"),
                                     scale=False)
        whole = (root / folder / "dogs" / "0.png").read_bytes()
        (root / folder / "dogs" / bad_name).write_bytes(bad_bytes or whole[:len(whole) // 2])
    (root / "one_class" / "cats").mkdir(parents=True)
    keras.utils.save_img(root / "one_class" / "cats" / "0.png", np.zeros((8, 8, 3), "uint8"))
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]).save_weights(
        root / "wrong.weights.h5")
    other = root / "other_recipe_run"
    other.mkdir()
    (other / MARKER).write_text('{"recipe": "regression"}')
    (other / "config.json").write_text('{"recipe": "regression"}')


TC = tabular_classification
CSV = ("--smoke", "--verbose", "0", "--target", "label", "--csv")

# id: (recipe or "tune", argv, words the one-line message must contain)
CASES = {
    # Data loss: --resume only continues a folder this project wrote.
    "resume into a foreign folder": (
        TC, ["--smoke", "--resume", "--out", "mine"], ["'mine'", MARKER, "not a run"]),
    "regression out in a non-empty folder": (
        regression, ["--smoke", "--out", "mine"], ["'mine'", "refusing"]),
    "cross_validation out in a non-empty folder": (
        cross_validation, ["--smoke", "--out", "mine"], ["'mine'", "refusing"]),
    "resume a run of another recipe": (
        TC, ["--smoke", "--resume", "--out", "other_recipe_run"],
        ["'regression'", "not of 'tabular_classification'"]),
    "tune --resume into a foreign folder": (
        "tune", ["tabular_classification", "--smoke", "--resume", "--out", "mine"],
        ["'mine'", MARKER]),
    "out in a non-empty folder": (TC, ["--smoke", "--out", "mine"], ["'mine'", "refusing"]),
    "tune out in a non-empty folder": (
        "tune", ["regression", "--smoke", "--out", "mine"], ["'mine'", "refusing"]),
    # A traceback shown to the user.
    "out inside a file": (TC, ["--smoke", "--out", "afile/run"], ["afile", "is a file"]),
    "out is a file": (TC, ["--smoke", "--out", "afile"], ["'afile'", "is a file"]),
    "tune out inside a file": (
        "tune", ["regression", "--smoke", "--out", "afile/run"], ["afile", "is a file"]),
    # Bad CSV content.
    "inf in a feature": (TC, [*CSV, "inf.csv"], ["'a'", "infinite", "rows 4, 8"]),
    "-inf in a regression target": (
        regression, ["--smoke", "--verbose", "0", "--target", "price", "--csv",
                     "inf_target.csv"], ["'price'", "infinite", "rows 5"]),
    "stray token in a numeric column": (
        TC, [*CSV, "stray.csv"], ["'a'", "'?'", "rows 6", "--na-values"]),
    "numeric ID column": (TC, [*CSV, "id.csv"], ["'id'", "row index or ID", "--drop"]),
    "a second unnamed index column": (
        TC, [*CSV, "two_indexes.csv"], ["'Unnamed: 1'", "row index or ID"]),
    "duplicate column names": (TC, [*CSV, "duplicate.csv"], ["'a'", "duplicate", "1, 3"]),
    "a directory as --csv": (TC, [*CSV, "folder.csv"], ["folder.csv", "is a directory"]),
    "latin-1 file": (TC, [*CSV, "latin1.csv"], ["latin1.csv", "line 2", "--encoding"]),
    "wrong --sep": (TC, [*CSV, "semicolon.csv", "--sep", ","], ["'label'", "--sep ';'"]),
    "impute an all-missing column": (
        TC, [*CSV, "all_missing.csv", "--impute", "median"], ["'empty'", "nothing to impute"]),
    "missing values without --impute": (
        TC, [*CSV, "missing.csv"], ["'b'", "rows 3, 10", "--impute"]),
    "a single class": (TC, [*CSV, "one_class.csv"], ["'label'", "single class (1)"]),
    "500 classes": (TC, [*CSV, "500_classes.csv"], ["500 of the 500 classes", "490 more"]),
    "missing file": (TC, [*CSV, "nope.csv"], ["nope.csv", "does not exist"]),
    "empty file": (TC, [*CSV, "empty.csv"], ["empty.csv", "empty"]),
    "header only": (TC, [*CSV, "header_only.csv"], ["header_only.csv", "no data rows"]),
    "unknown target": (
        TC, ["--smoke", "--csv", "good.csv", "--target", "price"], ["'price'", "target"]),
    "unknown --drop column": (TC, [*CSV, "good.csv", "--drop", "zzz"], ["'zzz'", "drop"]),
    "text ID column": (TC, [*CSV, "text_id.csv"], ["'city'", "--drop"]),
    "--csv without --target": (TC, ["--csv", "good.csv"], ["--target"]),
    "unknown --encoding": (TC, [*CSV, "good.csv", "--encoding", "klingon"], ["'encoding'"]),
    # Images and weights files.
    "a file that is not an image": (
        image_augmentation, ["--smoke", "--images", "not_an_image"],
        ["notes.png", "cannot identify image file", "remove"]),
    "a truncated image": (
        image_augmentation, ["--smoke", "--images", "truncated_image"],
        ["cut.png", "truncated"]),
    "an image folder with one class": (
        image_augmentation, ["--smoke", "--images", "one_class"],
        ["'one_class'", "single class", "'cats'"]),
    "a missing image folder": (
        image_augmentation, ["--smoke", "--images", "nowhere"], ["'nowhere'", "does not exist"]),
    "weights of another model": (
        transfer_learning, ["--smoke", "--backbone", "mobilenet_v3_small", "--weights",
                            "wrong.weights.h5"],
        ["'wrong.weights.h5'", "mobilenet_v3_small", "could not be loaded"]),
    "weights to download": (
        transfer_learning, ["--smoke", "--backbone", "mobilenet_v3_small", "--weights",
                            "imagenet"], ["'weights'", "downloads nothing"]),
    # Numeric flags, before anything runs.
    "--batch-size 0": (TC, ["--batch-size", "0"], ["'batch_size'", "Got 0"]),
    "--epochs 0": (TC, ["--epochs", "0"], ["'epochs'", "Got 0"]),
    "--epochs -5": (TC, ["--epochs", "-5"], ["'epochs'", "Got -5"]),
    "--seed -1": (TC, ["--seed", "-1"], ["'seed'", ">= 0", "Got -1"]),
    "--learning-rate 0": (TC, ["--learning-rate", "0"], ["'learning_rate'"]),
    "--dropout 1": (TC, ["--dropout", "1"], ["'dropout'", "[0, 1)"]),
    "--patience -1": (TC, ["--patience", "-1"], ["'patience'"]),
    "--units 0": (TC, ["--units", "0"], ["'units'"]),
    "--depth 0": (TC, ["--depth", "0"], ["'depth'"]),
    "regression --batch-size 0": (regression, ["--batch-size", "0"], ["'batch_size'"]),
    "regression --learning-rate -1": (regression, ["--learning-rate", "-1"],
                                      ["'learning_rate'"]),
    "regression --seed -1": (regression, ["--seed", "-1"], ["'seed'"]),
    "cross_validation --folds 1": (cross_validation, ["--folds", "1"], ["'folds'", ">= 2"]),
    "cross_validation --epochs 0": (cross_validation, ["--epochs", "0"], ["'epochs'"]),
    "cross_validation --seed -1": (cross_validation, ["--seed", "-1"], ["'seed'"]),
    "tune --seed -1": ("tune", ["regression", "--seed", "-1"], ["'seed'"]),
    "tune --max-trials 0": ("tune", ["regression", "--smoke", "--max-trials", "0"],
                            ["'max_trials'"]),
}


def snapshot(root):
    """Every file under `root` with its bytes, and every folder."""
    state = {}
    for folder, folders, files in os.walk(root):
        for name in folders:
            state[os.path.relpath(os.path.join(folder, name), root)] = "<dir>"
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                state[os.path.relpath(path, root)] = handle.read()
    return state


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_inputs")
    make_files(root)
    return root


def run_cli(recipe, argv):
    """Runs the CLI in-process; returns the exit status."""
    try:
        if recipe == "tune":
            return cli.main(["tune", *argv])
        recipe.main(argv)
        return 0
    except SystemExit as exit:
        return exit.code


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_by_name_and_touches_nothing(case, workdir, monkeypatch,
                                                          capsys):
    recipe, argv, words = CASES[case]
    monkeypatch.chdir(workdir)
    before = snapshot(workdir)
    with warnings.catch_warnings(record=True) as warned:  # A user would see them.
        warnings.simplefilter("always")
        status = run_cli(recipe, argv)
    captured = capsys.readouterr()
    assert not warned, [str(warning.message)[:200] for warning in warned]
    assert status == 2, captured.err
    assert "Traceback" not in captured.err + captured.out
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert "error:" in lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert snapshot(workdir) == before


def test_the_console_script_shows_no_traceback_for_out_inside_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-m", "keras_recipes.recipes.common.cli", "run",
         "tabular_classification", "--smoke", "--out", "afile/run"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "NotADirectoryError" not in result.stderr
    assert "afile" in result.stderr and "is a file" in result.stderr
    assert (tmp_path / "afile").read_text() == "x"


# What is accepted, with a notice, and what is decided on the user's behalf.

def test_a_leading_row_index_column_is_dropped_with_a_notice(tmp_path, capsys):
    data = frame()
    data = data.sort_values("label").reset_index(drop=True)
    data.to_csv(tmp_path / "indexed.csv")  # pandas writes the index, unnamed
    out = tmp_path / "run"
    result = TC.main(["--smoke", "--csv", str(tmp_path / "indexed.csv"), "--target",
                      "label", "--out", str(out)])
    assert "Unnamed: 0" not in result.metrics and "dropped its first column" in \
        capsys.readouterr().out
    assert json.loads((out / "metrics.json").read_text())["diverged"] is False
    assert "row numbers" in (out / "report.md").read_text()


@pytest.mark.parametrize("values", [
    np.repeat(np.arange(2000, 2012), ROWS // 12),  # Sorted, repeated years.
    np.arange(1990, 1990 + ROWS),  # Sorted, unique, but not the row numbers.
    np.arange(ROWS) * 2 + 1,  # Unique and monotonic, not consecutive.
])
def test_a_sorted_numeric_column_is_a_feature_not_a_row_index(tmp_path, values):
    from keras_recipes.recipes.common.csv_data import load_csv

    data = frame()
    data.insert(0, "year", values)
    data.to_csv(tmp_path / "years.csv", index=False)
    assert "year" in load_csv(str(tmp_path / "years.csv"), "label").feature_names


@pytest.mark.parametrize("values", [np.arange(ROWS), np.arange(1, ROWS + 1),
                                    np.arange(ROWS)[::-1]])
def test_a_named_column_of_the_row_numbers_is_refused(tmp_path, values):
    from keras_recipes.recipes.common.csv_data import load_csv

    data = frame()
    data.insert(1, "row", values)
    data.to_csv(tmp_path / "rows.csv", index=False)
    with pytest.raises(ValueError, match="Column .row. .* holds the row numbers"):
        load_csv(str(tmp_path / "rows.csv"), "label")


def test_a_semicolon_file_is_read_with_a_notice(tmp_path, capsys):
    frame().to_csv(tmp_path / "semi.csv", sep=";", index=False)
    from keras_recipes.recipes.common.csv_data import load_csv

    data = load_csv(str(tmp_path / "semi.csv"), "label")
    assert data.feature_names == ["a", "b"] and "';'" in data.notes[0]


def test_na_values_and_encoding_make_the_refused_files_load(workdir):
    from keras_recipes.recipes.common.csv_data import load_csv

    data = load_csv(str(workdir / "stray.csv"), "label", na_values=["?"], impute="median")
    assert np.isnan(np.concatenate([data.x_train, data.x_val, data.x_test])).sum() == 1
    data = load_csv(str(workdir / "latin1.csv"), "label", encoding="latin-1")
    assert sorted(data.class_names) == ["caf\u00e9", "th\u00e9"]


def test_explicit_flags_win_over_smoke_and_config_json_records_what_ran(tmp_path):
    out = tmp_path / "run"
    result = regression.main(["--smoke", "--epochs", "4", "--patience", "50",
                              "--verbose", "0", "--out", str(out)])
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["epochs"] == 4 and config["patience"] == 50
    assert result.metrics["epochs_run"] == 4
    # An explicit flag equal to the default also wins; other settings stay smoke-sized.
    from keras_recipes.recipes.common.config import parse_config

    resolved = parse_config(TC.Config, ["--smoke", "--patience", "20"], "prog").resolved()
    assert (resolved.epochs, resolved.patience) == (3, 20)
    resolved = TC.Config(smoke=True, epochs=7).resolved()  # From Python: non-defaults win.
    assert (resolved.epochs, resolved.patience) == (7, 2)


def test_a_diverged_run_is_flagged_in_metrics_report_and_summary(tmp_path, capsys):
    out = tmp_path / "run"
    result = TC.main(["--smoke", "--learning-rate", "1e9", "--verbose", "0",
                      "--out", str(out)])
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["diverged"] is True and result.metrics["diverged"] is True
    assert "diverged" in (out / "report.md").read_text()
    assert "WARNING: training diverged" in capsys.readouterr().out


def test_a_run_that_fails_after_starting_leaves_no_files(tmp_path, monkeypatch, capsys):
    def broken(config, dataset):
        raise ValueError("The model could not be built (a test failure).")

    monkeypatch.setattr(regression, "build_model", broken)
    out = tmp_path / "new" / "run"
    with pytest.raises(SystemExit) as exit:
        regression.main(["--smoke", "--verbose", "0", "--out", str(out)])
    assert exit.value.code == 2
    assert not (tmp_path / "new").exists()
    assert "removed the files this run had written" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SystemExit):
        regression.main(["--smoke", "--verbose", "0", "--out", str(empty)])
    assert empty.is_dir() and os.listdir(empty) == []


def test_resume_continues_a_run_this_project_wrote(tmp_path):
    out = tmp_path / "run"
    TC.main(["--smoke", "--verbose", "0", "--out", str(out)])
    assert json.loads((out / MARKER).read_text()) == {"recipe": "tabular_classification"}
    result = TC.main(["--smoke", "--verbose", "0", "--resume", "--out", str(out)])
    assert result.metrics["epochs_run"] == 3

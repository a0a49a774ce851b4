"""--backend picks Keras' backend before Keras starts, and refuses a clash by name."""

import importlib.util
import json
import os
import subprocess
import sys

import keras
import pytest

from keras_recipes.recipes.common import backends
from keras_recipes.recipes.common.backends import select_backend

OTHER = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"


def test_the_flag_is_taken_out_of_the_arguments(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", keras.backend.backend())
    running = keras.backend.backend()
    assert select_backend(["run", "x", "--backend", running, "--smoke"]) == ["run", "x", "--smoke"]
    assert select_backend([f"--backend={running}", "list"]) == ["list"]
    assert select_backend(["list"]) == ["list"]  # Keras is running: nothing to choose.


@pytest.mark.parametrize("argv, expected", [
    (["--backend", "theano"], "must be one of tensorflow, jax, torch. Got 'theano'"),
    (["--backend"], "'--backend' flag needs a value"),
    (["--backend", OTHER], f"already running on {keras.backend.backend()}"),
])
def test_bad_or_clashing_backends_are_refused_by_name(monkeypatch, argv, expected):
    monkeypatch.setattr(backends.importlib.util, "find_spec", lambda name: object())
    with pytest.raises(ValueError, match=expected):
        select_backend(argv)


def test_the_default_is_the_environment_then_the_fastest_installed(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    assert backends.default_backend() == "tensorflow"
    monkeypatch.delenv("KERAS_BACKEND")
    monkeypatch.setattr(backends.importlib.util, "find_spec", lambda name: object())
    assert backends.default_backend() == backends.FASTEST_ON_CPU
    monkeypatch.setattr(backends.importlib.util, "find_spec", lambda name: None)
    assert backends.default_backend() == "tensorflow"


def test_a_recipe_run_with_the_flag_records_its_backend(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "KERAS_BACKEND"}
    out = tmp_path / "run"
    completed = subprocess.run(
        [sys.executable, "-m", "keras_recipes.recipes.common.cli", "run", "regression",
         "--smoke", "--backend", OTHER, "--out", str(out), "--verbose", "0"],
        env=environment, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    config = json.loads((out / "config.json").read_text())
    assert config["environment"]["backend"] == OTHER


def test_python_m_with_a_clashing_flag_exits_2_naming_the_variable():
    completed = subprocess.run(
        [sys.executable, "-m", "keras_recipes.recipes.regression", "--smoke", "--backend", OTHER],
        env={**os.environ, "KERAS_BACKEND": keras.backend.backend()},
        capture_output=True, text=True, timeout=600)
    assert completed.returncode == 2
    assert f"KERAS_BACKEND={OTHER}" in completed.stderr.splitlines()[-1]


def test_jax_runs_keep_compiled_programs_unless_told_otherwise(monkeypatch, tmp_path):
    for name in ("JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    backends.use_jax_compilation_cache()
    assert os.environ["JAX_COMPILATION_CACHE_DIR"] == str(tmp_path / "keras-recipes" / "jax")
    assert os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "0"
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", "/mine")
    backends.use_jax_compilation_cache()
    assert os.environ["JAX_COMPILATION_CACHE_DIR"] == "/mine"


@pytest.fixture
def text_csv(tmp_path):
    rows = ["size,colour,label,note"] + [f"{i % 7 - 3},{'red' if i % 2 else 'blue'},"
                                         f"{'big' if i % 7 > 3 else 'small'},n{i}"
                                         for i in range(60)]
    path = tmp_path / "text.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_text_columns_are_found_without_keras(text_csv, tmp_path):
    argv = ["run", "tabular_classification", "--csv", str(text_csv), "--target", "label"]
    assert backends.text_columns(argv) == ["colour", "note"]
    assert backends.text_columns(argv + ["--drop", "note"]) == ["colour"]
    assert backends.text_columns(["run", "regression", "--smoke"]) == []
    assert backends.text_columns(["run", "x", "--csv", str(tmp_path / "missing.csv")]) == []
    (tmp_path / "schema.json").write_text(json.dumps(
        {"categorical_columns": [{"column": "colour", "input": "colour"}]}))
    assert backends.text_columns(["predict", str(tmp_path), "--csv", "new.csv"]) == ["colour"]


def test_a_csv_with_text_runs_on_tensorflow_by_default_and_jax_refuses_it(text_csv, tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "KERAS_BACKEND"}
    command = [sys.executable, "-m", "keras_recipes.recipes.common.cli", "run",
               "tabular_classification", "--smoke", "--csv", str(text_csv), "--target",
               "label", "--drop", "note", "--verbose", "0"]
    out = tmp_path / "run"
    completed = subprocess.run(command + ["--out", str(out)], env=environment,
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "text columns colour need TensorFlow" in completed.stderr
    assert json.loads((out / "config.json").read_text())["environment"]["backend"] == "tensorflow"
    if importlib.util.find_spec("jax") is None:
        return
    refused = subprocess.run(command + ["--backend", "jax", "--out", str(tmp_path / "jax")],
                             env=environment, capture_output=True, text=True, timeout=600)
    assert refused.returncode == 2
    assert "text columns colour of text.csv need the TensorFlow backend" in refused.stderr
    assert not (tmp_path / "jax").exists()

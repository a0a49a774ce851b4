"""--backend picks Keras' backend before Keras starts, and refuses a clash by name."""

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

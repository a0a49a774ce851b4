import json
import os
import subprocess
import sys

import keras

from keras_recipes.recipes import list_recipes
from keras_recipes.recipes.common.cli import main
from keras_recipes.recipes.common.registry import recipe_info


def test_list_prints_every_recipe_with_its_description(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in list_recipes():
        assert name in out
        assert recipe_info(name).description in out


def test_every_recipe_has_a_complete_header():
    for name in list_recipes():
        info = recipe_info(name)
        assert info.title and info.description and info.task and info.accelerator


def test_unknown_recipe_lists_the_valid_ones(capsys):
    assert main(["run", "nope"]) == 2
    assert "tabular_classification" in capsys.readouterr().err


def run_cli(*args, cwd):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-m", "keras_recipes.recipes.common.cli", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_run_smoke_writes_the_run_directory_and_prints_the_report(tmp_path):
    out = tmp_path / "run"
    result = run_cli("run", "tabular_classification", "--smoke", "--seed", "1",
                     "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Report: {out}" in result.stdout and "test_accuracy=" in result.stdout
    for name in ("config.json", "history.csv", "metrics.json", "model.keras",
                 "report.md", "plots/confusion_matrix.png"):
        assert (out / name).exists(), name
    config = json.loads((out / "config.json").read_text())
    assert config["seed"] == 1 and config["environment"]["backend"] == keras.backend.backend()
    assert "keras" in config["environment"]["versions"]


def test_run_refuses_an_out_directory_that_holds_files(tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = run_cli("run", "tabular_classification", "--smoke", "--out", str(out),
                     cwd=tmp_path)
    assert result.returncode == 2
    assert "already holds files" in result.stderr and "Traceback" not in result.stderr
    assert sorted(os.listdir(out)) == ["notes.txt"]


def test_recipe_help_documents_its_flags(tmp_path):
    result = run_cli("run", "tabular_classification", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "--learning-rate" in result.stdout and "--csv" in result.stdout

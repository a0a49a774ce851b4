"""`keras-recipes compare`: two tabular_classification runs, paired on their test rows."""

import json
import os

import numpy as np
import pytest

from keras_recipes.recipes.common.cli import main as cli_main
from keras_recipes.recipes.common.compare_runs import compare_runs
from keras_recipes.recipes.common.compare_runs import mcnemar_exact
from keras_recipes.recipes.common.registry import load_recipe


def train(out, **overrides):
    recipe = load_recipe("tabular_classification")
    return recipe.run(recipe.Config(smoke=True, out=str(out), verbose=0, **overrides)).run_dir


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return {"a": train(root / "a"), "b": train(root / "b", units=8, depth=1, epochs=6),
            "other_split": train(root / "c", seed=7)}


def test_mcnemar_exact_counts_discordant_rows():
    a = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], bool)
    b = np.array([0, 0, 0, 0, 0, 0, 0, 1, 0, 1], bool)
    result = mcnemar_exact(a, b)
    assert (result["a_only"], result["b_only"]) == (7, 1)
    assert result["p_value"] == pytest.approx(0.0703125)
    assert mcnemar_exact(a, a)["p_value"] == 1.0


def test_compare_two_runs_of_one_split_writes_a_new_report(runs, tmp_path, capsys):
    out = tmp_path / "ab"
    assert cli_main(["compare", runs["a"], runs["b"], "--out", str(out),
                     "--resamples", "200"]) == 0
    printed = capsys.readouterr().out
    assert "McNemar" in printed and "test_accuracy" in printed
    saved = json.load(open(out / "comparison.json"))
    metrics = {row["metric"]: row for row in saved["differences"]}
    assert {"test_accuracy", "test_loss", "test_f1", "test_roc_auc"} <= set(metrics)
    accuracy = metrics["test_accuracy"]
    assert accuracy["ci_low"] <= accuracy["difference"] <= accuracy["ci_high"]
    a_metrics = json.load(open(os.path.join(runs["a"], "metrics.json")))
    assert accuracy["a"] == pytest.approx(a_metrics["test_accuracy"])
    assert 0 <= saved["mcnemar"]["p_value"] <= 1 and saved["verdict"]
    report = open(out / "report.md").read()
    assert "McNemar's exact test" in report and "Verdict" in report
    # A model against itself: no difference at all.
    same = compare_runs(runs["a"], runs["a"], out=str(tmp_path / "same"), resamples=100)
    assert same["mcnemar"]["a_only"] == same["mcnemar"]["b_only"] == 0
    assert "No resolved difference" in same["verdict"]
    # Never overwrite: the same --out is refused.
    with pytest.raises(SystemExit):
        cli_main(["compare", runs["a"], runs["b"], "--out", str(out)])
    assert "keras-recipes compare: error" in capsys.readouterr().err


def test_runs_on_different_splits_are_refused_naming_the_difference(runs, tmp_path):
    with pytest.raises(ValueError, match=r"seed: 42 \(A\) vs 7 \(B\)"):
        compare_runs(runs["a"], runs["other_split"], out=str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()
    with pytest.raises(ValueError, match="no config.json"):
        compare_runs(str(tmp_path), runs["a"])

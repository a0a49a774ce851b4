"""The LR range-test recipe: a suggestion in range, a grid around it, a verdict."""

import os

import pandas as pd
import pytest

from keras_recipes.recipes import lr_finder

SMALL = dict(factors="1/3,1,3", seeds=1, epochs=1, finder_steps=30, units=16, depth=1,
             verbose=0)


def test_suggestion_lies_in_the_tested_range_and_the_grid_surrounds_it(tmp_path):
    result = lr_finder.run(lr_finder.Config(
        out=str(tmp_path / "run"), min_learning_rate=1e-5, max_learning_rate=1.0, **SMALL))
    metrics = result.metrics
    suggestion = metrics["suggested_learning_rate"]
    assert 1e-5 <= suggestion <= 1.0
    assert metrics["suggestion_seed_42"] == suggestion
    rates = [metrics[f"grid_{i}_learning_rate"] for i in range(3)]
    assert rates == pytest.approx([suggestion / 3, suggestion, suggestion * 3])
    assert metrics["best_learning_rate"] in rates
    ratio = metrics["best_over_suggested"]
    assert ratio == pytest.approx(metrics["best_learning_rate"] / suggestion)
    # With a grid of x1/3..x3 the best rate is always within a factor of 3.
    assert metrics["within_tolerance"] is True
    assert 5 <= metrics["finder_steps_run"] <= 30
    assert metrics["suggested_score_over_best"] >= 1
    assert suggestion < metrics["loss_minimum_learning_rate"] <= 1.0
    table = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert table["factor"].tolist() == ["x1/3", "x1", "x3"]
    report = open(result.report_path, encoding="utf-8").read()
    assert "## Verdict" in report and "within" in report
    for plot in ("lr_finder", "lr_check", "val_loss"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


def test_one_range_test_per_seed(tmp_path):
    result = lr_finder.run(lr_finder.Config(
        out=str(tmp_path / "run"), **{**SMALL, "seeds": 2, "factors": "1"}))
    for seed in (42, 43):
        assert result.metrics[f"suggestion_seed_{seed}"] > 0
    assert result.metrics["suggestion_min"] <= result.metrics["suggestion_max"]


def test_verdict_is_within_tolerance_up_to_the_factor_and_not_beyond():
    config = lr_finder.Config(tolerance=3.0)
    rows = [{"learning_rate": 0.01, "_score": 1.0}, {"learning_rate": 0.03, "_score": 0.5},
            {"learning_rate": 0.1, "_score": 0.7}]
    best, ratio, within = lr_finder.verdict(config, 0.01, rows)
    assert best is rows[1] and ratio == pytest.approx(3.0) and within
    best, ratio, within = lr_finder.verdict(config, 0.001, rows)
    assert ratio == pytest.approx(30.0) and not within


@pytest.mark.parametrize("text, expected", [
    ("1/30, 1/10,1/3,1,3,10", [1 / 30, 0.1, 1 / 3, 1.0, 3.0, 10.0]),
    ("10,1,1", [1.0, 10.0]),
    ("0.5", [0.5]),
])
def test_factors_parse_fractions_and_sort(text, expected):
    assert lr_finder.parse_factors(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "1/0", "-1,1", "abc", "0"])
def test_bad_factors_are_refused(text):
    with pytest.raises(ValueError, match="'factors' parameter"):
        lr_finder.parse_factors(text)


def test_factor_labels():
    assert [lr_finder.factor_label(f) for f in (1 / 30, 1 / 3, 1.0, 3.0)] == \
        ["x1/30", "x1/3", "x1", "x3"]


@pytest.mark.parametrize("settings, message", [
    ({"optimizer": "lbfgs"}, "'optimizer' parameter.*'lbfgs'"),
    ({"min_learning_rate": 1.0, "max_learning_rate": 0.1}, "'min_learning_rate'"),
    ({"finder_steps": 2}, "'finder_steps' parameter"),
    ({"tolerance": 0.5}, "'tolerance' parameter"),
    ({"factors": "x3"}, "'factors' parameter"),
])
def test_bad_settings_are_refused_when_the_config_is_made(settings, message):
    with pytest.raises(ValueError, match=message):
        lr_finder.Config(**settings)


def test_command_line_refuses_bad_factors_before_the_run_directory(tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        lr_finder.main(["--factors", "1,ten", "--out", str(out)])
    assert exit_info.value.code == 2
    assert "ten" in capsys.readouterr().err
    assert not out.exists()

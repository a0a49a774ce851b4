"""The LR range-test recipe: a suggestion in range, a grid of arms around it, a verdict."""

import json
import os

import pandas as pd
import pytest

from keras_recipes.recipes import lr_finder

SMALL = dict(factors="1/3,1,3", seeds=2, epochs=1, finder_steps=30, units=16, depth=1,
             verbose=0)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return lr_finder.run(lr_finder.Config(
        out=str(tmp_path_factory.mktemp("finder") / "run"), min_learning_rate=1e-5,
        max_learning_rate=1.0, **SMALL))


def test_suggestion_lies_in_the_tested_range_and_the_grid_surrounds_it(result):
    metrics = result.metrics
    suggestion = metrics["suggested_learning_rate"]
    assert 1e-5 <= suggestion <= 1.0
    assert metrics["suggestions"]["42"] == suggestion and metrics["suggestions"]["43"] > 0
    rates = sorted(metrics["grid_learning_rates"].values())
    assert rates == pytest.approx([suggestion / 3, suggestion, suggestion * 3])
    assert metrics["grid_learning_rates"][metrics["reference"]] == pytest.approx(suggestion)
    assert metrics["best_learning_rate"] == metrics["grid_learning_rates"][metrics["best_arm"]]
    assert metrics["best_over_suggested"] == pytest.approx(
        metrics["best_learning_rate"] / suggestion)
    # With a grid of x1/3..x3 the best rate is always within a factor of 3.
    assert metrics["within_tolerance"] is True
    assert metrics["best_arm"] in metrics["rates_tied_with_best"]
    assert 5 <= metrics["finder_steps_run"] <= 30
    assert suggestion < metrics["loss_minimum_learning_rate"] <= 1.0


def test_metrics_follow_the_comparison_schema(result):
    metrics = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    arms = sorted(metrics["grid_learning_rates"])
    assert sorted(metrics["arms"]) == arms and metrics["primary"] == "best_val_loss"
    for arm in arms:
        for measure in ("best_val_loss", "test_accuracy", "test_loss"):
            assert {"mean", "ci_low", "ci_high", "n"} <= set(metrics["arms"][arm][measure])
        assert metrics["arms"][arm]["best_val_loss"]["n"] == 2
    assert sorted(metrics["differences"]) == sorted(set(arms) - {metrics["reference"]})
    for differences in metrics["differences"].values():
        assert {"mean", "ci_low", "ci_high", "p_value", "better", "n", "resolved"} <= set(
            differences["best_val_loss"])


def test_runs_csv_has_one_row_per_rate_and_seed(result):
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert len(runs) == 3 * 2
    assert runs.groupby("factor")["seed"].apply(sorted).to_dict() == {
        "x1/3": [42, 43], "x1": [42, 43], "x3": [42, 43]}
    assert (runs["epochs"] == 1).all()
    assert os.path.getsize(os.path.join(result.run_dir, "model.keras")) > 0


def test_report_has_the_verdict_interval_and_paired_difference_tables(result):
    report = open(result.report_path, encoding="utf-8").read()
    verdict = report.split("## Verdict")[1].split("## ")[0]
    assert "within" in verdict and "Rates not told apart from the best" in verdict
    grid = report.split("## Grid of learning rates around the suggestion")[1]
    assert "| arm | factor | learning_rate | best_val_loss |" in grid and " [" in grid
    reference = result.metrics["reference"]
    assert f"| arm | measure | difference vs {reference} | p_value | seeds better |" in grid
    assert "of 2 seeds better" in grid
    for plot in ("lr_finder", "lr_check", "val_loss", "grid_best_val_loss"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


def test_the_reference_is_the_suggestion_or_the_grid_rate_nearest_to_it():
    config = lr_finder.Config()
    on_grid = lr_finder.grid_experiment(config, None, 0.01, [0.1, 1.0, 10.0])
    assert [arm.name for arm in on_grid.arms] == ["lr0.001", "lr0.01", "lr0.1"]
    assert on_grid.reference == "lr0.01" and on_grid.primary == "best_val_loss"
    off_grid = lr_finder.grid_experiment(config, None, 0.01, [0.1, 0.5, 3.0])
    assert off_grid.reference == "lr0.005"
    assert off_grid.arms[1].settings == {"factor": "x1/2", "learning_rate": 0.005}


class FakeComparison:
    """What `best_rate` reads: arms, seeds and per-arm summaries."""

    arms = ["lr0.001", "lr0.01", "lr0.1"]
    seeds = [1, 2, 3]
    means = {"lr0.001": (0.5, 3), "lr0.01": (0.3, 3), "lr0.1": (0.1, 2)}

    def summary(self, measure, arm):
        mean, n = self.means[arm]
        return {"mean": mean, "n": n}


def test_a_rate_that_diverged_on_a_seed_is_not_the_best():
    assert lr_finder.best_rate(FakeComparison(), "best_val_loss") == "lr0.01"


def test_within_tolerance_up_to_the_factor_and_not_beyond():
    ratio, within = lr_finder.within_tolerance(0.03, 0.01, 3.0)
    assert ratio == pytest.approx(3.0) and within
    ratio, within = lr_finder.within_tolerance(0.01 / 3, 0.01, 3.0)
    assert within
    ratio, within = lr_finder.within_tolerance(0.03, 0.001, 3.0)
    assert ratio == pytest.approx(30.0) and not within


@pytest.mark.parametrize("text, expected", [
    ("1/30, 1/10,1/3,1,3,10", [1 / 30, 0.1, 1 / 3, 1.0, 3.0, 10.0]),
    ("10,1,1", [1.0, 10.0]),
    ("0.5", [0.5]),
])
def test_factors_parse_fractions_and_sort(text, expected):
    assert lr_finder.parse_factors(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "1/0", "-1,1", "abc", "0", "inf"])
def test_bad_factors_are_refused(text):
    with pytest.raises(ValueError, match="'factors' parameter"):
        lr_finder.parse_factors(text)


def test_factor_labels():
    assert [lr_finder.factor_label(f) for f in (1 / 30, 1 / 3, 1.0, 3.0)] == \
        ["x1/30", "x1/3", "x1", "x3"]


def test_seeds_is_a_count_and_smoke_pairs_two_of_them():
    assert lr_finder.Config(seed=7, seeds=2).seed_list == [7, 8]
    assert lr_finder.Config(smoke=True).resolved().seeds >= 2


@pytest.mark.parametrize("settings, message", [
    ({"optimizer": "lbfgs"}, "'optimizer' parameter.*'lbfgs'"),
    ({"min_learning_rate": 1.0, "max_learning_rate": 0.1}, "'min_learning_rate'"),
    ({"min_learning_rate": 0}, "'min_learning_rate' parameter"),
    ({"finder_steps": 2}, "'finder_steps' parameter"),
    ({"tolerance": 0.5}, "'tolerance' parameter"),
    ({"factors": "x3"}, "'factors' parameter"),
    ({"seeds": 0}, "'seeds' parameter"),
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

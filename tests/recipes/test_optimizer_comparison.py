"""The optimizer comparison: a tuned, multi-seed row per optimizer."""

import json
import os

import pandas as pd
import pytest

from keras_recipes.recipes import optimizer_comparison as recipe
from keras_recipes.tuning import get_optimizer_spec

NAMES = ("sgd", "adam", "lbfgs")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    config = recipe.Config(
        optimizers=",".join(NAMES), seeds=2, grid_size=2, search_epochs=1, epochs=2,
        dataset="breast_cancer", target_accuracy=0.5, verbose=0,
        out=str(tmp_path_factory.mktemp("comparison") / "run"))
    return recipe.run(config)


def table_rows(report, first_column):
    """The rows of the Markdown table whose header starts with `first_column`."""
    lines = report.splitlines()
    start = lines.index(next(line for line in lines
                             if line.startswith(f"| {first_column} |")))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_the_table_has_one_row_per_optimizer_with_intervals(result):
    report = open(result.report_path).read()
    rows = table_rows(report, "arm | optimizer")
    assert [row[0] for row in rows] == list(NAMES)
    assert all("[" in row[3] for row in rows), "test accuracy is shown with its interval"
    claimed = table_rows(report, "optimizer | claimed")
    assert [row[0] for row in claimed] == list(NAMES)
    assert claimed[1][1] == get_optimizer_spec("adam").fits
    differences = table_rows(report, "arm | measure")
    assert {row[0] for row in differences} == {"sgd", "lbfgs"}  # adam is the reference
    assert "paired t-test" in report and "LogisticRegression" in report


def test_metrics_follow_the_comparison_schema(result):
    metrics = result.metrics
    assert metrics["reference"] == "adam" and metrics["seeds"] == [42, 43]
    assert metrics["best_optimizer"] in NAMES and metrics["best_arm"] in NAMES
    assert metrics["train_seconds"] > 0
    for name in NAMES:
        accuracy = metrics["arms"][name]["test_accuracy"]
        assert 0 <= accuracy["mean"] <= 1 and accuracy["n"] == 2
        assert accuracy["ci_low"] <= accuracy["mean"] <= accuracy["ci_high"]
    for name in ("sgd", "lbfgs"):
        assert metrics["differences"][name]["test_accuracy"]["n"] == 2
    saved = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert saved["best_optimizer"] == metrics["best_optimizer"]


def test_the_best_optimizer_model_is_saved_and_reloads(result):
    import keras

    model = keras.saving.load_model(os.path.join(result.run_dir, "model.keras"))
    assert model.output_shape[-1] == 1  # breast_cancer is binary


def test_the_search_picks_a_learning_rate_inside_the_registry_range(result):
    for name in ("sgd", "adam"):
        spec = get_optimizer_spec(name).learning_rate
        rate = result.metrics["tuned_learning_rates"][name]
        assert rate in (pytest.approx(spec.low), pytest.approx(spec.high))  # grid of 2
    assert result.metrics["tuned_learning_rates"]["lbfgs"] is None


def test_every_seed_of_every_optimizer_is_recorded(result):
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    runs = runs[runs["experiment"] == "optimizers"]
    assert runs.groupby("arm").size().to_dict() == {name: 2 for name in NAMES}
    assert sorted(set(runs["seed"])) == [42, 43]
    # The target of 0.5 is easy: every run reaches it in its first epoch or two.
    assert runs["epochs_to_target"].between(1, 2).all()


def test_plots_cover_epochs_seconds_and_the_intervals(result):
    for plot in ("loss_vs_epoch", "loss_vs_seconds", "val_accuracy_vs_epoch",
                 "optimizers_test_accuracy", "learning_rate_search"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


def test_an_unknown_optimizer_is_refused_before_training(tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as error:
        recipe.main(["--optimizers", "adam,adamm", "--out", str(out)])
    assert error.value.code == 2
    message = capsys.readouterr().err
    assert "adamm" in message and "nesterov" in message and "lbfgs" in message
    assert not out.exists()
    with pytest.raises(ValueError, match="'optimizers' parameter.*unknown: adamm"):
        recipe.Config(optimizers="adamm")


@pytest.mark.parametrize("overrides, message", [
    ({"seeds": 0}, "'seeds' parameter must be a positive integer. Got 0"),
    ({"target_accuracy": 1.5}, "'target_accuracy' parameter must be in"),
])
def test_bad_settings_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        recipe.Config(**overrides)


def test_a_regression_dataset_is_refused_before_the_run_directory(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ValueError, match="classification dataset"):
        recipe.run(recipe.Config(dataset="diabetes", out=str(out), verbose=0))
    assert not out.exists()

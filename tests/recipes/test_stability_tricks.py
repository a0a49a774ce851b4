"""The stability tricks recipe: batch norm x rate, clipping, L1/L2 strength."""

import json
import math
import os

import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes import stability_tricks


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    config = stability_tricks.Config(
        out=str(tmp_path_factory.mktemp("stability") / "run"), seeds=2, depth=2, units=8,
        learning_rates="0.05,1000", epochs=2, target_accuracy=0.3, clip_learning_rate=1000.0,
        clip_arms="none,global_clipnorm", l1_strengths="0.1",
        l2_strengths="0.01", penalty_depth=1, penalty_units=8, penalty_epochs=2,
        probe_rows=32, verbose=0)
    return stability_tricks.run(config)


def test_metrics_hold_three_experiments_and_the_stable_rates(result):
    saved = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert saved["experiment"] == "batch_norm" and saved["reference"] == "plain_lr0.05"
    assert set(saved["arms"]) == {"plain_lr0.05", "plain_lr1000", "bn_lr0.05", "bn_lr1000"}
    assert saved["clipping"]["reference"] == "none"
    assert set(saved["penalties"]["arms"]) == {"none", "l1_0.1", "l2_0.01"}
    assert set(saved["largest_stable_rate"]) == {"plain", "bn"}
    assert [row["arm"] for row in saved["clipping_explosions"]] == ["none", "global_clipnorm"]
    assert [row["learning_rate"] for row in saved["batch_norm_by_rate"]] == ["0.05", "1000"]


def test_seeds_vary_the_initial_weights_only(result):
    curves = pd.read_csv(os.path.join(result.run_dir, "curves.csv"))
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    # Different seeds start from different weights, so their first losses differ.
    first = curves[(curves["arm"] == "bn_lr0.05") & (curves["epoch"] == 1)]["loss"]
    assert first.nunique() == 2
    assert runs.loc[runs["experiment"] == "batch_norm", "epochs_to_target_or_budget"].between(
        1, 3).all()


def test_clipped_runs_stay_finite_and_log_their_gradient_norms(result):
    curves = pd.read_csv(os.path.join(result.run_dir, "curves.csv"))
    clipping = curves[curves["experiment"] == "clipping"]
    assert set(clipping["arm"]) == {"none", "global_clipnorm"}
    clipped = clipping[clipping["arm"] == "global_clipnorm"]
    # A step of norm at most 1 cannot overflow in two epochs, even at a rate of 1000.
    assert np.isfinite(clipped["loss"]).all() and np.isfinite(clipped["gradient_norm"]).all()
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert runs.loc[runs["experiment"] == "clipping", "clip"].tolist() == [
        "none", "none", "global_clipnorm=1", "global_clipnorm=1"]


@pytest.mark.parametrize("arm, option, value", [
    ("clipnorm", "clipnorm", 0.5), ("global_clipnorm", "global_clipnorm", 0.5),
    ("clipvalue", "clipvalue", 0.2)])
def test_clip_arm_sets_the_optimizer_option(arm, option, value):
    config = stability_tricks.Config(depth=1, units=4, epochs=1, clipnorm=0.5, clipvalue=0.2,
                                     clip_learning_rate=0.1)
    dataset = stability_tricks.load_data(config)
    probe = stability_tricks.probe_batch(dataset, 16)
    run = stability_tricks.clip_arm(config, dataset, probe, arm).train(42)
    assert getattr(run.model.optimizer, option) == pytest.approx(value)
    assert len(run.history["gradient_norm"]) == 1


def test_l1_gives_more_near_zero_weights_than_no_penalty(result):
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    penalties = runs[runs["experiment"] == "penalties"].groupby("arm")
    zero = penalties["near_zero_fraction"].mean()
    assert zero["l1_0.1"] > zero["none"]
    assert penalties["mean_abs_weight"].mean()["l1_0.1"] < penalties[
        "mean_abs_weight"].mean()["none"]


def test_report_has_rate_table_and_figures(result):
    report = open(result.report_path, encoding="utf-8").read()
    assert "## Batch norm against plain, rate by rate" in report
    assert "Largest stable rate" in report and "Levene" in report
    for plot in ("batch_norm_val_accuracy", "clipping_gradient_norm", "penalty_curves"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


def test_hidden_kernels_skip_the_head():
    config = stability_tricks.Config(depth=2, units=4)
    dataset = stability_tricks.load_data(config)
    model = stability_tricks.build_model(config, dataset)
    assert stability_tricks.hidden_kernels(model).size == 64 * 4 + 4 * 4


@pytest.mark.parametrize("overrides, message", [
    ({"learning_rates": "0.1,fast"}, "'learning_rates' parameter must be a comma-separated"),
    ({"l1_strengths": "-1"}, "'l1_strengths' parameter"),
    ({"clip_arms": "none,clipglobal"}, "'clip_arms' parameter"),
    ({"clip_optimizer": "sgdd"}, "'clip_optimizer' parameter"),
    ({"near_zero": 0}, "'near_zero' parameter"),
])
def test_bad_settings_are_refused_when_the_config_is_made(overrides, message):
    with pytest.raises(ValueError, match=message):
        stability_tricks.Config(**overrides)


def test_parse_rates_sorts_and_drops_duplicates():
    assert stability_tricks.parse_rates("0.3, 0.01,0.3", "x") == [0.01, 0.3]
    assert not math.isnan(stability_tricks.parse_rates("1e-3", "x")[0])

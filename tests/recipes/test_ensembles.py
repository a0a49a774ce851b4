"""The ensembles recipe: arms through the engine, stability rows, one saved ensemble."""

import json
import os

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes import ensembles as recipe


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("ensembles") / "run"
    config = recipe.Config(smoke=True, out=str(out), verbose=0,
                           arms="single,deep_ensemble,snapshot,stacking,hgb")
    return recipe.run(config)


def test_metrics_follow_the_comparison_schema_with_calibration(result):
    metrics = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert metrics["reference"] == "single" and len(metrics["seeds"]) == 2
    for arm in ("single", "deep_ensemble", "snapshot", "stacking", "hgb"):
        for measure in ("test_accuracy", "test_nll", "test_ece", "test_brier"):
            assert {"mean", "ci_low", "ci_high"} <= set(metrics["arms"][arm][measure])
    assert "p_value" in metrics["differences"]["deep_ensemble"]["test_accuracy"]
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert len(runs) == 5 * 2
    deep = runs[runs["arm"] == "deep_ensemble"]
    assert {"member0_test_accuracy", "member1_test_accuracy"} <= set(deep.columns)
    # Member 0 of a deep ensemble is the single model of the same seed.
    single = runs[runs["arm"] == "single"].set_index("seed")["test_accuracy"]
    np.testing.assert_allclose(deep.set_index("seed")["member0_test_accuracy"], single)


def test_stability_cost_and_reliability_are_reported(result):
    arms = {row["arm"] for row in result.metrics["stability"]}
    assert arms == {"deep_ensemble", "snapshot"}
    report = open(result.report_path).read()
    for heading in ("## Cost", "## Do ensembles improve stability?", "x one model",
                    "Paired differences against **single**", "scikit-learn baselines"):
        assert heading in report
    assert os.path.getsize(os.path.join(result.run_dir, "plots", "reliability.png")) > 0


def test_the_saved_deep_ensemble_reloads_and_predicts_identically(result):
    assert result.metrics["reload_max_abs_diff"] <= 1e-6
    model = keras.saving.load_model(os.path.join(result.run_dir, "model.keras"))
    assert sum(layer.name.startswith("member_") for layer in model.layers) == 2


def test_unknown_arm_is_refused_before_training():
    with pytest.raises(ValueError, match="single.*hgb"):
        recipe.Config(arms="single,boosting")

import json
import os

import keras
import pandas as pd
import pytest

from keras_recipes.recipes.adversarial_robustness import Config
from keras_recipes.recipes.adversarial_robustness import parse_epsilons
from keras_recipes.recipes.adversarial_robustness import run


def tiny(tmp_path, **overrides):
    """A run small enough for a test, with two seeds so the paired test runs."""
    settings = dict(seeds=2, epochs=1, filters=4, train_size=100, train_steps=2,
                    attack_steps=2, epsilons="0,0.3", epsilon=0.1, verbose=0,
                    out=str(tmp_path / "run"))
    settings.update(overrides)
    return Config(**settings)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return run(tiny(tmp_path_factory.mktemp("adversarial")))


def test_every_arm_and_seed_is_scored_on_every_curve_point(result):
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert sorted(zip(runs["arm"], runs["seed"])) == [
        ("fgsm", 42), ("fgsm", 43), ("pgd", 42), ("pgd", 43), ("standard", 42),
        ("standard", 43)]
    for attack in ("fgsm", "pgd"):
        # The training epsilon joins the curve; epsilon 0 is the clean accuracy.
        for epsilon in ("0", "0.1", "0.3"):
            assert runs[f"{attack}_accuracy_{epsilon}"].between(0, 1).all()
        assert (runs[f"{attack}_accuracy_0"] == runs["test_accuracy"]).all()
    assert set(runs["training_attack"]) == {"none", "fgsm", "pgd"}


def test_metrics_give_the_gain_cost_and_masking_checks(result):
    metrics = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert metrics["reference"] == "standard" and metrics["primary"] == "pgd_accuracy_0.1"
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv")).set_index(["arm", "seed"])
    for arm in ("fgsm", "pgd"):
        differences = metrics["differences"][arm]
        assert {"pgd_accuracy_0.1", "test_accuracy", "train_seconds"} <= set(differences)
        gain = (runs.loc[arm, "pgd_accuracy_0.1"] - runs.loc["standard", "pgd_accuracy_0.1"])
        headline = metrics["adversarial_training"][arm]
        assert headline["robustness_gain"] == pytest.approx(gain.mean())
        assert headline["clean_accuracy_cost"] == pytest.approx(
            -differences["test_accuracy"]["mean"])
        assert headline["training_time_ratio"] > 0
    assert [row["arm"] for row in metrics["masking_checks"]] == ["standard", "fgsm", "pgd"]
    assert metrics["most_robust_arm"] in ("standard", "fgsm", "pgd")


def test_report_has_the_curves_table_figure_and_checks(result):
    report = open(result.report_path).read()
    assert "| arm | attack | ε=0 | ε=0.1 | ε=0.3 |" in report
    assert "## Gradient-masking checks" in report and "LogisticRegression" in report
    assert os.path.getsize(os.path.join(result.run_dir, "plots",
                                        "robustness_curves.png")) > 0


def test_the_saved_model_is_the_plain_cnn(result):
    model = keras.saving.load_model(os.path.join(result.run_dir, "model.keras"))
    assert model.name == "cnn" and model.output_shape == (None, 10)


def test_bad_settings_are_refused_before_training(tmp_path):
    for overrides, match in (({"epsilons": "0,big"}, "'epsilons'.*'0,big'"),
                             ({"epsilons": "-0.1"}, "'epsilons'"),
                             ({"epsilon": 0}, "'epsilon'.*Got 0"),
                             ({"arms": "standard,trades"}, "trades")):
        with pytest.raises(ValueError, match=match):
            tiny(tmp_path, **overrides)
    assert parse_epsilons("0.2, 0,0.1") == [0.0, 0.1, 0.2]

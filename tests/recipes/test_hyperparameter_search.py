"""The hyperparameter_search recipe at smoke size: sweeps, comparison, bridge."""

import json

import pandas as pd
import pytest

from keras_recipes.recipes.common.registry import load_recipe

recipe = load_recipe("hyperparameter_search")


def test_smoke_run_compares_tuners_and_bridges_to_scikit_learn(tmp_path):
    out = tmp_path / "run"
    result = recipe.run(recipe.Config(smoke=True, out=str(out), verbose=0,
                                      tuners="random,bayesian"))
    metrics = result.metrics
    for tuner in ("random", "bayesian"):
        trials = pd.read_csv(out / "sweeps" / tuner / "trials.csv")
        assert 1 <= len(trials) <= 2
        assert set(trials["optimizer"]) <= {"adam", "sgd"}
        assert metrics[f"{tuner}_epochs"] == trials["epochs_run"].sum()
        assert metrics[f"{tuner}_best_val_loss"] == pytest.approx(trials["score"].min())
    assert metrics["best_tuner"] in ("random", "bayesian")
    assert 0 <= metrics["test_accuracy"] <= 1
    assert 0 <= metrics["sklearn_cv_accuracy_mean"] <= 1
    assert metrics["grid_best_learning_rate"] > 0
    for model in ("logistic_regression", "hist_gradient_boosting"):  # on the same holdout
        assert 0 <= metrics[f"baseline_{model}_test_accuracy"] <= 1
    report = (out / "report.md").read_text()
    for heading in ("## Tuners on the same budget", "## Best configuration",
                    "## scikit-learn baselines", "## GridSearchCV over the learning rate"):
        assert heading in report
    for plot in ("anytime_epochs", "anytime_seconds", "objective_by_trial",
                 "hyperparameters", "learning_curves"):
        assert (out / "plots" / f"{plot}.png").exists(), plot
    assert json.loads((out / "metrics.json").read_text())["best_tuner"] == \
        metrics["best_tuner"]


def test_unknown_tuner_is_refused_before_anything_runs(tmp_path):
    with pytest.raises(ValueError, match="'tuners' parameter.*evolution"):
        recipe.run(recipe.Config(smoke=True, out=str(tmp_path / "run"),
                                 tuners="random,evolution"))
    assert not (tmp_path / "run").exists()

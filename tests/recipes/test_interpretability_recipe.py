"""The interpretability recipe: rankings, their agreement and their stability."""

import numpy as np
import pytest

from keras_recipes.recipes import interpretability as recipe


def test_agreement_of_identical_and_reversed_rankings():
    found = {"a": np.array([3.0, 2.0, 1.0]), "b": np.array([3.0, 2.0, 1.0]),
             "c": np.array([1.0, 2.0, 3.0])}
    measures = recipe.agreement_measures(found)
    assert measures["spearman_a_b"] == pytest.approx(1)
    assert measures["kendall_a_c"] == pytest.approx(-1)
    assert recipe.top_overlap(np.arange(10.0), np.arange(10.0)) == 1


def test_methods_are_checked_and_auto_drops_only_a_missing_shap(monkeypatch):
    with pytest.raises(ValueError, match="'methods'.*permutation, gradients, shap"):
        recipe.Config(methods="lime")
    monkeypatch.setattr(recipe, "shap_installed", lambda: False)
    assert recipe.parse_methods("auto") == ["permutation", "gradients"]


def test_smoke_run_reports_agreement_stability_and_the_digit_maps(tmp_path):
    result = recipe.run(recipe.Config(smoke=True, verbose=0, out=str(tmp_path / "run"),
                                      methods="permutation,gradients", datasets="digits"))
    metrics = result.metrics
    assert [row["methods"] for row in metrics["agreement"]] == ["permutation vs gradients"]
    assert [row["dataset"] for row in metrics["stability"]] == ["digits"] * 2
    assert all(-1 <= row["spearman mean"] <= 1 for row in metrics["stability"])
    assert 0 <= metrics["completeness"][0]["rows within tolerance"] <= 1
    for model in ("logistic_regression", "hist_gradient_boosting"):  # one table per dataset
        assert 0 <= metrics[f"baseline_digits_{model}_test_accuracy"] <= 1
    report = open(result.report_path).read()
    assert "digits_integrated_gradients.png" in report

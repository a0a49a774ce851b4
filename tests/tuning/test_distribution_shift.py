"""Distribution-shift checks: each one quiet without a shift and firing with one."""

import numpy as np
import pandas as pd
import pytest

from keras_recipes.tuning.distribution_shift import check_shift
from keras_recipes.tuning.domain_classifier import design_matrix
from keras_recipes.tuning.domain_classifier import domain_classifier_test
from keras_recipes.tuning.feature_shift import adjust_p_values
from keras_recipes.tuning.feature_shift import feature_shift_tests
from keras_recipes.tuning.feature_shift import population_stability_index
from keras_recipes.tuning.output_shift import output_shift_test


def rows(count, seed, shift=0.0, colours=(0.5, 0.3, 0.2)):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"size": rng.normal(size=count) + shift,
                          "age": rng.normal(40, 10, size=count),
                          "colour": rng.choice(["red", "green", "blue"], count, p=colours)})
    frame.loc[frame.index[:3], "age"] = np.nan
    return frame


@pytest.fixture(scope="module")
def reference():
    return rows(300, seed=0)


def test_holm_and_bh_match_their_textbook_values():
    p = [0.01, 0.04, 0.03, 0.5]
    np.testing.assert_allclose(adjust_p_values(p), [0.04, 0.09, 0.09, 0.5])
    np.testing.assert_allclose(adjust_p_values(p, "bh"), [0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert len(adjust_p_values([])) == 0
    with pytest.raises(ValueError, match="'method'.*holm, bh.*'bonferroni'"):
        adjust_p_values(p, "bonferroni")


def test_feature_tests_are_quiet_without_a_shift(reference):
    tested = feature_shift_tests(reference, rows(100, seed=1))
    assert [row["test"] for row in tested] == ["ks", "ks", "chi2"]
    assert not any(row["shifted"] for row in tested)
    assert all(row["p_adjusted"] >= row["p_value"] for row in tested)


def test_feature_tests_name_the_moved_numeric_column(reference):
    tested = {row["feature"]: row for row in feature_shift_tests(reference,
                                                                 rows(100, 1, shift=1.0))}
    assert tested["size"]["shifted"] and tested["size"]["p_adjusted"] < 1e-6
    assert not tested["age"]["shifted"] and not tested["colour"]["shifted"]


def test_chi_squared_sees_changed_category_shares_and_unseen_categories(reference):
    changed = rows(100, 1, colours=(0.1, 0.3, 0.6))
    changed.loc[changed.index[:10], "colour"] = "purple"
    tested = {row["feature"]: row for row in feature_shift_tests(reference, changed)}
    assert tested["colour"]["shifted"] and tested["colour"]["unseen"] == ["purple"]
    assert not tested["size"]["shifted"]


def test_psi_is_small_for_one_distribution_and_large_for_a_moved_one():
    rng = np.random.default_rng(0)
    base = rng.normal(size=2000)
    assert population_stability_index(base, rng.normal(size=2000)) < 0.02
    assert population_stability_index(base, rng.normal(1.0, 1, size=2000)) > 0.25
    colours = pd.Series(["a"] * 50 + ["b"] * 50)
    assert population_stability_index(colours, colours, categorical=True) == 0
    assert population_stability_index(colours, pd.Series(["a"] * 90 + ["b"] * 10),
                                      categorical=True) > 0.25


def test_domain_classifier_is_at_chance_without_a_shift_and_not_with_one(reference):
    quiet = domain_classifier_test(reference, rows(100, 1), permutations=19, folds=3)
    moved = domain_classifier_test(reference, rows(100, 1, shift=1.0), permutations=19,
                                   folds=3)
    assert quiet["p_value"] > 0.05 and abs(quiet["auc"] - 0.5) < 0.1
    assert moved["p_value"] == pytest.approx(1 / 20) and moved["auc"] > 0.7
    boosted = domain_classifier_test(reference, rows(100, 1, shift=1.0), estimator="boosting",
                                     permutations=9, folds=3)
    assert boosted["auc"] > 0.65 and boosted["p_value"] == pytest.approx(0.1)


def test_design_matrix_encodes_categories_and_missing_values(reference):
    matrix, codes = design_matrix(reference, {"colour"})
    assert matrix.shape == (300, 1 + 2 + 3) and not np.isnan(matrix).any()
    assert not codes.any()
    matrix, codes = design_matrix(reference, {"colour"}, one_hot=False)
    assert matrix.shape == (300, 4) and codes.tolist() == [False, False, False, True]


def test_output_test_is_quiet_on_one_distribution_and_fires_on_another():
    rng = np.random.default_rng(0)
    reference = rng.dirichlet([2, 2, 2], size=200)
    same = np.random.default_rng(1).dirichlet([2, 2, 2], size=100)
    assert output_shift_test(reference, same)["p_value"] > 0.05
    shifted = output_shift_test(reference, rng.dirichlet([6, 2, 1], size=100))
    assert shifted["p_value"] < 1e-3 and len(shifted["columns"]) == 3
    with pytest.raises(ValueError, match="3 columns.*Got 1 columns"):
        output_shift_test(reference, rng.random((10, 1)))


def test_check_shift_reports_every_check_and_orders_the_shifted_features(reference):
    moved = rows(100, 1, shift=2.0, colours=(0.2, 0.3, 0.5))
    outputs = np.random.default_rng(0).random((100, 1))
    report = check_shift(reference, moved, outputs, outputs + 0.5, permutations=19, folds=3)
    assert report.shifted_features == ["size", "colour"]
    assert report.detected == {"feature_tests": True, "psi": True,
                               "domain_classifier": True, "outputs": True}
    text = report.summary()
    assert "Shifted features (2 of 3" in text and text.index("size:") < text.index("colour:")
    assert report.to_dict()["shifted_features"] == ["size", "colour"]
    quiet = check_shift(reference, rows(100, 1), domain_estimator=None)
    assert quiet.detected == {"feature_tests": False, "psi": False}
    assert not quiet.shift_found and report.shift_found
    assert "No test detected a shift at level 0.05." in quiet.summary()
    assert quiet.psi_without_shift == pytest.approx(9 * (1 / 300 + 1 / 100))


def test_checks_refuse_frames_with_other_columns(reference):
    with pytest.raises(ValueError, match=r"Missing: \['colour'\]; extra: \['shade'\]"):
        check_shift(reference, rows(50, 1).rename(columns={"colour": "shade"}))
    with pytest.raises(ValueError, match="both 'reference_outputs' and 'current_outputs'"):
        check_shift(reference, rows(50, 1), reference_outputs=np.zeros((5, 1)))
    with pytest.raises(ValueError, match="'permutations'.*at least 1. Got 0"):
        domain_classifier_test(reference, rows(50, 1), permutations=0)

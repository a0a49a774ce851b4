"""Intervals over seeds and paired tests between arms."""

import math

import numpy as np
import pytest
from scipy import stats

from keras_recipes.tuning import mean_interval
from keras_recipes.tuning import paired_difference
from keras_recipes.tuning.statistics import describe_difference
from keras_recipes.tuning.statistics import lower_is_better


def test_the_interval_is_the_student_t_interval():
    values = [0.91, 0.95, 0.93, 0.96]
    summary = mean_interval(values)
    low, high = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values),
                                 scale=stats.sem(values))
    assert summary["mean"] == pytest.approx(np.mean(values))
    assert summary["std"] == pytest.approx(np.std(values, ddof=1))
    assert (summary["ci_low"], summary["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert summary["n"] == 4 and summary["missing"] == 0


def test_missing_values_are_left_out_and_counted():
    summary = mean_interval([1.0, None, float("nan"), 3.0])
    assert summary["n"] == 2 and summary["missing"] == 2 and summary["mean"] == 2.0


def test_one_value_has_no_interval_and_identical_values_a_zero_width_one():
    single = mean_interval([0.5])
    assert single["mean"] == 0.5 and math.isnan(single["ci_low"]) and math.isnan(single["std"])
    same = mean_interval([0.5, 0.5, 0.5])
    assert same["ci_low"] == same["ci_high"] == 0.5


def test_the_paired_test_is_scipys_and_counts_better_seeds():
    arm, reference = [0.97, 0.99, 0.96, 0.98], [0.96, 0.97, 0.965, 0.95]
    difference = paired_difference(arm, reference)
    assert difference["p_value"] == pytest.approx(stats.ttest_rel(arm, reference).pvalue)
    assert difference["better"] == 3 and difference["n"] == 4
    assert difference["mean"] == pytest.approx(np.mean(np.subtract(arm, reference)))


def test_a_consistent_difference_is_resolved_and_a_noisy_one_is_not():
    assert paired_difference([2.0, 3.1, 4.0], [1.0, 2.0, 3.05])["resolved"]
    noisy = paired_difference([1.0, 3.0, 2.0], [2.0, 2.0, 2.1])
    assert not noisy["resolved"] and noisy["ci_low"] < 0 < noisy["ci_high"]


def test_lower_is_better_turns_the_better_count_around():
    losses = paired_difference([0.1, 0.2, 0.3], [0.2, 0.3, 0.25], higher_is_better=False)
    assert losses["better"] == 2
    assert lower_is_better("val_loss") and lower_is_better("epochs_to_target")
    assert not lower_is_better("test_accuracy")
    assert not lower_is_better("updates_per_second") and lower_is_better("final_val_loss")
    assert not lower_is_better("test_r2") and lower_is_better("train_seconds")


def test_pairs_with_a_missing_side_are_dropped():
    difference = paired_difference([1.0, None, 3.0], [0.5, 1.0, 2.0])
    assert difference["n"] == 2


def test_lengths_must_match():
    with pytest.raises(ValueError, match="one score per shared seed"):
        paired_difference([1.0, 2.0], [1.0])


def test_the_sentence_says_whether_the_difference_is_resolved():
    unresolved = describe_difference("sgd", "adam", "test_accuracy",
                                     paired_difference([1.0, 3.0, 2.0], [2.0, 2.0, 2.1]))
    assert "not resolved at 3 seeds" in unresolved and "paired t-test" in unresolved
    single = describe_difference("sgd", "adam", "test_accuracy",
                                 paired_difference([1.0], [2.0]))
    assert "not testable" in single

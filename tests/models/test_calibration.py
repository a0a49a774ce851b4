"""Calibration measures against hand-computed values and scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss
from sklearn.metrics import log_loss

from keras_recipes.models import brier_score
from keras_recipes.models import expected_calibration_error
from keras_recipes.models import negative_log_likelihood
from keras_recipes.models import reliability_curve


def test_binary_measures_match_scikit_learn():
    rng = np.random.default_rng(0)
    p = rng.random(200)
    y = (rng.random(200) < p).astype(int)
    assert negative_log_likelihood(y, p) == pytest.approx(log_loss(y, p))
    assert brier_score(y, p[:, None]) == pytest.approx(brier_score_loss(y, p))


def test_multiclass_measures():
    y = np.array([0, 1, 2])
    p = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.5, 0.3, 0.2]])
    assert negative_log_likelihood(y, p) == pytest.approx(log_loss(y, p))
    expected = np.mean([0.04 + 0.01 + 0.01, 0.04 + 0.09 + 0.01, 0.25 + 0.09 + 0.64])
    assert brier_score(y, p) == pytest.approx(expected)


def test_expected_calibration_error_by_hand():
    # Two bins used: (0.5, 0.6] holds 0.55, 0.6 (1 of 2 right); (0.9, 1] holds 0.95, 0.95
    # (2 of 2 right).
    y = np.array([1, 1, 1, 1])
    p = np.array([0.55, 0.4, 0.95, 0.95])  # confidences 0.55, 0.6, 0.95, 0.95
    curve = reliability_curve(y, p, bins=10)
    assert curve["count"].tolist() == [2, 2]
    np.testing.assert_allclose(curve["accuracy"], [0.5, 1.0])
    expected = 0.5 * abs(0.5 - 0.575) + 0.5 * abs(1.0 - 0.95)
    assert expected_calibration_error(y, p, bins=10) == pytest.approx(expected)
    assert expected_calibration_error([0, 1], [[1.0, 0.0], [0.0, 1.0]]) == 0.0


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="'bins'"):
        reliability_curve([0, 1], [0.2, 0.8], bins=0)
    with pytest.raises(ValueError, match="one row per label"):
        brier_score([0, 1, 1], [0.2, 0.8])
    with pytest.raises(ValueError, match=r"class indices in \[0, 1\]"):
        negative_log_likelihood([0, 2], [0.2, 0.8])

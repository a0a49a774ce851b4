"""Overlaid learning-rate curves: schedules, constants and measured per-epoch rates."""

import numpy as np
import pytest

from keras_recipes.callbacks import create_schedule
from keras_recipes.recipes.common.figures import learning_rate_curve
from keras_recipes.recipes.common.figures import plot_learning_rates


def test_a_schedule_is_evaluated_against_the_epoch():
    schedule = create_schedule("step", 0.1, total_steps=300)
    epochs, rates = learning_rate_curve(schedule, total_steps=300, steps_per_epoch=10)
    assert epochs[0] == 0 and epochs[-1] == pytest.approx(29.9)
    assert rates[0] == pytest.approx(0.1)
    assert rates[-1] == pytest.approx(0.001, rel=1e-3)
    assert np.all(np.diff(rates) <= 1e-12)


def test_constants_and_measured_rates_become_staircases():
    epochs, rates = learning_rate_curve(0.05, total_steps=40, steps_per_epoch=10)
    assert epochs.tolist() == [0.0, 4.0] and rates.tolist() == [0.05, 0.05]
    epochs, rates = learning_rate_curve([0.1, 0.1, 0.02], total_steps=30, steps_per_epoch=10)
    assert epochs.tolist() == [0, 1, 2, 3]
    assert rates.tolist() == [0.1, 0.1, 0.02, 0.02]


def test_plot_overlays_every_kind_and_survives_a_rate_of_zero(tmp_path):
    path = plot_learning_rates(
        {"cosine": create_schedule("cosine", 0.1, 100), "constant": 0.1,
         "plateau": [0.1, 0.1, 0.02, 0.004]},
        total_steps=100, path=str(tmp_path / "lr.png"), steps_per_epoch=25)
    assert (tmp_path / "lr.png").stat().st_size > 0 and path == str(tmp_path / "lr.png")


@pytest.mark.parametrize("call, message", [
    (lambda p: plot_learning_rates({}, 10, p), "'schedules' parameter"),
    (lambda p: learning_rate_curve(0.1, 0), "'total_steps' parameter"),
    (lambda p: learning_rate_curve(0.1, 10, steps_per_epoch=1.5), "'steps_per_epoch' parameter"),
    (lambda p: learning_rate_curve([], 10), "'schedule' parameter"),
])
def test_bad_arguments_are_refused(call, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        call(str(tmp_path / "x.png"))

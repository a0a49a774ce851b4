import keras
import numpy as np
import pytest
from keras import ops

from keras_recipes.callbacks import LRFinder


def optimizer_state(model):
    return [ops.convert_to_numpy(v).copy() for v in model.optimizer.variables]


def test_restores_weights_and_optimizer_state(
    regression_data, make_model, flat_weights
):
    x, y = regression_data
    model = make_model(keras.optimizers.Adam(1e-3))
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    weights, state = flat_weights(model), optimizer_state(model)
    finder = LRFinder(num_steps=20)
    model.fit(x, y, batch_size=16, epochs=5, verbose=0, callbacks=[finder])
    assert len(finder.history["loss"]) == 20
    np.testing.assert_array_equal(flat_weights(model), weights)
    for before, after in zip(state, optimizer_state(model)):
        np.testing.assert_array_equal(before, after)
    rate = float(ops.convert_to_numpy(model.optimizer.learning_rate))
    assert rate == pytest.approx(1e-3)


def test_rates_grow_exponentially_and_stop_on_divergence(regression_data, make_model):
    x, y = regression_data
    model = make_model(keras.optimizers.SGD(0.01))
    finder = LRFinder(min_learning_rate=1e-4, max_learning_rate=1e4, num_steps=40)
    model.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[finder])
    rates = np.array(finder.history["learning_rate"])
    assert rates[0] == pytest.approx(1e-4)
    np.testing.assert_allclose(rates[1:] / rates[:-1], 10 ** (8 / 39), rtol=1e-6)
    # SGD cannot survive a rate of 1e4 on this problem: the test stops early.
    assert len(rates) < 40
    smoothed = np.array(finder.history["smoothed_loss"])
    assert not np.isfinite(smoothed[-1]) or smoothed[-1] > 4 * np.nanmin(smoothed)


def test_plot(regression_data, make_model, tmp_path):
    x, y = regression_data
    finder = LRFinder(num_steps=20)
    make_model().fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[finder])
    path = finder.plot(tmp_path / "finder.png")
    with open(path, "rb") as file:
        assert file.read(4) == b"\x89PNG"


def test_suggestion_needs_enough_points():
    finder = LRFinder()
    finder.history = {"learning_rate": [1e-3, 1e-2], "smoothed_loss": [1.0, 0.5]}
    assert finder.suggestion() is None


def test_rejects_schedules(regression_data, make_model):
    x, y = regression_data
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.5)
    model = make_model(keras.optimizers.SGD(schedule))
    with pytest.raises(ValueError, match="float learning rate"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[LRFinder()])


def test_invalid_arguments():
    with pytest.raises(ValueError, match="Received: min_learning_rate=1"):
        LRFinder(min_learning_rate=1.0, max_learning_rate=0.1)
    with pytest.raises(ValueError, match="Received: divergence_threshold=1"):
        LRFinder(divergence_threshold=1)


def finder_with(rates, losses, **options):
    finder = LRFinder(**options)
    finder.history = {"learning_rate": list(rates), "smoothed_loss": list(losses)}
    return finder


def test_rules_read_one_range_test():
    from keras_recipes.callbacks.lr_finder import DEFAULT_RULE
    from keras_recipes.callbacks.lr_finder import SUGGESTION_RULES

    rates = np.logspace(-6, 1, 100)
    log_rates = np.log10(rates)
    # Flat, then a fall centred on 1e-2, lowest at 1e-1, then a blow-up.
    losses = 2.0 - np.tanh(2 * (log_rates + 2)) + np.where(log_rates > -1,
                                                          10 * (log_rates + 1) ** 2, 0)
    finder = finder_with(rates, losses)
    assert finder.rule == DEFAULT_RULE == "minimum/16"
    steepest = finder.suggestion("steepest")
    assert 10 ** -2.2 <= steepest <= 10 ** -1.8
    assert finder.suggestion("steepest/10") == pytest.approx(steepest / 10)
    assert finder.suggestion("steepest/3") == pytest.approx(steepest / 3)
    minimum = rates[10:][np.argmin(losses[10:])]
    assert finder.suggestion() == finder.suggestion("minimum/16") == pytest.approx(minimum / 16)
    assert finder.suggestion("minimum/10") == pytest.approx(minimum / 10)
    assert finder.suggestion("minimum/3") == pytest.approx(minimum / 3)
    valley = finder.suggestion("valley")
    assert 10 ** -4 < valley < minimum
    assert finder_with(rates, losses, rule="minimum/10").suggestion() == pytest.approx(
        minimum / 10)
    for rule in SUGGESTION_RULES:
        assert finder.suggestion(rule) > 0


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="Received: rule='middle'"):
        LRFinder(rule="middle")
    with pytest.raises(ValueError, match="steepest/10"):
        LRFinder().suggestion("middle")


def test_minimum_ignores_the_warm_up_and_what_follows_a_nan():
    rates = np.logspace(-6, 1, 100)
    # A low warm-up artefact at step 2 and a NaN at step 80 with lower losses after it.
    losses = np.linspace(2.0, 1.0, 100)
    losses[2], losses[80], losses[81:] = 0.1, np.nan, 0.0
    finder = finder_with(rates, losses)
    assert finder.suggestion("minimum/16") == pytest.approx(rates[79] / 16)

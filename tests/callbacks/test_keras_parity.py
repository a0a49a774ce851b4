"""Our subclasses of Keras callbacks are drop-ins: where they add nothing, they
behave exactly as their Keras parents (monitors of every kind, modes,
baseline, start_from_epoch, restore_best_weights, reuse across `fit` calls and
across models), and they accept what the parents accept."""

import inspect
import warnings

import keras
import numpy as np
import pytest

from keras_recipes.callbacks import EarlyStopping
from keras_recipes.callbacks import ReduceLROnPlateau

SUBCLASSES = [
    (EarlyStopping, keras.callbacks.EarlyStopping),
    (ReduceLROnPlateau, keras.callbacks.ReduceLROnPlateau),
]


class Feed(keras.callbacks.Callback):
    """Overwrites the monitored value with a scripted sequence."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def fit_with(callback, values, key="score", model=None, data=None, make_model=None):
    model = model or make_model()
    x, y = data
    history = model.fit(x, y, epochs=len(values), verbose=0,
                        callbacks=[Feed(key, values), callback])
    return model, history.history


@pytest.mark.parametrize("ours, parent", SUBCLASSES)
def test_every_parent_argument_is_accepted_with_the_same_default(ours, parent):
    parent_parameters = inspect.signature(parent.__init__).parameters
    for name, parameter in parent_parameters.items():
        if name == "self" or parameter.kind is parameter.VAR_KEYWORD:
            continue
        instance = ours(**{name: parameter.default}) if \
            parameter.default is not parameter.empty else None
        assert instance is not None
    # Same defaults: an instance made without arguments matches the parent's.
    for attribute in ("monitor", "patience", "min_delta", "verbose", "mode"):
        if hasattr(parent(), attribute):
            assert getattr(ours(), attribute) == getattr(parent(), attribute)


EARLY_STOPPING_CASES = {
    "min mode": (dict(mode="min", patience=2), [5, 4, 4.5, 4.2, 4.3, 3, 2, 2, 2, 2]),
    "max mode": (dict(mode="max", patience=1), [0.1, 0.5, 0.4, 0.3, 0.6, 0.6]),
    "min_delta": (dict(mode="min", patience=1, min_delta=0.5), [5, 4.8, 4.7, 4.0, 3.9, 3.8]),
    "baseline never beaten": (dict(mode="min", patience=2, baseline=1.0), [3, 2, 2.5, 2.2, 2, 2]),
    "baseline beaten": (dict(mode="min", patience=2, baseline=3.5), [5, 3, 2, 2.5, 2.4, 2.3]),
    "start_from_epoch": (dict(mode="min", patience=1, start_from_epoch=3),
                         [1, 2, 3, 4, 5, 6, 7, 8]),
    "restore_best_weights": (dict(mode="min", patience=2, restore_best_weights=True),
                             [5, 3, 4, 5, 6, 7]),
    "restore with start_from_epoch": (
        dict(mode="min", patience=1, restore_best_weights=True, start_from_epoch=2),
        [1, 9, 8, 9, 10, 11]),
    "patience 0": (dict(mode="min", patience=0), [3, 2, 2, 1, 1]),
    "baseline never beaten, restore": (
        dict(mode="min", patience=2, baseline=1.0, restore_best_weights=True),
        [3, 2, 2.5, 2.2, 2, 2]),
    "max mode, min_delta, restore": (
        dict(mode="max", patience=1, min_delta=0.05, restore_best_weights=True),
        [0.5, 0.52, 0.6, 0.62, 0.63, 0.9]),
    "start_from_epoch, patience 0": (dict(mode="min", patience=0, start_from_epoch=2),
                                     [1, 2, 3, 2, 1, 1]),
    "never stops": (dict(mode="min", patience=5), [5, 4, 3, 2, 1]),
}


def early_stopping_state(callback):
    return (callback.stopped_epoch, float(callback.best), callback.wait,
            getattr(callback, "best_epoch", None))


@pytest.mark.parametrize("case", sorted(EARLY_STOPPING_CASES))
def test_early_stopping_matches_keras(case, regression_data, make_model, flat_weights):
    kwargs, values = EARLY_STOPPING_CASES[case]
    results = []
    for cls in (keras.callbacks.EarlyStopping, EarlyStopping):
        keras.utils.set_random_seed(0)
        callback = cls(monitor="score", **kwargs)
        model, history = fit_with(callback, values, data=regression_data,
                                  make_model=make_model)
        results.append((len(history["loss"]), early_stopping_state(callback),
                        flat_weights(model)))
    (epochs_k, state_k, weights_k), (epochs_o, state_o, weights_o) = results
    assert epochs_o == epochs_k
    assert state_o == state_k
    np.testing.assert_array_equal(weights_o, weights_k)


@pytest.mark.parametrize("monitor, mode", [("loss", "auto"), ("val_loss", "auto"),
                                           ("val_mae", "auto"), ("val_mae", "min")])
def test_early_stopping_matches_keras_on_real_logs(monitor, mode, regression_data,
                                                   flat_weights):
    x, y = regression_data
    results = []
    for cls in (keras.callbacks.EarlyStopping, EarlyStopping):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile(keras.optimizers.SGD(0.5), loss="mse", metrics=["mae"])
        callback = cls(monitor=monitor, mode=mode, patience=1, restore_best_weights=True)
        history = model.fit(x, y, validation_split=0.25, epochs=8, verbose=0,
                            shuffle=False, callbacks=[callback])
        results.append((history.history[monitor], callback.stopped_epoch,
                        flat_weights(model)))
    assert results[0][0] == pytest.approx(results[1][0])
    assert results[0][1] == results[1][1]
    np.testing.assert_allclose(results[0][2], results[1][2])


def test_reuse_across_fit_calls_and_models_matches_keras(regression_data, make_model):
    outcomes = []
    for cls in (keras.callbacks.EarlyStopping, EarlyStopping):
        callback = cls(monitor="score", mode="min", patience=1)
        runs = []
        first = make_model()
        for values, model in (([1, 2, 3, 4], first), ([9, 8, 7, 6, 5], None),
                              ([3, 3, 3], first)):
            _, history = fit_with(callback, values, model=model, data=regression_data,
                                  make_model=make_model)
            runs.append((len(history["loss"]), early_stopping_state(callback)))
        outcomes.append(runs)
    assert outcomes[0] == outcomes[1]


def test_vector_valued_monitor_is_monitored_by_its_mean():
    """F1Score() defaults to average=None: one value per class (issue 10)."""
    rng = np.random.default_rng(0)
    x = rng.random((64, 4)).astype("float32")
    y = keras.utils.to_categorical(rng.integers(0, 3, 64), 3)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=[keras.metrics.F1Score()])
    early_stopping = EarlyStopping(monitor="val_f1_score", mode="max", patience=1,
                                   restore_best_weights=True)
    plateau = ReduceLROnPlateau(monitor="val_f1_score", mode="max", patience=1)
    with pytest.warns(UserWarning, match="val_f1_score.*3 values.*mean"):
        history = model.fit(x, y, validation_split=0.25, epochs=6, verbose=0,
                            callbacks=[early_stopping, plateau])
    assert np.asarray(history.history["val_f1_score"][0]).shape == (3,)
    assert isinstance(early_stopping.best, float)
    assert early_stopping.get_state()["best"] == early_stopping.best
    assert "learning_rate" in history.history


REDUCE_CASES = {
    "min": (dict(mode="min", patience=1, factor=0.5), [5, 5, 5, 4, 4, 4, 4]),
    "max with cooldown": (dict(mode="max", patience=1, factor=0.1, cooldown=2),
                          [0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2]),
    "min_delta and min_lr": (dict(mode="min", patience=0, factor=0.5, min_delta=1.0,
                                  min_lr=0.03), [5, 4.5, 4.2, 4.1, 4.0, 3.9]),
}


@pytest.mark.parametrize("case", sorted(REDUCE_CASES))
def test_reduce_lr_on_plateau_matches_keras(case, regression_data, make_model):
    kwargs, values = REDUCE_CASES[case]
    rates = []
    for cls in (keras.callbacks.ReduceLROnPlateau, ReduceLROnPlateau):
        keras.utils.set_random_seed(0)
        callback = cls(monitor="score", **kwargs)
        _, history = fit_with(callback, values, data=regression_data,
                              make_model=lambda: make_model(keras.optimizers.SGD(0.1)))
        rates.append((history["learning_rate"], callback.wait, callback.cooldown_counter))
    assert rates[0] == rates[1]


def test_no_warning_for_a_scalar_monitor(regression_data, make_model):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_with(EarlyStopping(monitor="score", mode="min"), [3, 2, 1],
                 data=regression_data, make_model=make_model)


def classification_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 4)).astype("float32")
    y = (x[:, :1] + 0.5 * rng.normal(size=(96, 1)) > 0).astype("float32")
    return x, y


def fit_classifier(callback, metrics, epochs=8):
    keras.utils.set_random_seed(0)
    x, y = classification_data()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.SGD(0.3), loss="binary_crossentropy", metrics=metrics)
    history = model.fit(x, y, validation_split=0.25, epochs=epochs, verbose=0,
                        shuffle=False, callbacks=[callback])
    return model, history.history


@pytest.mark.parametrize("monitor", ["val_accuracy", "accuracy", "val_auc", "val_loss",
                                     "val_f1_score"])
def test_auto_mode_takes_the_metric_direction_like_keras(monitor, flat_weights):
    """Accuracy and AUC are maximized, losses minimized; F1 averaged to a scalar."""
    results = []
    for cls in (keras.callbacks.EarlyStopping, EarlyStopping):
        callback = cls(monitor=monitor, patience=1, restore_best_weights=True)
        metrics = ["accuracy", keras.metrics.AUC(name="auc"),
                   keras.metrics.F1Score(average="macro", threshold=0.5)]
        model, history = fit_classifier(callback, metrics)
        results.append((len(history["loss"]), callback.stopped_epoch, callback.best_epoch,
                        callback.monitor_op, flat_weights(model)))
    assert results[0][:4] == results[1][:4]
    np.testing.assert_array_equal(results[0][4], results[1][4])


def spread(y_true, y_pred):
    """A metric with no direction Keras could infer."""
    return keras.ops.std(y_pred)


def test_a_monitor_of_unknown_direction_fails_like_keras():
    errors = []
    for cls in (keras.callbacks.EarlyStopping, EarlyStopping):
        with pytest.raises(ValueError) as error:
            fit_classifier(cls(monitor="val_spread", patience=1), [spread])
        errors.append(str(error.value).replace("EarlyStopping", "X"))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("ours, parent", SUBCLASSES)
def test_a_missing_monitor_warns_and_never_acts_like_keras(ours, parent):
    outcomes = []
    for cls in (parent, ours):
        with pytest.warns(UserWarning, match="val_nothing") as warned:
            model, history = fit_classifier(cls(monitor="val_nothing", mode="min", patience=0),
                                            ["accuracy"], epochs=3)
        outcomes.append((len(history["loss"]), history.get("learning_rate"),
                         sum("val_nothing" in str(w.message) for w in warned)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == 3


def test_verbose_messages_match_keras(capsys, regression_data, make_model):
    printed = []
    for cls in (keras.callbacks.EarlyStopping, EarlyStopping):
        callback = cls(monitor="score", mode="min", patience=1, verbose=1,
                       restore_best_weights=True)
        fit_with(callback, [5, 4, 4.5, 4.6, 3], data=regression_data, make_model=make_model)
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1] and "early stopping" in printed[0]


def test_reduce_lr_on_plateau_matches_keras_on_real_logs_and_across_fits():
    outcomes = []
    for cls in (keras.callbacks.ReduceLROnPlateau, ReduceLROnPlateau):
        callback = cls(monitor="val_loss", factor=0.5, patience=1, min_delta=0.05)
        runs = []
        for _ in range(2):  # Reused: a new model and fit each time.
            _, history = fit_classifier(callback, ["accuracy"], epochs=6)
            runs.append((history["learning_rate"], callback.wait, callback.cooldown_counter,
                         callback.best))
        outcomes.append(runs)
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0][0][-1] < outcomes[0][0][0][0]  # The rate was reduced.

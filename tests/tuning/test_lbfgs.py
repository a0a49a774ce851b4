import keras
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from keras_recipes.tuning import fit_lbfgs


def _logistic_objective(x, y, weights, intercept, l2):
    """Mean log-loss plus l2 * ||w||^2, in float64."""
    x = x.astype(np.float64)
    z = x @ np.asarray(weights, np.float64) + np.float64(intercept)
    return np.mean(np.logaddexp(0.0, z) - y * z) + l2 * np.sum(np.square(weights, dtype=np.float64))


def _logistic_model(n_features, l2):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((n_features,)),
            keras.layers.Dense(
                1, activation="sigmoid", kernel_regularizer=keras.regularizers.L2(l2)
            ),
        ]
    )
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("C", [0.05, 1.0])
def test_matches_scikit_learn_logistic_regression(C):
    x, y = make_classification(n_samples=200, n_features=5, random_state=0)
    x, y = x.astype("float32"), y.astype("float32")
    # sklearn minimises C * sum(log-loss) + ||w||^2 / 2; dividing by C * n
    # gives Keras's mean(log-loss) + l2 * ||w||^2 with l2 = 1 / (2 * C * n).
    l2 = 1.0 / (2.0 * C * len(x))
    peer = LogisticRegression(C=C, solver="lbfgs", tol=1e-10, max_iter=10_000).fit(x, y)
    peer_objective = _logistic_objective(x, y, peer.coef_.ravel(), peer.intercept_[0], l2)
    model = _logistic_model(5, l2)

    history = fit_lbfgs(model, x, y)

    kernel, bias = model.layers[0].get_weights()
    objective = _logistic_objective(x, y, kernel.ravel(), bias[0], l2)
    assert objective == pytest.approx(peer_objective, abs=1e-6)
    assert history.history["loss"][-1] == pytest.approx(peer_objective, rel=1e-5)
    np.testing.assert_allclose(kernel.ravel(), peer.coef_.ravel(), atol=2e-3)
    np.testing.assert_allclose(bias[0], peer.intercept_[0], atol=2e-3)


@pytest.mark.parametrize("weighting", ["class_weight", "sample_weight"])
def test_weighted_fit_matches_weighted_logistic_regression(weighting):
    x, y = make_classification(n_samples=200, n_features=5, weights=[0.8], random_state=1)
    x, y = x.astype("float32"), y.astype("float32")
    C, class_weight = 1.0, {0: 1.0, 1: 4.0}
    rows = np.where(y == 1, 4.0, 1.0)
    # Weighted: sklearn minimises C * sum(w * log-loss) + ||w||^2 / 2, and
    # Keras mean(w * log-loss) + l2 * ||w||^2, so l2 = 1 / (2 * C * n) again.
    l2 = 1.0 / (2.0 * C * len(x))
    peer = LogisticRegression(C=C, solver="lbfgs", tol=1e-10, max_iter=10_000)
    peer.fit(x, y, sample_weight=rows)
    model = _logistic_model(5, l2)
    options = ({"class_weight": class_weight} if weighting == "class_weight"
               else {"sample_weight": rows})

    history = fit_lbfgs(model, x, y, **options)

    def weighted_objective(weights, intercept):
        z = x.astype(np.float64) @ np.asarray(weights, np.float64) + intercept
        return (np.mean(rows * (np.logaddexp(0.0, z) - y * z))
                + l2 * np.sum(np.square(weights, dtype=np.float64)))

    kernel, bias = model.layers[0].get_weights()
    peer_objective = weighted_objective(peer.coef_.ravel(), peer.intercept_[0])
    assert weighted_objective(kernel.ravel(), bias[0]) == pytest.approx(peer_objective,
                                                                       abs=1e-6)
    assert history.history["loss"][-1] == pytest.approx(peer_objective, rel=1e-5)
    np.testing.assert_allclose(kernel.ravel(), peer.coef_.ravel(), atol=2e-3)


def test_a_class_weight_without_every_class_is_refused():
    x, y = make_classification(n_samples=40, n_features=5, random_state=0)
    with pytest.raises(ValueError, match=r"missing classes \[1\]"):
        fit_lbfgs(_logistic_model(5, 0.0), x, y.astype("float32"), class_weight={0: 1.0})


def test_history_has_one_entry_per_iteration(regression_data, make_linear_model):
    x, y = regression_data
    model = make_linear_model()
    model.compile(loss="mse", metrics=["mae"])

    history = fit_lbfgs(model, x, y, validation_data=(x[:16], y[:16]), max_iterations=3)

    assert history is model.history
    assert history.epoch == [0, 1, 2]
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert all(len(values) == 3 for values in history.history.values())
    assert history.history["loss"][-1] == pytest.approx(
        model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    )


def test_patience_stops_and_restores_the_best_weights():
    # Random labels and more features than samples: the training loss keeps
    # falling while the validation loss soon rises.
    rng = np.random.default_rng(0)
    x, x_val = rng.normal(size=(2, 20, 30)).astype("float32")
    y, y_val = rng.integers(0, 2, size=(2, 20, 1)).astype("float32")
    model = _logistic_model(30, l2=0.0)

    history = fit_lbfgs(
        model, x, y, validation_data=(x_val, y_val), max_iterations=100, patience=2
    )

    val_loss = history.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert len(val_loss) == best + 3 < 100
    restored = model.evaluate(x_val, y_val, verbose=0, return_dict=True)["loss"]
    assert restored == pytest.approx(val_loss[best], rel=1e-5)


def test_callbacks_see_each_iteration_and_can_stop(regression_data, make_linear_model):
    x, y = regression_data
    model = make_linear_model()
    model.compile(loss="mse")

    class StopAfterTwo(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.events = ["train_begin"]

        def on_epoch_begin(self, epoch, logs=None):
            self.events.append(f"begin {epoch}")

        def on_epoch_end(self, epoch, logs=None):
            self.events.append(f"end {epoch}")
            self.model.stop_training = epoch == 1

        def on_train_end(self, logs=None):
            self.events.append("train_end")

    callback = StopAfterTwo()
    history = fit_lbfgs(model, x, y, callbacks=[callback])

    assert history.epoch == [0, 1]
    assert callback.events == ["train_begin", "begin 0", "end 0", "begin 1", "end 1", "train_end"]


def test_verbose_reports_why_it_stopped(regression_data, make_linear_model, capsys):
    x, y = regression_data
    model = make_linear_model()
    model.compile(loss="mse")

    fit_lbfgs(model, x, y, max_iterations=2, verbose=1)

    assert "L-BFGS stopped after 2 iterations" in capsys.readouterr().out


def test_builds_an_unbuilt_model(regression_data):
    x, y = regression_data
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(loss="mse")

    history = fit_lbfgs(model, x, y, max_iterations=5)

    assert history.history["loss"][-1] < 1.0


def test_rejects_an_uncompiled_model(regression_data, make_linear_model):
    x, y = regression_data
    with pytest.raises(ValueError, match="must be compiled with a loss"):
        fit_lbfgs(make_linear_model(), x, y)


def test_rejects_a_model_without_trainable_weights(regression_data, make_linear_model):
    x, y = regression_data
    model = make_linear_model()
    model.trainable = False
    model.compile(loss="mse")
    with pytest.raises(ValueError, match="no trainable weights"):
        fit_lbfgs(model, x, y)


def test_rejects_what_is_not_a_keras_model(regression_data):
    x, y = regression_data
    with pytest.raises(TypeError, match="Received: model of type LogisticRegression"):
        fit_lbfgs(LogisticRegression(), x, y)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"max_iterations": 0}, "Received: max_iterations=0"),
        ({"max_iterations": 2.5}, "Received: max_iterations=2.5"),
        ({"max_iterations": True}, "Received: max_iterations=True"),
        ({"tolerance": 0.0}, "Received: tolerance=0.0"),
        ({"tolerance": float("nan")}, "Received: tolerance=nan"),
        ({"tolerance": "small"}, "Received: tolerance='small'"),
        ({"patience": 0, "validation_data": "unused"}, "Received: patience=0"),
        ({"patience": 3}, "Received: patience=3, validation_data=None"),
    ],
)
def test_rejects_bad_arguments(arguments, message, regression_data, make_linear_model):
    x, y = regression_data
    model = make_linear_model()
    model.compile(loss="mse")
    with pytest.raises(ValueError, match=message):
        fit_lbfgs(model, x, y, **arguments)

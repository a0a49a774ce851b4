"""fit_with_optimizer and its helpers: one call for Keras and full-batch optimizers."""

import math
import os

import keras
import numpy as np
import pytest

from keras_recipes.recipes.common.datasets import split_dataset
from keras_recipes.recipes.common.figures import plot_learning_rate_search
from keras_recipes.recipes.common.optimizer_runs import CLASSIC_OPTIMIZERS
from keras_recipes.recipes.common.optimizer_runs import check_optimizer_name
from keras_recipes.recipes.common.optimizer_runs import learning_rate_grid
from keras_recipes.recipes.common.optimizer_runs import parse_optimizer_names
from keras_recipes.recipes.common.tabular import build_tabular_model
from keras_recipes.tuning import fit_with_optimizer
from keras_recipes.tuning import get_optimizer_spec
from keras_recipes.tuning import history_diverged
from keras_recipes.tuning import predict_all
from keras_recipes.tuning import list_optimizers


@pytest.fixture(scope="module")
def dataset():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int64")
    return split_dataset("toy", "binary", x, y, ["a", "b", "c"],
                         class_names=["no", "yes"], seed=0)


def builder(dataset):
    return lambda: build_tabular_model(dataset, units=8, depth=1)


def test_classic_optimizers_are_registered():
    assert set(CLASSIC_OPTIMIZERS) <= set(list_optimizers())


@pytest.mark.parametrize("name", [n for n in list_optimizers()
                                  if get_optimizer_spec(n).learning_rate is not None])
def test_learning_rate_grid_spans_the_registry_range(name):
    spec = get_optimizer_spec(name).learning_rate
    grid = learning_rate_grid(name, size=5)
    assert len(grid) == 5 and grid == sorted(grid)
    assert grid[0] == pytest.approx(spec.low, rel=1e-2)
    assert grid[-1] == pytest.approx(spec.high, rel=1e-2)
    assert learning_rate_grid(name, size=1) == [spec.default]


def test_learning_rate_grid_is_one_value_per_decade_for_sgd():
    assert learning_rate_grid("sgd", 5) == [1e-4, 1e-3, 1e-2, 1e-1, 1.0]


def test_learning_rate_grid_refuses_lbfgs_and_bad_sizes():
    with pytest.raises(ValueError, match="no learning rate"):
        learning_rate_grid("lbfgs")
    with pytest.raises(ValueError, match="'size' parameter.*Got 0"):
        learning_rate_grid("adam", 0)


def test_parse_optimizer_names_keeps_order_and_lists_valid_names_on_error():
    assert parse_optimizer_names(" adam,sgd , adam") == ["adam", "sgd"]
    with pytest.raises(ValueError, match="'optimizers' parameter.*adagrad.*unknown: bogus"):
        parse_optimizer_names("adam,bogus")
    assert check_optimizer_name("lbfgs") == "lbfgs"
    with pytest.raises(ValueError, match="'optimizer' parameter must be one of.*adam"):
        check_optimizer_name("adamm")


def test_keras_optimizer_run_records_time_updates_and_learning_rate(dataset):
    run = fit_with_optimizer(builder(dataset), dataset, "momentum", learning_rate=0.05,
                             epochs=3, batch_size=16, seed=1)
    steps = math.ceil(len(dataset.y_train) / 16)
    assert run.epochs == 3 and run.updates == 3 * steps
    assert run.learning_rate == 0.05 and run.batch_size == 16
    assert len(run.history["seconds"]) == 3
    assert np.all(np.diff(run.history["seconds"]) > 0)
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(run.history)
    assert not run.diverged and run.seconds >= run.history["seconds"][-1]
    assert run.updates_per_second > 0


def test_default_learning_rate_comes_from_the_registry(dataset):
    run = fit_with_optimizer(builder(dataset), dataset, "adam", epochs=1, seed=1)
    assert run.learning_rate == get_optimizer_spec("adam").learning_rate.default


def test_same_seed_gives_the_same_run(dataset):
    first, second = (fit_with_optimizer(builder(dataset), dataset, "sgd", 0.1, epochs=2,
                                        seed=7) for _ in range(2))
    assert first.history["loss"] == pytest.approx(second.history["loss"])


def test_lbfgs_dispatches_to_full_batch_training(dataset):
    run = fit_with_optimizer(builder(dataset), dataset, "lbfgs", learning_rate=1e-3,
                             epochs=5, batch_size=16, seed=1)
    assert run.learning_rate is None
    assert run.batch_size == len(dataset.y_train)
    assert 1 <= run.epochs <= 5 and run.updates == run.epochs
    assert len(run.history["seconds"]) == run.epochs
    assert run.history["loss"][-1] < run.history["loss"][0]


def test_lbfgs_takes_its_own_options_and_refuses_others(dataset):
    run = fit_with_optimizer(builder(dataset), dataset, "lbfgs", epochs=50,
                             max_iterations=2, seed=1)
    assert run.epochs <= 2
    with pytest.raises(ValueError, match="'momentum' does not apply.*max_iterations"):
        fit_with_optimizer(builder(dataset), dataset, "lbfgs", momentum=0.9)


def test_lbfgs_honours_class_weights_like_the_keras_optimizers(dataset):
    plain = fit_with_optimizer(builder(dataset), dataset, "lbfgs", epochs=30, seed=1)
    weighted = fit_with_optimizer(builder(dataset), dataset, "lbfgs", epochs=30, seed=1,
                                  class_weight={0: 1.0, 1: 10.0})
    positive = [predict_all(run.model, dataset.x_train).mean() for run in (plain, weighted)]
    assert positive[1] > positive[0], "weighting class 1 raises its predicted share"


@pytest.mark.parametrize("arguments, message", [
    ({"optimizer": "bogus"}, "Unknown optimizer.*adam"),
    ({"epochs": 0}, "'epochs' parameter must be a positive integer. Got 0"),
    ({"batch_size": 2.5}, "'batch_size' parameter must be a positive integer"),
    ({"optimizer": "adam", "nesterov": True}, "'nesterov' does not apply"),
])
def test_bad_arguments_fail_before_training(dataset, arguments, message):
    def never_called():
        raise AssertionError("the model must not be built")

    with pytest.raises(ValueError, match=message):
        fit_with_optimizer(never_called, dataset, **arguments)


def test_a_prebuilt_model_is_accepted(dataset):
    model = build_tabular_model(dataset, units=4, depth=1)
    run = fit_with_optimizer(model, dataset, "rmsprop", epochs=1)
    assert run.model is model and isinstance(model.optimizer, keras.optimizers.RMSprop)


def test_a_diverging_run_is_flagged_and_stopped_early():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3)).astype("float32")
    y = (x @ np.array([1.0, 2.0, 3.0]) * 1e3).astype("float32")
    data = split_dataset("big", "regression", x, y, ["a", "b", "c"], seed=0)
    run = fit_with_optimizer(lambda: build_tabular_model(data, units=8, depth=1), data,
                             "sgd", learning_rate=1e3, epochs=20, seed=0)
    assert run.diverged and run.epochs < 20


def test_history_diverged():
    assert not history_diverged({"loss": [1.0, 0.5], "val_loss": [1.0, 0.9]})
    assert history_diverged({"loss": [1.0, float("nan")]})
    assert history_diverged({"loss": [1.0], "val_loss": [float("inf")]})


def test_plot_learning_rate_search_writes_a_png(tmp_path):
    trials = [{"search_group": name, "learning_rate": rate, "final_val_loss": loss}
              for name in ("sgd", "adam")
              for rate, loss in ((1e-3, 0.5), (1e-2, 0.3), (1e-1, math.inf))]
    path = plot_learning_rate_search(trials, str(tmp_path / "search.png"))
    assert os.path.getsize(path) > 0

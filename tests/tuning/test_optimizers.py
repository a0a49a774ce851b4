import math

import keras
import numpy as np
import pytest

from keras_recipes.tuning import create_optimizer
from keras_recipes.tuning import fit_lbfgs
from keras_recipes.tuning import get_optimizer_spec
from keras_recipes.tuning import is_keras_optimizer
from keras_recipes.tuning import list_optimizers
from keras_recipes.tuning.optimizers import KERAS_OPTIONS

KERAS_NAMES = [name for name in list_optimizers() if is_keras_optimizer(name)]
FULL_BATCH_NAMES = [name for name in list_optimizers() if not is_keras_optimizer(name)]


def test_registry_holds_the_classic_table_and_keras_extras():
    expected = {
        "sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam",
        "adamw", "nadam", "lbfgs", "adamax", "ftrl", "lion", "lamb", "adafactor",
    }
    assert expected <= set(list_optimizers())


def test_list_optimizers_is_sorted_and_filters():
    names = list_optimizers()
    assert names == sorted(names)
    assert list_optimizers("adam*") == ["adam", "adamax", "adamw"]
    assert list_optimizers("no-such-*") == []


def test_lbfgs_is_the_full_batch_entry():
    spec = get_optimizer_spec("lbfgs")
    assert spec.full_batch
    assert spec.factory is fit_lbfgs
    assert FULL_BATCH_NAMES == ["lbfgs"]
    assert not any(get_optimizer_spec(name).full_batch for name in KERAS_NAMES)


@pytest.mark.parametrize("name", list_optimizers())
def test_each_optimizer_lowers_the_loss(name, regression_data, make_linear_model):
    x, y = regression_data
    model = make_linear_model()
    spec = get_optimizer_spec(name)
    if is_keras_optimizer(name):
        model.compile(optimizer=create_optimizer(name), loss="mse")
        before = model.evaluate(x, y, verbose=0)
        model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    else:
        model.compile(loss="mse")
        before = model.evaluate(x, y, verbose=0)
        defaults = {key: hp.default for key, hp in spec.hyperparameters.items()}
        spec.factory(model, x, y, **defaults)
    after = model.evaluate(x, y, verbose=0)
    assert after < before


@pytest.mark.parametrize("name", KERAS_NAMES)
def test_compiled_model_round_trips_with_optimizer_state(
    name, regression_data, make_linear_model, tmp_path
):
    x, y = regression_data
    model = make_linear_model()
    model.compile(optimizer=create_optimizer(name), loss="mse")
    model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)

    loaded = keras.saving.load_model(path)

    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert int(loaded.optimizer.iterations) == 2
    for saved, restored in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_allclose(restored.numpy(), saved.numpy())
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("name", list_optimizers())
def test_spec_ranges_are_consistent(name):
    spec = get_optimizer_spec(name)
    assert spec.name == name
    assert spec.description and "\n" not in spec.description
    assert spec.fits
    if spec.learning_rate is None:
        assert spec.full_batch
    else:
        rate = spec.learning_rate
        assert rate.sampling == "log"
        assert 0 < rate.low <= rate.default <= rate.high and rate.low < rate.high
    for key, hp in spec.hyperparameters.items():
        if hp.choices is not None:
            assert hp.default in hp.choices, key
            assert hp.low is None and hp.high is None, key
            continue
        assert hp.sampling in ("linear", "log"), key
        assert hp.low <= hp.default <= hp.high and hp.low < hp.high, key
        assert type(hp.low) is type(hp.default) is type(hp.high), key
        if hp.sampling == "log":
            assert hp.low > 0, key


@pytest.mark.parametrize("name", KERAS_NAMES)
def test_every_hyperparameter_value_reaches_keras(name):
    spec = get_optimizer_spec(name)
    for key, hp in spec.hyperparameters.items():
        values = hp.choices if hp.choices is not None else (hp.low, hp.default, hp.high)
        for value in values:
            config = create_optimizer(name, **{key: value}).get_config()
            assert config[key] == pytest.approx(value), (key, value)
    for key, value in spec.fixed_arguments.items():
        assert create_optimizer(name).get_config()[key] == value


def test_full_batch_hyperparameters_are_fit_arguments():
    spec = get_optimizer_spec("lbfgs")
    assert set(spec.arguments) == set(spec.hyperparameters)
    code = fit_lbfgs.__code__.co_varnames[: fit_lbfgs.__code__.co_argcount]
    assert set(spec.hyperparameters) <= set(code)


def test_registry_defaults_override_keras_defaults():
    assert create_optimizer("momentum").get_config()["momentum"] == 0.9
    assert create_optimizer("adadelta").get_config()["learning_rate"] == 1.0


@pytest.mark.parametrize(
    "options",
    [
        {"clipnorm": 1.0, "weight_decay": 1e-4, "use_ema": True, "ema_momentum": 0.9},
        {"global_clipnorm": 2.0},
        {"clipvalue": 0.5, "gradient_accumulation_steps": 2},
    ],
)
@pytest.mark.parametrize("name", KERAS_NAMES)
def test_keras_options_pass_through(name, options):
    config = create_optimizer(name, **options).get_config()
    for key, value in options.items():
        assert config[key] == pytest.approx(value)


def test_every_keras_entry_accepts_every_keras_option():
    for name in KERAS_NAMES:
        assert set(KERAS_OPTIONS) <= set(get_optimizer_spec(name).arguments)


def test_learning_rate_value_and_schedule():
    assert float(create_optimizer("sgd", learning_rate=0.5).learning_rate) == 0.5
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    optimizer = create_optimizer("adam", learning_rate=schedule)
    assert optimizer.get_config()["learning_rate"]["class_name"] == "ExponentialDecay"
    assert float(optimizer.learning_rate) == pytest.approx(0.1)


def test_specs_are_read_only():
    spec = get_optimizer_spec("adam")
    with pytest.raises(TypeError):
        spec.hyperparameters["beta_1"] = None
    with pytest.raises(AttributeError):
        spec.name = "other"


@pytest.mark.parametrize("call", [get_optimizer_spec, create_optimizer, is_keras_optimizer])
def test_unknown_name_lists_the_valid_names(call):
    with pytest.raises(ValueError, match="Unknown optimizer 'adamm'. Valid names: ") as info:
        call("adamm")
    for name in list_optimizers():
        assert name in str(info.value)


def test_name_that_is_not_a_string_is_rejected():
    with pytest.raises(ValueError, match=r"Unknown optimizer \['adam'\]"):
        get_optimizer_spec(["adam"])


def test_inapplicable_hyperparameter_lists_the_applicable_ones():
    with pytest.raises(ValueError, match="'momentum' does not apply to the 'adam'") as info:
        create_optimizer("adam", momentum=0.9)
    for name in get_optimizer_spec("adam").arguments:
        assert repr(name) in str(info.value)
    assert "Received: momentum=0.9" in str(info.value)


def test_fixed_argument_cannot_be_overridden():
    with pytest.raises(ValueError, match="'nesterov' is fixed to True"):
        create_optimizer("nesterov", nesterov=False)


@pytest.mark.parametrize("learning_rate", [0, 0.0, -1e-3, math.nan, math.inf, -math.inf])
def test_non_positive_or_non_finite_learning_rate_is_rejected(learning_rate):
    with pytest.raises(ValueError, match="Received: learning_rate="):
        create_optimizer("adam", learning_rate=learning_rate)


@pytest.mark.parametrize("learning_rate", ["0.1", True, [0.1]])
def test_learning_rate_of_the_wrong_type_is_rejected(learning_rate):
    with pytest.raises(TypeError, match="Received: learning_rate="):
        create_optimizer("adam", learning_rate=learning_rate)


def test_create_optimizer_points_lbfgs_to_fit_lbfgs():
    with pytest.raises(ValueError, match="fit_lbfgs"):
        create_optimizer("lbfgs")

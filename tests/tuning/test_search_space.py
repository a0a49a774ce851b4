import keras_tuner
import numpy as np
import pytest

from keras_recipes.tuning import SearchSpace
from keras_recipes.tuning import TabularHyperModel
from keras_recipes.tuning import create_optimizer
from keras_recipes.tuning import flatten_values
from keras_recipes.tuning import get_optimizer_spec
from keras_recipes.tuning import is_keras_optimizer
from keras_recipes.tuning import list_optimizers

KERAS_NAMES = [name for name in list_optimizers() if is_keras_optimizer(name)]
ADAM_FAMILY = [name for name in KERAS_NAMES if "beta_1" in get_optimizer_spec(name).hyperparameters]


def sample(space, seed):
    """Draws one trial's values the way KerasTuner's random oracle does."""
    declared = keras_tuner.HyperParameters()
    space.declare(declared)
    hp = keras_tuner.HyperParameters()
    for index, parameter in enumerate(declared.space):
        hp.merge([parameter])
        if hp.is_active(parameter):
            hp.values[parameter.name] = parameter.random_sample(seed * 1000 + index)
    return hp


def test_sgd_trials_never_carry_adam_betas_and_adam_trials_no_momentum():
    space = SearchSpace(optimizers=["adam", "sgd", "momentum", "adamw"])
    seen = set()
    for seed in range(40):
        values = sample(space, seed).values
        optimizer = values["optimizer"]
        seen.add(optimizer)
        own = {name for name in values if "/" in name}
        assert all(name.startswith(f"{optimizer}/") for name in own), values
        plain = set(flatten_values(values))
        if optimizer in ("sgd", "momentum"):
            assert not plain & {"beta_1", "beta_2", "epsilon", "amsgrad"}, values
        else:
            assert {"beta_1", "beta_2", "epsilon"} <= plain and "momentum" not in plain
        assert (optimizer == "adamw") == ("weight_decay" in plain)
    assert seen == {"adam", "sgd", "momentum", "adamw"}


@pytest.mark.parametrize("name", KERAS_NAMES)
def test_every_registry_keras_optimizer_is_reachable_with_its_own_hyperparameters(name):
    space = SearchSpace()
    hp = keras_tuner.HyperParameters()
    space.declare(hp)
    assert name in hp._hps["optimizer"][0].values
    hp.values["optimizer"] = name
    hp.ensure_active_values()
    settings = space.declare(hp)
    spec = get_optimizer_spec(name)
    assert settings.optimizer == name
    assert set(settings.optimizer_arguments) == set(spec.hyperparameters)
    low, high = spec.learning_rate.low, spec.learning_rate.high
    assert low <= settings.learning_rate <= high
    create_optimizer(name, learning_rate=settings.learning_rate,
                     **settings.optimizer_arguments)


def test_learning_rates_are_log_uniform_over_each_optimizers_range():
    space = SearchSpace(optimizers=["sgd", "lion"])
    hp = keras_tuner.HyperParameters()
    space.declare(hp)
    by_name = {parameter.name: parameter for parameter in hp.space}
    for name in ("sgd", "lion"):
        parameter = by_name[f"{name}/learning_rate"]
        spec = get_optimizer_spec(name).learning_rate
        assert parameter.sampling == "log"
        assert (parameter.min_value, parameter.max_value) == (spec.low, spec.high)
        assert parameter.default == spec.default


def test_lbfgs_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="lbfgs.*fit_lbfgs"):
        SearchSpace(optimizers=["adam", "lbfgs"])
    assert "lbfgs" not in SearchSpace().optimizers


@pytest.mark.parametrize("arguments, message", [
    ({"optimizers": ["adamm"]}, "Unknown optimizer.*adamm"),
    ({"optimizers": []}, "at least one optimizer"),
    ({"tune": ["width"]}, "Unknown part.*width"),
    ({"fixed": {"colour": 1}}, "Unknown fixed name 'colour'"),
    ({"optimizers": ["sgd"], "ranges": {"beta_1": (0.8, 0.9)}}, "Unknown ranges name 'beta_1'"),
    ({"ranges": {"units": []}}, "empty list"),
    ({"ranges": {"dropout": (0.5, 0.1)}}, "low <= default <= high"),
    ({"fixed": {"units": 0}}, "units.*Received: units=0"),
    ({"fixed": {"dropout": 1.5}}, "dropout"),
    ({"fixed": {"units": 8}, "ranges": {"units": [8, 16]}}, "both fixed and given a range"),
    ({"optimizers": ["adam"], "fixed": {"sgd/momentum": 0.9}}, "not in the space"),
    ({"optimizers": ["adam"], "fixed": {"adam/beta_1": "high"}}, "must be a number"),
    ({"optimizers": ["adam"], "fixed": {"amsgrad": 1}}, "must be one of"),
])
def test_bad_space_definitions_are_refused_at_creation(arguments, message):
    with pytest.raises((ValueError, TypeError), match=message):
        SearchSpace(**arguments)


def test_fixed_and_ranges_restrict_the_space_without_a_hypermodel():
    space = SearchSpace(optimizers=["adam", "lion"], tune=["architecture"],
                        fixed={"units": 64, "epsilon": 1e-7},
                        ranges={"learning_rate": (1e-4, 1e-2), "depth": [1, 2],
                                "lion/weight_decay": (1e-4, 1e-1)})
    for seed in range(10):
        hp = sample(space, seed)
        settings = space.declare(hp)
        assert settings.model_options["units"] == 64
        assert settings.model_options["depth"] in (1, 2)
        assert 1e-4 <= settings.learning_rate <= 1e-2
        if settings.optimizer == "adam":
            assert settings.optimizer_arguments["epsilon"] == 1e-7
        else:
            assert 1e-4 <= settings.optimizer_arguments["weight_decay"] <= 1e-1
    assert "lion/weight_decay" in space.names


def test_optional_parts_add_schedule_batch_size_and_epochs():
    space = SearchSpace(optimizers=["adam"], tune=["schedule", "batch_size", "epochs"])
    assert {"schedule", "batch_size", "epochs"} <= set(space.names)
    defaults = space.declare(keras_tuner.HyperParameters())
    assert (defaults.schedule, defaults.batch_size, defaults.epochs) == ("constant", 32, 20)
    assert defaults.model_options == {}


def test_hypermodel_builds_a_compiled_model_and_refuses_foreign_options():
    x = np.random.default_rng(0).normal(size=(20, 3)).astype("float32")
    space = SearchSpace(optimizers=["sgd"], tune=["architecture", "schedule"],
                        fixed={"schedule": "cosine", "units": 4, "depth": 1})
    model = TabularHyperModel(x, task="binary", space=space).build(
        keras_tuner.HyperParameters())
    assert model.optimizer is not None and model.count_params() > 0
    with pytest.raises(ValueError, match="'cnn' model has no option"):
        TabularHyperModel(x, task="binary", space=space, model="cnn")

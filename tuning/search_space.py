"""The search space of a sweep: the optimizer family, then optional extras.

The optimizer part is derived from the registry (`tuning.optimizers`): an
`optimizer` choice, and under it each optimizer's learning rate and its own
hyperparameters, declared conditionally on that optimizer with the range
and sampling of its `OptimizerSpec`. Nothing is listed twice: a new registry
entry, or a new hyperparameter on an entry, is searched the day it is added.

Besides the optimizer, a space can search the learning rate schedule, the
batch size, the number of epochs and the architecture (the options of the
model builders: units, depth, dropout, l2, activation). Every part can be
restricted (`optimizers=`, `ranges=`) or fixed (`fixed=`) without writing a
HyperModel, and a bad definition is refused when the space is created,
before any trial runs.

Hyperparameter names in a KerasTuner trial are `optimizer`, then
`OPTIMIZER/ARGUMENT` for the optimizer's own ones (`adam/learning_rate`,
`adam/beta_1`, `sgd/learning_rate`), so a trial with `sgd` never carries
Adam's betas and each optimizer keeps its own range. `flatten_values` turns
a trial's values into plain names (`learning_rate`, `beta_1`) for tables.
"""

import dataclasses
import numbers

from keras_recipes.callbacks import list_schedules
from keras_recipes.models import options
from keras_recipes.tuning.optimizers import HyperparameterSpec
from keras_recipes.tuning.optimizers import create_optimizer
from keras_recipes.tuning.optimizers import get_optimizer_spec
from keras_recipes.tuning.optimizers import is_keras_optimizer
from keras_recipes.tuning.optimizers import list_optimizers

# Settings a space can search besides the optimizer, with their default
# search ranges. `tune=` switches on whole parts; `ranges=` single names.
TRAINING_SETTINGS = {
    "schedule": HyperparameterSpec(default="constant", choices=tuple(list_schedules())),
    "batch_size": HyperparameterSpec(default=32, choices=(16, 32, 64, 128)),
    "epochs": HyperparameterSpec(default=20, low=5, high=100, sampling="log"),
}
ARCHITECTURE = {
    "units": HyperparameterSpec(default=64, choices=(16, 32, 64, 128, 256)),
    "depth": HyperparameterSpec(default=2, low=1, high=4),
    "dropout": HyperparameterSpec(default=0.0, low=0.0, high=0.5),
    "l2": HyperparameterSpec(default=1e-5, low=1e-7, high=1e-2, sampling="log"),
    "activation": HyperparameterSpec(default="relu", choices=("relu", "gelu", "selu",
                                                              "swish", "tanh")),
}
PARTS = {
    "schedule": ("schedule",),
    "batch_size": ("batch_size",),
    "epochs": ("epochs",),
    "architecture": tuple(ARCHITECTURE),
}
_SETTINGS = {**TRAINING_SETTINGS, **ARCHITECTURE}


@dataclasses.dataclass(frozen=True)
class TrialSettings:
    """What one trial trains with, as read from its hyperparameters.

    Attributes:
        optimizer: Registry name of the optimizer.
        learning_rate: Its (peak) learning rate.
        optimizer_arguments: Other arguments for `create_optimizer`.
        schedule: Name from `callbacks.list_schedules()`.
        batch_size: Mini-batch size.
        epochs: Number of epochs (a maximum when early stopping is on).
        model_options: Options for the model builder (may be empty).
    """

    optimizer: str
    learning_rate: float
    optimizer_arguments: dict
    schedule: str
    batch_size: int
    epochs: int
    model_options: dict


class SearchSpace:
    """A search space over the optimizer family and, optionally, more.

    `declare(hp)` declares the space on a KerasTuner `HyperParameters`
    object, in the style of `keras_tuner.applications`: everything tunable
    with an explicit `default=`, the optimizer's own hyperparameters inside
    `hp.conditional_scope("optimizer", [name])`.

    `lbfgs` cannot be part of a space: it is not a Keras optimizer (it needs
    the whole training set at every step and trains through `fit_lbfgs`, not
    `model.fit`), so a KerasTuner trial, which calls `model.fit` on
    mini-batches, cannot run it. Compare it with the best configuration of a
    sweep separately (see `recipes/optimizer_comparison`).

    Args:
        optimizers: Registry names to choose from, or `None` for every Keras
            optimizer of the registry (`list_optimizers()` without `lbfgs`).
            Defaults to `None`.
        tune: Parts searched besides the optimizer: any of `"schedule"`,
            `"batch_size"`, `"epochs"` and `"architecture"` (units, depth,
            dropout, l2, activation), with the ranges of `TRAINING_SETTINGS`
            and `ARCHITECTURE`. Defaults to `()`.
        fixed: Mapping of names to values that are not searched. A name is
            a setting (`"units"`, `"batch_size"`, ...), an optimizer
            argument for every optimizer that takes it (`"learning_rate"`,
            `"beta_1"`), or one optimizer's (`"adam/beta_1"`). A fixed
            setting that is not searched is still used (`{"units": 64}`
            builds every model with 64 units); fixed names are recorded in
            every trial's values. Defaults to `None`.
        ranges: Mapping of names (as in `fixed`) to new search ranges: a
            list of values to choose from, a `(low, high)` tuple (sampled
            like the default range: log for learning rates), or a
            `HyperparameterSpec`. A setting given here is searched even if
            its part is not in `tune`, and an optimizer argument that the
            registry does not search (such as `weight_decay` of `lion`) is
            added. Defaults to `None`.

    Raises:
        ValueError: If an optimizer is unknown or not a Keras optimizer, the
            list of optimizers or of choices is empty, a part or name is
            unknown, a name is both fixed and given a range, a range is
            empty or inverted, or a fixed value is invalid.

    Example:

    ```python
    space = SearchSpace(optimizers=["adam", "sgd"], tune=["architecture"],
                        fixed={"units": 64}, ranges={"learning_rate": (1e-4, 1e-2)})
    hp = keras_tuner.HyperParameters()
    settings = space.declare(hp)  # TrialSettings of the defaults
    ```
    """

    def __init__(self, optimizers=None, tune=(), fixed=None, ranges=None):
        self.optimizers = _check_optimizers(optimizers)
        self.tune = _check_parts(tune)
        fixed = dict(fixed or {})
        ranges = dict(ranges or {})
        both = sorted(set(fixed) & set(ranges))
        if both:
            raise ValueError(
                f"The names {both} are both fixed and given a range; keep one. "
                f"Received: fixed={fixed!r}, ranges={ranges!r}"
            )
        self.fixed = fixed
        self.ranges = ranges
        # name -> HyperparameterSpec of every searched name.
        self._settings = {
            name: _SETTINGS[name] for part in self.tune for name in PARTS[part]
        }
        self._arguments = {name: {} for name in self.optimizers}
        for name in self.optimizers:
            spec = get_optimizer_spec(name)
            self._arguments[name]["learning_rate"] = spec.learning_rate
            self._arguments[name].update(spec.hyperparameters)
        for key, value in ranges.items():
            self._apply_range(key, value)
        self._fixed_arguments = {name: {} for name in self.optimizers}
        self._fixed_settings = {}
        for key, value in fixed.items():
            self._apply_fixed(key, value)
        for name, arguments in self._fixed_arguments.items():
            # Lets create_optimizer refuse a bad value now, not in a trial.
            create_optimizer(name, **arguments)

    @property
    def names(self):
        """Sorted hyperparameter names the space declares (all optimizers)."""
        names = {"optimizer", *self._settings}
        for optimizer, arguments in self._arguments.items():
            names.update(f"{optimizer}/{argument}" for argument in arguments)
        return sorted(names)

    def declare(self, hp):
        """Declares the space on `hp` and returns the trial's settings.

        Args:
            hp: A `keras_tuner.HyperParameters`.

        Returns:
            A `TrialSettings` with the values of `hp` (the defaults for a
            fresh `HyperParameters`).
        """
        if len(self.optimizers) == 1:
            optimizer = hp.Fixed("optimizer", self.optimizers[0])
        else:
            optimizer = hp.Choice("optimizer", list(self.optimizers),
                                  default=self.optimizers[0])
        chosen = {}
        for name in self.optimizers:
            with hp.conditional_scope("optimizer", [name]):
                values = {
                    argument: _declare(hp, f"{name}/{argument}", spec)
                    for argument, spec in self._arguments[name].items()
                }
                for argument, value in self._fixed_arguments[name].items():
                    values[argument] = hp.Fixed(f"{name}/{argument}", value)
            if name == optimizer:
                chosen = values
        settings = _defaults()
        for name, value in self._fixed_settings.items():
            settings[name] = hp.Fixed(name, value)
        for name, spec in self._settings.items():
            settings[name] = _declare(hp, name, spec)
        learning_rate = chosen.pop("learning_rate")
        return TrialSettings(
            optimizer=optimizer,
            learning_rate=learning_rate,
            optimizer_arguments=chosen,
            schedule=settings.pop("schedule"),
            batch_size=settings.pop("batch_size"),
            epochs=settings.pop("epochs"),
            model_options={key: value for key, value in settings.items()
                           if value is not None},
        )

    def get_config(self):
        """Returns the arguments of the space, JSON-friendly."""
        ranges = {key: _describe_range(value) for key, value in self.ranges.items()}
        return {"optimizers": list(self.optimizers), "tune": list(self.tune),
                "fixed": dict(self.fixed), "ranges": ranges}

    def _targets(self, key, parameter):
        """Returns `[(optimizer, argument)]` or `[(None, setting)]` for a name."""
        if key in _SETTINGS:
            return [(None, key)]
        optimizer, _, argument = key.rpartition("/")
        candidates = [optimizer] if optimizer else self.optimizers
        if optimizer and optimizer not in self.optimizers:
            raise ValueError(
                f"The {parameter} name {key!r} names the optimizer {optimizer!r}, "
                f"which is not in the space {list(self.optimizers)}."
            )
        targets = [
            (name, argument) for name in candidates
            if argument == "learning_rate"
            or argument in get_optimizer_spec(name).arguments
        ]
        if not targets:
            valid = sorted({*_SETTINGS, "learning_rate", *(
                argument for name in self.optimizers
                for argument in get_optimizer_spec(name).arguments)})
            raise ValueError(
                f"Unknown {parameter} name {key!r}: no optimizer of the space "
                f"{list(self.optimizers)} takes it and it is not a setting. "
                f"Expected one of {valid} (or 'OPTIMIZER/ARGUMENT')."
            )
        return targets

    def _apply_range(self, key, value):
        for optimizer, name in self._targets(key, "ranges"):
            if optimizer is None:
                self._settings[name] = _check_range(key, value, _SETTINGS[name])
                continue
            base = self._arguments[optimizer].get(name)
            self._arguments[optimizer][name] = _check_range(key, value, base)

    def _apply_fixed(self, key, value):
        for optimizer, name in self._targets(key, "fixed"):
            if optimizer is None:
                self._fixed_settings[name] = _check_setting(name, value)
                self._settings.pop(name, None)
                continue
            spec = self._arguments[optimizer].pop(name, None)
            self._fixed_arguments[optimizer][name] = _check_argument(key, value, spec)


def flatten_values(values):
    """Turns a trial's hyperparameter values into plain names for tables.

    `adam/beta_1` becomes `beta_1`; KerasTuner's bookkeeping values
    (`tuner/epochs`, ...) are dropped. Only the chosen optimizer's values are
    active in a trial, so no two names collide.

    Args:
        values: A trial's `hp.values` dict.

    Returns:
        A new dict.

    Example:

    >>> flatten_values({"optimizer": "adam", "adam/beta_1": 0.9, "tuner/epochs": 3})
    {'optimizer': 'adam', 'beta_1': 0.9}
    """
    flat = {}
    for name, value in values.items():
        if name.startswith("tuner/"):
            continue
        flat[name.rpartition("/")[2]] = value
    return flat


def _defaults():
    """Values of the settings that are neither searched nor fixed."""
    defaults = {name: spec.default for name, spec in TRAINING_SETTINGS.items()}
    # Architecture options left alone fall back on the builder's defaults.
    defaults.update({name: None for name in ARCHITECTURE})
    return defaults


def _declare(hp, name, spec):
    if spec.choices is not None:
        if set(spec.choices) <= {False, True} and all(
                isinstance(choice, bool) for choice in spec.choices):
            return hp.Boolean(name, default=spec.default)
        return hp.Choice(name, list(spec.choices), default=spec.default)
    if all(_is_int(value) for value in (spec.low, spec.high, spec.default)):
        return hp.Int(name, spec.low, spec.high, sampling=spec.sampling,
                      default=spec.default)
    return hp.Float(name, float(spec.low), float(spec.high), sampling=spec.sampling,
                    default=float(spec.default))


def _check_optimizers(optimizers):
    if optimizers is None:
        return tuple(name for name in list_optimizers() if is_keras_optimizer(name))
    names = [optimizers] if isinstance(optimizers, str) else list(optimizers)
    if not names:
        raise ValueError(
            "The 'optimizers' parameter must name at least one optimizer. "
            f"Received: optimizers={optimizers!r}"
        )
    for name in names:
        get_optimizer_spec(name)  # Raises for an unknown name, listing them.
        if not is_keras_optimizer(name):
            raise ValueError(
                f"The '{name}' optimizer cannot be searched by KerasTuner: it "
                "trains full-batch through `fit_lbfgs`, not `model.fit`. "
                f"Received: optimizers={optimizers!r}"
            )
    return tuple(dict.fromkeys(names))


def _check_parts(tune):
    parts = [tune] if isinstance(tune, str) else list(tune)
    unknown = [part for part in parts if part not in PARTS]
    if unknown:
        raise ValueError(
            f"Unknown part(s) {unknown} to tune. Expected any of {list(PARTS)}. "
            f"Received: tune={tune!r}"
        )
    return tuple(dict.fromkeys(parts))


def _check_range(key, value, base):
    """Returns the `HyperparameterSpec` of a `ranges` entry."""
    if isinstance(value, HyperparameterSpec):
        spec = value
    elif isinstance(value, list):
        if not value:
            raise ValueError(
                f"The range of {key!r} is an empty list of choices. "
                f"Received: ranges[{key!r}]={value!r}"
            )
        default = base.default if base is not None and base.default in value else value[0]
        spec = HyperparameterSpec(default=default, choices=tuple(value))
    elif (isinstance(value, tuple) and len(value) == 2
          and all(_is_number(bound) for bound in value)):
        low, high = value
        sampling = base.sampling if base is not None and base.choices is None else "linear"
        default = base.default if base is not None and base.choices is None else low
        default = min(max(default, low), high)
        spec = HyperparameterSpec(default=default, low=low, high=high, sampling=sampling)
    else:
        raise ValueError(
            f"The range of {key!r} must be a list of choices, a (low, high) "
            f"tuple of numbers or a HyperparameterSpec. Received: "
            f"ranges[{key!r}]={value!r}"
        )
    if spec.choices is None and not spec.low <= spec.default <= spec.high:
        raise ValueError(
            f"The range of {key!r} must satisfy low <= default <= high. "
            f"Received: ranges[{key!r}]={value!r}"
        )
    if spec.choices is None and spec.sampling == "log" and spec.low <= 0:
        raise ValueError(
            f"The log-sampled range of {key!r} must be positive. "
            f"Received: ranges[{key!r}]={value!r}"
        )
    return spec


def _check_setting(name, value):
    """Checks a fixed value of a setting the way the builders would."""
    if name == "schedule":
        if value not in list_schedules():
            raise ValueError(
                f"The fixed 'schedule' must be one of {list_schedules()}. "
                f"Received: schedule={value!r}"
            )
        return value
    checks = {
        "batch_size": lambda: options.check_int(name, value, 1),
        "epochs": lambda: options.check_int(name, value, 1),
        "units": lambda: options.check_int(name, value, 1),
        "depth": lambda: options.check_int(name, value, 0),
        "dropout": lambda: options.check_rate(name, value),
        "l2": lambda: options.check_regularizer(0.0, value),
        "activation": lambda: options.check_activation(value),
    }
    checks[name]()
    return value


def _check_argument(key, value, spec):
    """Checks a fixed optimizer argument against its registry record."""
    if spec is None:
        return value  # A Keras option such as clipnorm: Keras checks it.
    if spec.choices is not None and not any(
            type(value) is type(choice) and value == choice for choice in spec.choices):
        raise ValueError(
            f"The fixed {key!r} must be one of {list(spec.choices)}. "
            f"Received: {key}={value!r}"
        )
    if spec.choices is None and not _is_number(value):
        raise ValueError(f"The fixed {key!r} must be a number. Received: {key}={value!r}")
    return value


def _describe_range(value):
    if isinstance(value, HyperparameterSpec):
        return dataclasses.asdict(value)
    return list(value)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)

"""Optimizer registry: one small record per optimizer, a factory, a listing.

In the style of timm's optimizer factory. Each `OptimizerSpec` says which
Keras class builds the optimizer, which hyperparameters apply to it (with a
default and a search range that sweeps can use), and what the classic
optimizer table claims about it. The claims are lore for the recipes to
measure, not facts.

`lbfgs` is the one entry that is not a Keras optimizer: Keras has no L-BFGS,
so it trains full-batch through `keras_recipes.tuning.fit_lbfgs` instead of
`model.fit`. Its spec says `full_batch=True`, `is_keras_optimizer("lbfgs")`
is `False`, and `create_optimizer("lbfgs")` raises a `ValueError` that points
to `fit_lbfgs`.
"""

import dataclasses
import fnmatch
import inspect
import math
import numbers
import types
import typing

import keras

from keras_recipes.tuning.lbfgs import fit_lbfgs

# Options of Keras's base optimizer that every entry passes through unchanged
# (when the entry's class accepts them). They are not searched over.
KERAS_OPTIONS = (
    "weight_decay",
    "clipnorm",
    "clipvalue",
    "global_clipnorm",
    "use_ema",
    "ema_momentum",
    "ema_overwrite_frequency",
    "gradient_accumulation_steps",
)


@dataclasses.dataclass(frozen=True)
class HyperparameterSpec:
    """Default value and search range of one optimizer hyperparameter.

    A numeric hyperparameter has `low <= default <= high`; a categorical one
    (a flag such as `amsgrad`) has `choices` instead of a range. The range is
    a suggestion for searches, not a limit that `create_optimizer` enforces.

    Args:
        default: Value `create_optimizer` uses when none is given.
        low: Lower end of the search range. Defaults to `None`
            (categorical).
        high: Upper end of the search range. Defaults to `None`
            (categorical).
        sampling: `"linear"` or `"log"`: how a search samples the range.
            Defaults to `"linear"`.
        choices: Tuple of allowed values of a categorical hyperparameter.
            Defaults to `None` (numeric).

    Example:

    >>> HyperparameterSpec(default=0.9, low=0.8, high=0.99).default
    0.9
    """

    default: typing.Any
    low: float | int | None = None
    high: float | int | None = None
    sampling: str = "linear"
    choices: tuple | None = None


@dataclasses.dataclass(frozen=True)
class OptimizerSpec:
    """Registry record of one optimizer.

    Args:
        name: Registry name, e.g. `"adamw"`.
        factory: The Keras optimizer class that `create_optimizer` calls, or,
            for a full-batch entry that is not a Keras optimizer, the
            function that trains with it (`fit_lbfgs`).
        description: One-line summary of the method.
        fits: When the classic table claims it fits (to be measured).
        learning_rate: Default and log search range of the learning rate,
            or `None` when the method has no learning rate.
        hyperparameters: Mapping from argument name to `HyperparameterSpec`
            of the tunable hyperparameters. Defaults to an empty mapping.
        fixed_arguments: Arguments that define this entry and cannot be
            overridden, e.g. `nesterov=True` for `"nesterov"`. Defaults to
            an empty mapping.
        full_batch: Whether the method needs the whole training set at every
            step (recipes then call `fit_lbfgs` instead of `model.fit`).
            Defaults to `False`.

    Example:

    >>> spec = get_optimizer_spec("adam")
    >>> spec.learning_rate.default
    0.001
    >>> sorted(spec.hyperparameters)
    ['amsgrad', 'beta_1', 'beta_2', 'epsilon']
    """

    name: str
    factory: typing.Callable
    description: str
    fits: str
    learning_rate: HyperparameterSpec | None
    hyperparameters: typing.Mapping[str, HyperparameterSpec] = dataclasses.field(
        default_factory=dict
    )
    fixed_arguments: typing.Mapping[str, typing.Any] = dataclasses.field(
        default_factory=dict
    )
    full_batch: bool = False

    def __post_init__(self):
        # Read-only views, so a shared record cannot be edited by a caller.
        for field in ("hyperparameters", "fixed_arguments"):
            value = types.MappingProxyType(dict(getattr(self, field)))
            object.__setattr__(self, field, value)

    @property
    def arguments(self):
        """Sorted names `create_optimizer` accepts besides `learning_rate`."""
        names = set(self.hyperparameters)
        if is_keras_optimizer(self):
            accepted = inspect.signature(self.factory).parameters
            names.update(name for name in KERAS_OPTIONS if name in accepted)
        return tuple(sorted(names - set(self.fixed_arguments)))


def _range(default, low, high, sampling="linear"):
    return HyperparameterSpec(default=default, low=low, high=high, sampling=sampling)


def _flag(default=False):
    return HyperparameterSpec(default=default, choices=(False, True))


def _learning_rate(default, low, high):
    return _range(default, low, high, sampling="log")


_BETA_1 = _range(0.9, 0.8, 0.99)
_BETA_2 = _range(0.999, 0.9, 0.9999)
_EPSILON = _range(1e-7, 1e-10, 1e-3, sampling="log")
_MOMENTUM = _range(0.9, 0.5, 0.99)
_ADAM_FAMILY = {"beta_1": _BETA_1, "beta_2": _BETA_2, "epsilon": _EPSILON}

_SPECS = (
    OptimizerSpec(
        name="sgd",
        factory=keras.optimizers.SGD,
        description="Plain gradient descent with one fixed global learning rate.",
        fits="Simple problems and small data; slow, can stall in local optima.",
        learning_rate=_learning_rate(0.01, 1e-4, 1.0),
    ),
    OptimizerSpec(
        name="momentum",
        factory=keras.optimizers.SGD,
        description="SGD with heavy-ball momentum (a velocity of past gradients).",
        fits="Large data and complex models; fewer oscillations, may stall on plateaus.",
        learning_rate=_learning_rate(0.01, 1e-4, 1.0),
        hyperparameters={"momentum": _MOMENTUM},
    ),
    OptimizerSpec(
        name="nesterov",
        factory=keras.optimizers.SGD,
        description="SGD with Nesterov momentum: the gradient is taken after a look-ahead step.",
        fits="As momentum; claimed more accurate and stabler than plain momentum.",
        learning_rate=_learning_rate(0.01, 1e-4, 1.0),
        hyperparameters={"momentum": _MOMENTUM},
        fixed_arguments={"nesterov": True},
    ),
    OptimizerSpec(
        name="adagrad",
        factory=keras.optimizers.Adagrad,
        description="Per-parameter learning rates scaled by the sum of past squared gradients.",
        fits="Sparse data and features; the learning rate can shrink too far.",
        learning_rate=_learning_rate(0.01, 1e-4, 1.0),
        hyperparameters={
            "initial_accumulator_value": _range(0.1, 1e-3, 1.0, sampling="log"),
            "epsilon": _EPSILON,
        },
    ),
    OptimizerSpec(
        name="adadelta",
        factory=keras.optimizers.Adadelta,
        description="Adagrad variant with a decaying window and unit-corrected steps.",
        fits="Large data and complex models; claimed to need no global learning rate.",
        # 1.0 is the original paper's form; Keras's own default (0.001) barely moves.
        learning_rate=_learning_rate(1.0, 1e-2, 10.0),
        hyperparameters={"rho": _range(0.95, 0.8, 0.999), "epsilon": _EPSILON},
    ),
    OptimizerSpec(
        name="rmsprop",
        factory=keras.optimizers.RMSprop,
        description="Adagrad with an exponential moving average of squared gradients.",
        fits="Non-stationary objectives; the learning rate does not collapse.",
        learning_rate=_learning_rate(1e-3, 1e-5, 1e-1),
        hyperparameters={
            "rho": _range(0.9, 0.8, 0.999),
            "momentum": _range(0.0, 0.0, 0.99),
            "epsilon": _EPSILON,
            "centered": _flag(),
        },
    ),
    OptimizerSpec(
        name="adam",
        factory=keras.optimizers.Adam,
        description="Momentum plus RMSprop scaling, with bias correction.",
        fits="Most cases; a fast, robust default that may be unstable on some tasks.",
        learning_rate=_learning_rate(1e-3, 1e-5, 1e-1),
        hyperparameters={**_ADAM_FAMILY, "amsgrad": _flag()},
    ),
    OptimizerSpec(
        name="adamw",
        factory=keras.optimizers.AdamW,
        description="Adam with decoupled weight decay.",
        fits="Large data and complex models; claimed to generalise better than Adam.",
        learning_rate=_learning_rate(1e-3, 1e-5, 1e-1),
        hyperparameters={
            **_ADAM_FAMILY,
            "amsgrad": _flag(),
            "weight_decay": _range(0.004, 1e-5, 1e-1, sampling="log"),
        },
    ),
    OptimizerSpec(
        name="nadam",
        factory=keras.optimizers.Nadam,
        description="Adam with Nesterov momentum.",
        fits="Large data and complex models; claimed to converge faster than Adam.",
        learning_rate=_learning_rate(1e-3, 1e-5, 1e-1),
        hyperparameters=_ADAM_FAMILY,
    ),
    OptimizerSpec(
        name="adamax",
        factory=keras.optimizers.Adamax,
        description="Adam with the infinity norm in place of the second moment.",
        fits="Claimed for embeddings and other sparse-gradient models.",
        learning_rate=_learning_rate(1e-3, 1e-5, 1e-1),
        hyperparameters=_ADAM_FAMILY,
    ),
    OptimizerSpec(
        name="ftrl",
        factory=keras.optimizers.Ftrl,
        description="Follow The Regularized Leader, with built-in L1/L2 shrinkage.",
        fits="Claimed for shallow models with large, sparse feature spaces.",
        learning_rate=_learning_rate(0.01, 1e-4, 1.0),
        hyperparameters={
            "learning_rate_power": _range(-0.5, -1.0, 0.0),
            "initial_accumulator_value": _range(0.1, 1e-3, 1.0, sampling="log"),
            "l1_regularization_strength": _range(0.0, 0.0, 0.1),
            "l2_regularization_strength": _range(0.0, 0.0, 0.1),
            "l2_shrinkage_regularization_strength": _range(0.0, 0.0, 0.1),
            "beta": _range(0.0, 0.0, 1.0),
        },
    ),
    OptimizerSpec(
        name="lion",
        factory=keras.optimizers.Lion,
        description="Sign of an interpolated momentum: equal-sized steps, little memory.",
        fits="Claimed for large models; wants a 3-10x smaller learning rate than Adam.",
        learning_rate=_learning_rate(1e-4, 1e-6, 1e-2),
        hyperparameters={"beta_1": _BETA_1, "beta_2": _range(0.99, 0.9, 0.999)},
    ),
    OptimizerSpec(
        name="lamb",
        factory=keras.optimizers.Lamb,
        description="Adam with a layer-wise trust ratio on each update.",
        fits="Claimed for very large batch sizes.",
        learning_rate=_learning_rate(1e-3, 1e-5, 1e-1),
        hyperparameters=_ADAM_FAMILY,
    ),
    OptimizerSpec(
        name="adafactor",
        factory=keras.optimizers.Adafactor,
        description="Factored second moments (row and column averages): sublinear memory.",
        fits="Claimed for large models where optimizer memory matters.",
        learning_rate=_learning_rate(1e-3, 1e-5, 1e-1),
        hyperparameters={
            "beta_2_decay": _range(-0.8, -1.0, -0.5),
            "epsilon_2": _range(1e-3, 1e-5, 1e-1, sampling="log"),
            "clip_threshold": _range(1.0, 0.5, 2.0),
            "relative_step": _flag(True),
        },
    ),
    OptimizerSpec(
        name="lbfgs",
        factory=fit_lbfgs,
        description="Quasi-Newton: curvature estimated from recent gradient differences.",
        fits="Small data and small models; uses the whole training set at every step.",
        learning_rate=None,
        hyperparameters={
            "max_iterations": _range(200, 10, 1000, sampling="log"),
            "tolerance": _range(1e-6, 1e-10, 1e-3, sampling="log"),
        },
        full_batch=True,
    ),
)
_REGISTRY = types.MappingProxyType({spec.name: spec for spec in _SPECS})


def list_optimizers(pattern=None):
    """Lists the registered optimizer names.

    Args:
        pattern: Optional shell-style pattern (`fnmatch`) that names must
            match, e.g. `"adam*"`. Defaults to `None` (all names).

    Returns:
        Sorted list of optimizer names.

    Example:

    >>> list_optimizers("adam*")
    ['adam', 'adamax', 'adamw']
    """
    names = sorted(_REGISTRY)
    if pattern is None:
        return names
    return [name for name in names if fnmatch.fnmatchcase(name, pattern)]


def get_optimizer_spec(name):
    """Returns the registry record of an optimizer.

    Args:
        name: Registered optimizer name (see `list_optimizers()`).

    Returns:
        The `OptimizerSpec` of `name`.

    Raises:
        ValueError: If `name` is not registered; the message lists the
            registered names.

    Example:

    >>> get_optimizer_spec("lbfgs").full_batch
    True
    """
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(
            f"Unknown optimizer {name!r}. Valid names: {', '.join(list_optimizers())}."
        )
    return _REGISTRY[name]


def is_keras_optimizer(name):
    """Tells whether an optimizer is built by `create_optimizer`.

    Recipes use it to choose between `model.fit` with
    `create_optimizer(name)` and a full-batch trainer such as `fit_lbfgs`.

    Args:
        name: Registered optimizer name, or its `OptimizerSpec`.

    Returns:
        `True` for a Keras optimizer, `False` for a full-batch entry such as
        `"lbfgs"`.

    Raises:
        ValueError: If `name` is not registered.

    Example:

    >>> is_keras_optimizer("adam"), is_keras_optimizer("lbfgs")
    (True, False)
    """
    spec = name if isinstance(name, OptimizerSpec) else get_optimizer_spec(name)
    factory = spec.factory
    return isinstance(factory, type) and issubclass(factory, keras.optimizers.Optimizer)


def create_optimizer(name, learning_rate=None, **hyperparameters):
    """Creates a Keras optimizer from the registry.

    Hyperparameters not given take the registry defaults (which may differ
    from Keras's own, e.g. `momentum=0.9` for `"momentum"` and a learning
    rate of 1.0 for `"adadelta"`). The base-optimizer options `weight_decay`,
    `clipnorm`, `clipvalue`, `global_clipnorm`, `use_ema`, `ema_momentum`,
    `ema_overwrite_frequency` and `gradient_accumulation_steps` pass through
    to Keras.

    Args:
        name: Registered optimizer name (see `list_optimizers()`).
        learning_rate: Positive finite float, or a
            `keras.optimizers.schedules.LearningRateSchedule`. Defaults to
            `None` (the registry default of `name`).
        **hyperparameters: Values for the names in
            `get_optimizer_spec(name).arguments`.

    Returns:
        A new `keras.optimizers.Optimizer`.

    Raises:
        ValueError: If `name` is not registered (the message lists the
            names), if `name` is a full-batch method such as `"lbfgs"` (use
            `fit_lbfgs`), if a hyperparameter does not apply to `name` (the
            message lists those that do), or if `learning_rate` is not
            positive and finite.
        TypeError: If `learning_rate` is neither a number nor a schedule.

    Example:

    >>> optimizer = create_optimizer("adamw", learning_rate=3e-4, clipnorm=1.0)
    >>> optimizer.weight_decay
    0.004
    """
    spec = get_optimizer_spec(name)
    if not is_keras_optimizer(spec):
        raise ValueError(
            f"The '{name}' optimizer is not a Keras optimizer: it needs the "
            "whole training set at every step, so it trains through "
            "`keras_recipes.tuning.fit_lbfgs(model, x, y, ...)` instead of "
            f"`model.fit`. Received: name={name!r}"
        )
    for argument in hyperparameters:
        if argument in spec.fixed_arguments:
            raise ValueError(
                f"'{argument}' is fixed to {spec.fixed_arguments[argument]!r} "
                f"by the '{name}' optimizer. Received: {argument}="
                f"{hyperparameters[argument]!r}"
            )
        if argument not in spec.arguments:
            raise ValueError(
                f"'{argument}' does not apply to the '{name}' optimizer. "
                f"Expected one of {list(spec.arguments)}. "
                f"Received: {argument}={hyperparameters[argument]!r}"
            )
    arguments = {key: value.default for key, value in spec.hyperparameters.items()}
    arguments.update(spec.fixed_arguments)
    arguments.update(hyperparameters)
    arguments["learning_rate"] = _check_learning_rate(learning_rate, spec)
    return spec.factory(**arguments)


def _check_learning_rate(learning_rate, spec):
    if learning_rate is None:
        return spec.learning_rate.default
    if isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        return learning_rate
    if not isinstance(learning_rate, numbers.Real) or isinstance(learning_rate, bool):
        raise TypeError(
            "`learning_rate` must be a float or a "
            "keras.optimizers.schedules.LearningRateSchedule. "
            f"Received: learning_rate={learning_rate!r} of type "
            f"{type(learning_rate).__name__}"
        )
    if not math.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(
            "`learning_rate` must be positive and finite. "
            f"Received: learning_rate={learning_rate!r}"
        )
    return float(learning_rate)

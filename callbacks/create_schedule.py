"""A registry of learning rate schedules, built from one learning rate.

One record per schedule (description and builder), like the optimizer
registry: a new schedule is one entry, and an unknown name raises.
"""

import dataclasses
import typing

import keras

from keras_recipes.callbacks.cyclical_learning_rate import CyclicalLearningRate
from keras_recipes.callbacks.linear_warmup import LinearWarmup
from keras_recipes.callbacks.one_cycle import OneCycle

def _one_cycle(learning_rate, total_steps, warmup_steps):
    fraction = warmup_steps / total_steps if warmup_steps else 0.3
    return OneCycle(learning_rate, total_steps, warmup_fraction=fraction)


def _cosine(learning_rate, total_steps, warmup_steps):
    if not warmup_steps:
        return keras.optimizers.schedules.CosineDecay(learning_rate, total_steps)
    return keras.optimizers.schedules.CosineDecay(
        0.0, total_steps - warmup_steps, warmup_target=learning_rate,
        warmup_steps=warmup_steps)


@dataclasses.dataclass(frozen=True)
class _Schedule:
    """Registry record: what the schedule does and how it is built.

    `build(learning_rate, steps)` gets the decay steps (after any warmup,
    which `LinearWarmup` adds), unless `own_warmup`: then it gets
    `(learning_rate, total_steps, warmup_steps)` and handles warmup itself.
    """

    description: str
    build: typing.Callable
    own_warmup: bool = False


_SCHEDULES = {
    "constant": _Schedule("The rate stays at `learning_rate`.",
                          lambda rate, steps: rate),
    "step": _Schedule(
        "Keras `ExponentialDecay(staircase=True)`: x0.1 at 1/3 and 2/3.",
        lambda rate, steps: keras.optimizers.schedules.ExponentialDecay(
            rate, max(steps // 3, 1), 0.1, staircase=True)),
    "exponential": _Schedule(
        "Keras `ExponentialDecay`: smooth decay to 1% at the end.",
        lambda rate, steps: keras.optimizers.schedules.ExponentialDecay(rate, steps, 0.01)),
    "cosine": _Schedule("Keras `CosineDecay`: cosine decay to 0 (built-in warmup).",
                        _cosine, own_warmup=True),
    "cosine_restarts": _Schedule(
        "Keras `CosineDecayRestarts`: 3 cycles, each 2x longer.",
        lambda rate, steps: keras.optimizers.schedules.CosineDecayRestarts(
            rate, max(steps // 7, 1), t_mul=2.0)),
    "one_cycle": _Schedule("`OneCycle`: warmup to `learning_rate`, then anneal.",
                           _one_cycle, own_warmup=True),
    "cyclical": _Schedule(
        "`CyclicalLearningRate`: triangular cycles, 4 per training.",
        lambda rate, steps: CyclicalLearningRate(rate / 10, rate,
                                                 step_size=max(steps // 8, 1))),
}


def list_schedules():
    """Returns the names accepted by `create_schedule`, sorted."""
    return sorted(_SCHEDULES)


def create_schedule(name, learning_rate, total_steps, warmup_steps=0):
    """Creates a learning rate schedule by name, with sensible defaults.

    Keras already ships most schedules, so this reuses
    `keras.optimizers.schedules.ExponentialDecay` (for step and exponential
    decay), `CosineDecay` (with its built-in linear warmup) and
    `CosineDecayRestarts`; `OneCycle` and `CyclicalLearningRate` fill the
    gaps left by tensorflow-addons. Other schedules get their warmup from
    `LinearWarmup`. For other settings, build the classes directly.

    Names (see `list_schedules()`):

    - `"constant"`: `learning_rate` throughout.
    - `"step"`: multiplied by 0.1 after each third of `total_steps`.
    - `"exponential"`: smooth decay to 1% of `learning_rate` at the end.
    - `"cosine"`: cosine decay to 0 at `total_steps`.
    - `"cosine_restarts"`: cosine with warm restarts, 3 cycles each twice
      as long as the previous one.
    - `"one_cycle"`: one cycle peaking at `learning_rate`; `warmup_steps`
      (or 30% of the steps if 0) sets the rising phase.
    - `"cyclical"`: triangular cycles between `learning_rate / 10` and
      `learning_rate`, 4 cycles in total.

    Args:
        name: String, one of `list_schedules()`.
        learning_rate: Float > 0. The peak (or starting) learning rate.
        total_steps: Integer >= 2. Optimizer steps in the whole training,
            `epochs * steps_per_epoch`, warmup included.
        warmup_steps: Integer >= 0. Steps of linear warmup from 0. Defaults to
            `0`.

    Returns:
        A `LearningRateSchedule`, or the float `learning_rate` for
        `"constant"` without warmup.

    Raises:
        ValueError: If `name` is unknown (the message lists the valid names)
            or an argument is out of range.

    Example:

    ```python
    schedule = create_schedule("cosine", 1e-3, total_steps=epochs * steps,
                               warmup_steps=steps)
    model.compile(keras.optimizers.Adam(schedule), loss="mse")
    ```
    """
    if name not in _SCHEDULES:
        raise ValueError(
            f"Unknown schedule {name!r}. Valid names: {', '.join(list_schedules())}."
        )
    if learning_rate <= 0:
        raise ValueError(
            f"`learning_rate` must be > 0. Received: learning_rate={learning_rate}"
        )
    if not 0 <= warmup_steps < total_steps - 1:
        raise ValueError(
            "Expected 0 <= warmup_steps < total_steps - 1. Received: "
            f"warmup_steps={warmup_steps}, total_steps={total_steps}"
        )
    learning_rate = float(learning_rate)
    record = _SCHEDULES[name]
    if record.own_warmup:
        return record.build(learning_rate, total_steps, warmup_steps)
    schedule = record.build(learning_rate, total_steps - warmup_steps)
    return LinearWarmup(schedule, warmup_steps) if warmup_steps else schedule

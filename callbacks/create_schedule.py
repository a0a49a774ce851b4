"""A registry of learning rate schedules, built from one learning rate."""

import keras

from keras_recipes.callbacks.cyclical_learning_rate import CyclicalLearningRate
from keras_recipes.callbacks.linear_warmup import LinearWarmup
from keras_recipes.callbacks.one_cycle import OneCycle

_SCHEDULES = {
    "constant": "The rate stays at `learning_rate`.",
    "step": "Keras `ExponentialDecay(staircase=True)`: x0.1 at 1/3 and 2/3.",
    "exponential": "Keras `ExponentialDecay`: smooth decay to 1% at the end.",
    "cosine": "Keras `CosineDecay`: cosine decay to 0 (built-in warmup).",
    "cosine_restarts": "Keras `CosineDecayRestarts`: 3 cycles, each 2x longer.",
    "one_cycle": "`OneCycle`: warmup to `learning_rate`, then anneal.",
    "cyclical": "`CyclicalLearningRate`: triangular cycles, 4 per training.",
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
            f"Unknown schedule '{name}'. Valid names: {list_schedules()}. "
            f"Received: name={name}"
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
    if name == "one_cycle":
        fraction = warmup_steps / total_steps if warmup_steps else 0.3
        return OneCycle(learning_rate, total_steps, warmup_fraction=fraction)
    if name == "cosine":
        if not warmup_steps:
            return keras.optimizers.schedules.CosineDecay(
                learning_rate, total_steps
            )
        return keras.optimizers.schedules.CosineDecay(
            0.0,
            total_steps - warmup_steps,
            warmup_target=learning_rate,
            warmup_steps=warmup_steps,
        )
    decay_steps = total_steps - warmup_steps
    schedule = _decay_schedule(name, learning_rate, decay_steps)
    if not warmup_steps:
        return schedule
    return LinearWarmup(schedule, warmup_steps)


def _decay_schedule(name, learning_rate, decay_steps):
    schedules = keras.optimizers.schedules
    if name == "constant":
        return learning_rate
    if name == "step":
        return schedules.ExponentialDecay(
            learning_rate, max(decay_steps // 3, 1), 0.1, staircase=True
        )
    if name == "exponential":
        return schedules.ExponentialDecay(learning_rate, decay_steps, 0.01)
    if name == "cosine_restarts":
        return schedules.CosineDecayRestarts(
            learning_rate, max(decay_steps // 7, 1), t_mul=2.0
        )
    # "cyclical"
    return CyclicalLearningRate(
        learning_rate / 10, learning_rate, step_size=max(decay_steps // 8, 1)
    )

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_recipes")
class LinearWarmup(keras.optimizers.schedules.LearningRateSchedule):
    """Prepends a linear warmup to any learning rate schedule or constant.

    For the first `warmup_steps` steps the rate grows linearly from
    `initial_learning_rate` to the wrapped schedule's value at its step 0;
    afterwards the wrapped schedule runs, shifted by `warmup_steps`, so it
    starts where the warmup ends: `schedule(step - warmup_steps)`.

    Cosine decay has a warmup built in: prefer
    `keras.optimizers.schedules.CosineDecay(0.0, decay_steps,
    warmup_target=peak, warmup_steps=n)`. Use this wrapper for everything
    else (a constant rate, exponential or step decay, restarts, ...).

    Args:
        schedule: A `LearningRateSchedule` or a float (a constant rate).
        warmup_steps: Integer >= 1. Length of the warmup in steps.
        initial_learning_rate: Float. The rate at step 0. Defaults to `0.0`.
        name: String. Defaults to `"LinearWarmup"`.

    Raises:
        ValueError: If `warmup_steps` < 1 or `schedule` is neither a float nor
            a `LearningRateSchedule`.

    Example:

    ```python
    decay = keras.optimizers.schedules.ExponentialDecay(1e-3, 1000, 0.5)
    optimizer = keras.optimizers.Adam(LinearWarmup(decay, warmup_steps=500))
    ```
    """

    def __init__(
        self, schedule, warmup_steps, initial_learning_rate=0.0, name="LinearWarmup"
    ):
        if not isinstance(
            schedule, (int, float, keras.optimizers.schedules.LearningRateSchedule)
        ):
            raise ValueError(
                "`schedule` must be a float or a LearningRateSchedule. "
                f"Received: schedule={schedule}"
            )
        if int(warmup_steps) < 1:
            raise ValueError(
                f"`warmup_steps` must be >= 1. Received: warmup_steps={warmup_steps}"
            )
        self.schedule = schedule
        self.warmup_steps = int(warmup_steps)
        self.initial_learning_rate = float(initial_learning_rate)
        self.name = name

    def _scheduled(self, step):
        if isinstance(self.schedule, (int, float)):
            return ops.convert_to_tensor(float(self.schedule), "float32")
        return ops.cast(self.schedule(step), "float32")

    def __call__(self, step):
        step = ops.convert_to_tensor(step)
        target = self._scheduled(ops.zeros_like(step))
        fraction = ops.cast(step, "float32") / self.warmup_steps
        warmup = self.initial_learning_rate + (
            target - self.initial_learning_rate
        ) * fraction
        after = self._scheduled(ops.maximum(step - self.warmup_steps, 0))
        return ops.where(fraction < 1.0, warmup, after)

    def get_config(self):
        schedule = self.schedule
        if not isinstance(schedule, (int, float)):
            schedule = keras.optimizers.schedules.serialize(schedule)
        return {
            "schedule": schedule,
            "warmup_steps": self.warmup_steps,
            "initial_learning_rate": self.initial_learning_rate,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config["schedule"], dict):
            config["schedule"] = keras.optimizers.schedules.deserialize(
                config["schedule"]
            )
        return cls(**config)

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_recipes")
class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """The one-cycle learning rate policy (Smith, 2018).

    The learning rate rises from `maximal_learning_rate / div_factor` to
    `maximal_learning_rate` during the first `warmup_fraction` of
    `total_steps`, then anneals to
    `maximal_learning_rate / (div_factor * final_div_factor)` at
    `total_steps`, and stays there. Both phases follow a half cosine
    (`anneal_strategy="cos"`, as in fastai and PyTorch) or a straight line
    (`"linear"`, as in the paper).

    The peak is reached exactly at step
    `warmup_steps = round(warmup_fraction * total_steps)`. Pair the schedule
    with `CyclicalMomentum` to cycle the momentum (or Adam's `beta_1`)
    inversely, as the policy recommends.

    Args:
        maximal_learning_rate: Float. The peak learning rate, e.g. the one
            suggested by `find_learning_rate`.
        total_steps: Integer. Number of optimizer steps in the whole training,
            `epochs * steps_per_epoch`.
        warmup_fraction: Float in `(0, 1)`. Fraction of `total_steps` spent
            rising to the peak. Defaults to `0.3`.
        div_factor: Float. The starting rate is
            `maximal_learning_rate / div_factor`. Defaults to `25.0`.
        final_div_factor: Float. The final rate is the starting rate divided
            by this. Defaults to `1e4`.
        anneal_strategy: `"cos"` or `"linear"`. Defaults to `"cos"`.
        name: String. Defaults to `"OneCycle"`.

    Raises:
        ValueError: If an argument is out of range.

    Example:

    ```python
    schedule = OneCycle(maximal_learning_rate=1e-2, total_steps=epochs * steps)
    model.compile(keras.optimizers.SGD(schedule, momentum=0.9), loss="mse")
    model.fit(x, y, epochs=epochs, callbacks=[CyclicalMomentum(schedule)])
    ```
    """

    def __init__(
        self,
        maximal_learning_rate,
        total_steps,
        warmup_fraction=0.3,
        div_factor=25.0,
        final_div_factor=1e4,
        anneal_strategy="cos",
        name="OneCycle",
    ):
        if maximal_learning_rate <= 0:
            raise ValueError(
                "`maximal_learning_rate` must be > 0. "
                f"Received: maximal_learning_rate={maximal_learning_rate}"
            )
        if int(total_steps) < 2:
            raise ValueError(
                f"`total_steps` must be >= 2. Received: total_steps={total_steps}"
            )
        if not 0 < warmup_fraction < 1:
            raise ValueError(
                "`warmup_fraction` must be in (0, 1). "
                f"Received: warmup_fraction={warmup_fraction}"
            )
        if div_factor < 1 or final_div_factor < 1:
            raise ValueError(
                "`div_factor` and `final_div_factor` must be >= 1. "
                f"Received: div_factor={div_factor}, "
                f"final_div_factor={final_div_factor}"
            )
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                "`anneal_strategy` must be 'cos' or 'linear'. "
                f"Received: anneal_strategy={anneal_strategy}"
            )
        self.maximal_learning_rate = float(maximal_learning_rate)
        self.total_steps = int(total_steps)
        self.warmup_fraction = float(warmup_fraction)
        self.div_factor = float(div_factor)
        self.final_div_factor = float(final_div_factor)
        self.anneal_strategy = anneal_strategy
        self.name = name
        self.initial_learning_rate = self.maximal_learning_rate / div_factor
        self.final_learning_rate = self.initial_learning_rate / final_div_factor
        self.warmup_steps = min(
            max(round(self.warmup_fraction * self.total_steps), 1),
            self.total_steps - 1,
        )

    def _anneal(self, start, end, fraction):
        if self.anneal_strategy == "linear":
            return start * (1.0 - fraction) + end * fraction
        return end + (start - end) * 0.5 * (1.0 + ops.cos(math.pi * fraction))

    def __call__(self, step):
        step = ops.cast(step, "float32")
        warmup = self._anneal(
            self.initial_learning_rate,
            self.maximal_learning_rate,
            ops.minimum(step / self.warmup_steps, 1.0),
        )
        decay_fraction = (step - self.warmup_steps) / (
            self.total_steps - self.warmup_steps
        )
        decay = self._anneal(
            self.maximal_learning_rate,
            self.final_learning_rate,
            ops.clip(decay_fraction, 0.0, 1.0),
        )
        return ops.where(step < self.warmup_steps, warmup, decay)

    def get_config(self):
        return {
            "maximal_learning_rate": self.maximal_learning_rate,
            "total_steps": self.total_steps,
            "warmup_fraction": self.warmup_fraction,
            "div_factor": self.div_factor,
            "final_div_factor": self.final_div_factor,
            "anneal_strategy": self.anneal_strategy,
            "name": self.name,
        }

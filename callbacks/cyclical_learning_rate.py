import keras
from keras import ops

_MODES = ("triangular", "triangular2", "exp_range")


@keras.saving.register_keras_serializable(package="keras_recipes")
class CyclicalLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """Cyclical learning rate (Smith, 2017), as in the former tfa.optimizers.

    The rate oscillates between `initial_learning_rate` and
    `maximal_learning_rate`; a full cycle lasts `2 * step_size` steps (up,
    then down). The amplitude of each cycle depends on `mode`:

    - `"triangular"`: constant amplitude.
    - `"triangular2"`: the amplitude halves after every cycle.
    - `"exp_range"`: the amplitude is scaled by `gamma ** step`.

    For cosine cycles with restarts use Keras's built-in
    `keras.optimizers.schedules.CosineDecayRestarts`.

    Args:
        initial_learning_rate: Float. The lower bound of the cycle.
        maximal_learning_rate: Float. The upper bound of the cycle, greater
            than `initial_learning_rate`.
        step_size: Integer. Number of steps in half a cycle; Smith suggests
            2 to 10 epochs' worth of steps.
        mode: One of `"triangular"`, `"triangular2"`, `"exp_range"`.
            Defaults to `"triangular"`.
        gamma: Float in `(0, 1]`. Decay per step of the `"exp_range"` mode.
            Defaults to `1.0`.
        name: String. Defaults to `"CyclicalLearningRate"`.

    Raises:
        ValueError: If an argument is out of range.

    Example:

    ```python
    schedule = CyclicalLearningRate(1e-4, 1e-2, step_size=4 * steps_per_epoch)
    optimizer = keras.optimizers.SGD(schedule, momentum=0.9)
    ```
    """

    def __init__(
        self,
        initial_learning_rate,
        maximal_learning_rate,
        step_size,
        mode="triangular",
        gamma=1.0,
        name="CyclicalLearningRate",
    ):
        if not 0 <= initial_learning_rate < maximal_learning_rate:
            raise ValueError(
                "Expected 0 <= initial_learning_rate < maximal_learning_rate. "
                f"Received: initial_learning_rate={initial_learning_rate}, "
                f"maximal_learning_rate={maximal_learning_rate}"
            )
        if int(step_size) < 1:
            raise ValueError(
                f"`step_size` must be >= 1. Received: step_size={step_size}"
            )
        if mode not in _MODES:
            raise ValueError(
                f"`mode` must be one of {_MODES}. Received: mode={mode}"
            )
        if not 0 < gamma <= 1:
            raise ValueError(f"`gamma` must be in (0, 1]. Received: gamma={gamma}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.maximal_learning_rate = float(maximal_learning_rate)
        self.step_size = int(step_size)
        self.mode = mode
        self.gamma = float(gamma)
        self.name = name

    def __call__(self, step):
        step = ops.cast(step, "float32")
        cycle = ops.floor(1.0 + step / (2.0 * self.step_size))
        position = ops.abs(step / self.step_size - 2.0 * cycle + 1.0)
        height = ops.maximum(0.0, 1.0 - position)
        if self.mode == "triangular2":
            height = height / ops.power(2.0, cycle - 1.0)
        elif self.mode == "exp_range":
            height = height * ops.power(self.gamma, step)
        amplitude = self.maximal_learning_rate - self.initial_learning_rate
        return self.initial_learning_rate + amplitude * height

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "maximal_learning_rate": self.maximal_learning_rate,
            "step_size": self.step_size,
            "mode": self.mode,
            "gamma": self.gamma,
            "name": self.name,
        }

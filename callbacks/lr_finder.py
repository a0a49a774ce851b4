import math

import keras
import numpy as np

from keras_recipes.callbacks._model_state import restore_snapshot
from keras_recipes.callbacks._model_state import sync_variables
from keras_recipes.callbacks._model_state import take_snapshot
from keras_recipes.callbacks._plotting import save_line_plot


# The suggestion rules `LRFinder.suggestion` knows, and the default, chosen by
# benchmarks/bench_lr_rules.py (see the class docstring).
SUGGESTION_RULES = (
    "steepest",
    "steepest/3",
    "steepest/10",
    "minimum/3",
    "minimum/10",
    "minimum/16",
    "valley",
)
DEFAULT_RULE = "minimum/16"


class LRFinder(keras.callbacks.Callback):
    """Learning rate range test (Smith, 2017; fastai's `lr_find`).

    During a short `fit()` the learning rate grows exponentially from
    `min_learning_rate` to `max_learning_rate` over `num_steps` batches while
    the loss of every batch is recorded. The test stops early once the
    smoothed loss exceeds `divergence_threshold` times its best value, or is
    not finite. When training ends the model's weights and the optimizer's
    state (slots, iteration counter, learning rate) are put back, so the
    model is as it was before the test.

    The losses are smoothed with a bias-corrected exponential moving average
    (`smoothing` = 0.98, as in fastai); the first 10% of steps (while the
    average warms up) and everything after the first non-finite loss are
    ignored. `suggestion(rule)` reads a rate off the smoothed curve:

    - `"minimum/16"` (the default): a sixteenth of the rate at the lowest
      smoothed loss, 1.2 decades below it;
    - `"minimum/10"` (fastai's `lr_min`) and `"minimum/3"`: a tenth and a
      third of it;
    - `"steepest"`: Smith's criterion, the rate where the smoothed loss
      falls fastest against log(rate) (a centred difference over 3% of the
      steps on each side, before the minimum); `"steepest/3"` and
      `"steepest/10"` divide it;
    - `"valley"`: fastai's valley rule, half-way down the longest
      decreasing stretch of the curve.

    The minimum is the steadiest feature of the curve: with the 0.98
    average (a memory of about 50 steps: 4 decades of rate at the default
    100 steps) it lies where the raw loss has climbed back above its
    running mean, well past the best rate for training.
    `benchmarks/bench_lr_rules.py` measured every rule against the best
    rate of a grid (3 seeds x 10 epochs, best validation loss) on digits,
    breast_cancer, wine and diabetes with Adam and SGD with momentum: the
    grid best lay 6x to 40x below the minimum (geometric centre about
    16x), so `"minimum/16"` landed within 3x on all 8 pairs, `"minimum/10"`
    on 7 (3.9x above the best on breast_cancer with SGD). The divisor is
    fitted on those pairs (range tests of two more seeds: 21 of 24 within
    3x, the misses on wine); the grid best over the steepest point varied
    50x between pairs, over the valley 30x. Run the benchmark for the
    current table.

    Use `find_learning_rate()` for the common case; use this callback
    directly to run the test on your own data pipeline.

    Args:
        min_learning_rate: Float > 0. Rate at the first step. Defaults to
            `1e-7`.
        max_learning_rate: Float. Rate at step `num_steps - 1`. Defaults to
            `10.0`.
        num_steps: Integer >= 5. Maximum number of batches in the test; run
            `fit()` for at least that many batches. Defaults to `100`.
        smoothing: Float in `[0, 1)`. Weight of the moving average of the
            loss. Defaults to `0.98`.
        divergence_threshold: Float > 1. Stop once the smoothed loss exceeds
            this multiple of its minimum. Defaults to `4.0`.
        rule: Rule of `suggestion()`, one of `SUGGESTION_RULES`. Defaults
            to `DEFAULT_RULE`.

    Raises:
        ValueError: If an argument is out of range, or at the start of
            training if the optimizer uses a `LearningRateSchedule`.

    Example:

    ```python
    finder = LRFinder(num_steps=100)
    model.fit(x, y, batch_size=32, epochs=epochs, callbacks=[finder])
    learning_rate = finder.suggestion()
    finder.plot("plots/lr_finder.png")
    ```
    """

    def __init__(
        self,
        min_learning_rate=1e-7,
        max_learning_rate=10.0,
        num_steps=100,
        smoothing=0.98,
        divergence_threshold=4.0,
        rule=DEFAULT_RULE,
    ):
        super().__init__()
        if not 0 < min_learning_rate < max_learning_rate:
            raise ValueError(
                "Expected 0 < min_learning_rate < max_learning_rate. Received: "
                f"min_learning_rate={min_learning_rate}, "
                f"max_learning_rate={max_learning_rate}"
            )
        if int(num_steps) < 5:
            raise ValueError(
                f"`num_steps` must be >= 5. Received: num_steps={num_steps}"
            )
        if not 0 <= smoothing < 1:
            raise ValueError(
                f"`smoothing` must be in [0, 1). Received: smoothing={smoothing}"
            )
        if divergence_threshold <= 1:
            raise ValueError(
                "`divergence_threshold` must be > 1. "
                f"Received: divergence_threshold={divergence_threshold}"
            )
        self.min_learning_rate = float(min_learning_rate)
        self.max_learning_rate = float(max_learning_rate)
        self.num_steps = int(num_steps)
        self.smoothing = smoothing
        self.divergence_threshold = divergence_threshold
        self.rule = _check_rule(rule)
        self.history = {}

    def learning_rate_at(self, step):
        """Returns the learning rate used at test step `step`."""
        ratio = self.max_learning_rate / self.min_learning_rate
        return self.min_learning_rate * ratio ** (step / (self.num_steps - 1))

    def on_train_begin(self, logs=None):
        learning_rate = self.model.optimizer.get_config()["learning_rate"]
        if isinstance(learning_rate, dict):  # A serialized schedule.
            raise ValueError(
                "LRFinder needs an optimizer with a float learning rate. "
                f"Received: learning_rate={learning_rate}"
            )
        self.history = {"learning_rate": [], "loss": [], "smoothed_loss": []}
        self._average = 0.0
        self._best = math.inf
        self._snapshot = take_snapshot(self.model)

    def on_train_batch_begin(self, batch, logs=None):
        step = len(self.history["loss"])
        sync_variables(self.model)
        self.model.optimizer.learning_rate = self.learning_rate_at(step)
        # Per-batch losses: otherwise `logs["loss"]` is the epoch's mean.
        self.model.reset_metrics()

    def on_train_batch_end(self, batch, logs=None):
        loss = float((logs or {}).get("loss", math.nan))
        step = len(self.history["loss"])
        self._average = self.smoothing * self._average + (1 - self.smoothing) * loss
        smoothed = self._average / (1 - self.smoothing ** (step + 1))
        self.history["learning_rate"].append(self.learning_rate_at(step))
        self.history["loss"].append(loss)
        self.history["smoothed_loss"].append(smoothed)
        self._best = min(self._best, smoothed)
        diverged = not math.isfinite(smoothed) or (
            smoothed > self.divergence_threshold * self._best
        )
        if diverged or step + 1 >= self.num_steps:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        restore_snapshot(self.model, self._snapshot)
        self._snapshot = None

    def suggestion(self, rule=None):
        """Returns the suggested learning rate, read off the smoothed losses.

        Args:
            rule: One of `SUGGESTION_RULES`, or `None` for the finder's
                `rule`. Defaults to `None`.

        Returns:
            A float, or `None` if too few finite losses were recorded.

        Raises:
            ValueError: If `rule` is unknown.
        """
        rule = self.rule if rule is None else _check_rule(rule)
        rates = np.asarray(self.history.get("learning_rate", []), dtype="float64")
        losses = np.asarray(self.history.get("smoothed_loss", []), dtype="float64")
        finite = np.isfinite(losses)
        # Only the leading finite stretch: nothing after the first NaN counts.
        count = len(losses) if finite.all() else int(np.argmin(finite))
        skip = count // 10
        rates, losses = rates[skip:count], losses[skip:count]
        if len(losses) < 5:
            return None
        name, _, divisor = rule.partition("/")
        divisor = float(divisor or 1)
        if name == "minimum":
            return float(rates[int(np.argmin(losses))]) / divisor
        if name == "valley":
            index = _valley(losses)
            return None if index is None else float(rates[index]) / divisor
        window = max(1, round(0.03 * count))
        end = int(np.argmin(losses)) + 1
        if end <= 2 * window:
            return None
        log_rates = np.log(rates[:end])
        slopes = (losses[2 * window : end] - losses[: end - 2 * window]) / (
            log_rates[2 * window :] - log_rates[: -2 * window]
        )
        return float(rates[window + int(np.argmin(slopes))]) / divisor

    def plot(self, path):
        """Plots the smoothed loss against the learning rate to a PNG file.

        The x-axis is logarithmic; the suggested rate is marked by a dashed
        line.

        Args:
            path: Path of the PNG file; parent folders are created.

        Returns:
            `path`.
        """
        losses = np.asarray(self.history["smoothed_loss"])
        finite = np.isfinite(losses)
        return save_line_plot(
            path,
            np.asarray(self.history["learning_rate"])[finite],
            losses[finite],
            xlabel="learning rate (log scale)",
            ylabel="smoothed loss",
            title="Learning rate finder",
            log_x=True,
            marker_x=self.suggestion(),
        )


def _check_rule(rule):
    if rule not in SUGGESTION_RULES:
        raise ValueError(
            f"The 'rule' parameter must be one of {', '.join(SUGGESTION_RULES)}. "
            f"Received: rule={rule!r}"
        )
    return rule


def _valley(losses):
    """fastai's "valley": 1/2 of the way down the longest decreasing stretch.

    The longest (not necessarily contiguous) decreasing subsequence of the
    smoothed losses is found; the rate returned lies half of the way from
    its start to its end (fastai: start + 1/3 + 1/6 of its length).
    """
    n = len(losses)
    lengths = np.ones(n, dtype="int64")
    best_end = 0
    for i in range(1, n):
        smaller = losses[:i] > losses[i]
        if smaller.any():
            lengths[i] = lengths[:i][smaller].max() + 1
        if lengths[i] > lengths[best_end]:
            best_end = i
    start = best_end - int(lengths[best_end]) + 1
    if best_end - start < 3:
        return None
    sections = (best_end - start) / 3
    return start + int(sections) + int(sections / 2)

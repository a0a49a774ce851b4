"""`--lr auto`: set a model's learning rate from the LR range test."""

from keras_recipes.callbacks import find_learning_rate
from keras_recipes.callbacks.lr_finder import DEFAULT_RULE


def choose_learning_rate(learning_rate, model, x, y, batch_size, context, rule=DEFAULT_RULE):
    """Returns the learning rate to train with, running the LR finder for `"auto"`.

    With `"auto"`, the range test (`keras_recipes.callbacks.find_learning_rate`)
    trains briefly with a growing rate, restores the model and its optimizer,
    plots loss against rate to `plots/lr_finder.png` and suggests a rate by
    `rule`: by default a sixteenth of the rate at the lowest smoothed loss
    (`"minimum/16"`), the rule that landed within 3x of the grid-best rate
    on all 8 dataset x optimizer pairs of `benchmarks/bench_lr_rules.py`
    (the steepest descent, the first rule, was 6x too high on digits;
    fastai's `"minimum/10"` was 3.9x too high on breast_cancer with SGD).
    That rate is then set on the model's optimizer.

    Args:
        learning_rate: A positive number, or `"auto"`.
        model: The compiled model (its optimizer must take a float rate).
        x: Training inputs.
        y: Training targets.
        batch_size: Batch size of the range test.
        context: The run's `RunContext` (for the plot and the log).
        rule: Suggestion rule (see `lr_finder.SUGGESTION_RULES`). Defaults
            to `lr_finder.DEFAULT_RULE`, `"minimum/16"`.

    Returns:
        The learning rate as a float.

    Raises:
        ValueError: If the range test cannot suggest a rate (the loss never
            decreased), naming what to do instead.
    """
    if learning_rate != "auto":
        return float(learning_rate)
    suggestion, _ = find_learning_rate(model, x, y, batch_size=batch_size,
                                       plot_path=context.plot_path("lr_finder"), rule=rule)
    if suggestion is None:
        raise ValueError(
            "The learning-rate finder found no rate where the loss falls; "
            "pass a number with --lr instead of 'auto'."
        )
    model.optimizer.learning_rate = suggestion
    context.log(f"LR finder suggests learning_rate={suggestion:.3g} (rule {rule})")
    return float(suggestion)

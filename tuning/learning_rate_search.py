"""A learning-rate search as an experiment: one arm per (group, rate), one seed.

Comparing optimizers or batch regimes fairly needs each to run at its own
tuned rate. `learning_rate_search` turns a grid of rates per group (an
optimizer, a batch regime) into an `Experiment` the engine runs like any
other (recorded, resumable, shareable by workers), and
`best_learning_rates` reads the winner of each group off its comparison:
the lowest final validation loss, where a diverged trial never wins.

Example:

>>> search = learning_rate_search({"adam": [1e-3, 1e-2], "sgd": [1e-2, 1e-1]},
...                               lambda group, rate, name: Arm(name, train(group, rate)),
...                               seed=42)
>>> rates = best_learning_rates(run_experiment(search, "runs/x/experiments"))
>>> rates["sgd"]
0.1
"""

import math

from keras_recipes.tuning.experiment import Experiment

GROUP = "search_group"


def learning_rate_search(grid, make_arm, seed, name="learning_rate_search",
                         measure="final_val_loss", target=None):
    """Builds the search experiment.

    Args:
        grid: A dict `{group: [learning rates]}`; groups without rates are
            left out.
        make_arm: A function `make_arm(group, rate, name) -> Arm`; the
            engine adds `search_group` and `learning_rate` to its settings.
        seed: The one seed of every trial.
        name: Experiment name. Defaults to `"learning_rate_search"`.
        measure: Row measure to minimise. Defaults to `"final_val_loss"`.
        target: A `Target` whose first epoch each trial records (how many
            rates reach it says how much tuning a method needs), or `None`.
            Defaults to `None`.

    Returns:
        An `Experiment`, or `None` when no group has a rate to search.
    """
    arms = []
    for group, rates in grid.items():
        for rate in rates:
            arm = make_arm(group, rate, f"{group}-lr{rate:g}")
            arm.settings = {**arm.settings, GROUP: group, "learning_rate": rate}
            arms.append(arm)
    return Experiment(name, arms, [seed], primary=measure, target=target) if arms else None


def search_score(row, measure="final_val_loss"):
    """A trial's score: its measure, or infinity if it diverged or is not finite."""
    value = row.get(measure)
    if row.get("diverged") or value is None or not math.isfinite(value):
        return math.inf
    return value


def search_rows(search, group):
    """The trials of one group, by increasing learning rate (empty without a search)."""
    if search is None:
        return []
    rows = [row for row in search.rows if row[GROUP] == group]
    return sorted(rows, key=lambda row: row["learning_rate"])


def best_learning_rates(search):
    """`{group: rate}` of the trial with the lowest score in each group."""
    if search is None:
        return {}
    measure = search.experiment.primary
    groups = dict.fromkeys(row[GROUP] for row in search.rows)
    return {group: min(search_rows(search, group),
                       key=lambda row: search_score(row, measure))["learning_rate"]
            for group in groups}

"""A comparison recipe's plumbing: run the engine in a run directory and report it.

A comparison recipe declares its arms as a `keras_recipes.tuning.Experiment`
and calls `run_comparison(context, experiment)`: the runs go through the
library's engine (records in `RUN_DIR/experiments/`, `--resume` keeps the
finished ones, `--workers N` spreads them over local processes), and the
recipe reads the returned `Comparison`. `add_comparison` writes the same
tables into every report: per-arm means with 95% intervals, paired
differences against the reference arm, and a sentence per arm saying
whether its difference is resolved at this number of seeds.
"""

import dataclasses
import os
import shutil
import sys

from keras_recipes.callbacks.atomic_files import atomic_path
from keras_recipes.recipes.common import figures
from keras_recipes.recipes.common.baselines import add_baselines
from keras_recipes.recipes.common.config import check_integer
from keras_recipes.recipes.common.config import option
from keras_recipes.recipes.common.tracking import write_tensorboard_history
from keras_recipes.tuning import run_experiment
from keras_recipes.tuning import distributed_role
from keras_recipes.tuning import seed_list
from keras_recipes.tuning import statistics


@dataclasses.dataclass
class ComparisonConfig:
    """Settings every comparison recipe shares (mix in before the data config)."""

    seeds: int = option(3, "Seeds per arm (seed, seed+1, ...); every arm gets the same "
                           "seeds, so differences are paired.", check=check_integer)
    workers: int = option(1, "Local worker processes that share the runs "
                             "(KerasTuner chief/worker on 127.0.0.1).", check=check_integer)
    resume: bool = option(False, "Continue the interrupted comparison in --out: finished "
                                 "runs are kept, the interrupted one is redone.")

    def __post_init__(self):
        super().__post_init__()
        if self.resume and not self.out:
            raise ValueError("--resume needs --out DIR, the directory of the comparison "
                             "to continue.")
        if distributed_role() and not self.out:
            raise ValueError("KerasTuner's chief/worker mode needs --out DIR, a directory "
                             "that the chief and every worker share.")

    @property
    def seed_list(self):
        """The seeds of every arm: `seed, seed + 1, ...`."""
        return seed_list(self.seed, self.seeds)


def worker_command(recipe, config, out):
    """The command that re-runs `recipe` with `config` as a worker of `out`."""
    arguments = []
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        flag = "--" + field.name.replace("_", "-")
        if field.name in ("out", "resume", "smoke", "workers", "verbose"):
            continue
        if isinstance(value, bool):
            arguments.append(flag if value else "--no-" + flag[2:])
        else:
            arguments += [flag, "none" if value is None else str(value)]
    return [sys.executable, "-m", f"keras_recipes.recipes.{recipe}", *arguments,
            "--out", out, "--resume", "--no-smoke", "--verbose", "0"]


def run_comparison(context, experiment):
    """Runs an experiment's runs through the engine, in the run directory.

    Each run's history also goes to TensorBoard as it finishes, one folder
    per run (`logs/EXPERIMENT/ARM/seed-S`), so `tensorboard --logdir
    RUN_DIR/logs` overlays every arm and seed.

    Args:
        context: The recipe's `RunContext` (its config has `workers`).
        experiment: The `Experiment`.

    Returns:
        The `Comparison`.
    """
    config = context.config
    command = worker_command(context.recipe, config, context.shared_dir)
    log_dir = os.path.join(context.path_shared("logs"), experiment.name)

    def log_to_tensorboard(arm, seed, record):
        write_tensorboard_history(os.path.join(log_dir, arm, f"seed-{seed}"),
                                  record["history"])

    experiment = dataclasses.replace(experiment, on_record=log_to_tensorboard)
    return run_experiment(experiment, context.path_shared("experiments"),
                          workers=config.workers, worker_command=command,
                          progress=bool(config.verbose))


def write_runs(context, *comparisons):
    """Writes `runs.csv` (one row per run of every comparison) and `curves.csv`."""
    import pandas as pd

    from keras_recipes.recipes.common.runs import write_text

    rows = [row for comparison in comparisons for row in comparison.rows]
    write_text(context.path("runs.csv"), pd.DataFrame(rows).to_csv(index=False))
    curves = [comparison.curves_frame() for comparison in comparisons]
    write_text(context.path("curves.csv"), pd.concat(curves).to_csv(index=False))


def comparison_metrics(comparison, measures, **headline):
    """`metrics.json` of a comparison: the one schema plus the recipe's headline keys."""
    return {**comparison.to_metrics(measures), **headline}


def add_comparison(report, comparison, measures, context=None, heading="Comparison",
                   paired=None):
    """Adds the per-arm intervals, paired differences and verdicts to a report.

    Args:
        report: The `Report`.
        comparison: The `Comparison`.
        measures: Measures to tabulate, such as `["test_accuracy",
            "epochs_to_target"]`; the first also gets an interval figure.
        context: The `RunContext`, to draw the interval figure into
            `plots/`; `None` draws none. Defaults to `None`.
        heading: Section heading. Defaults to `"Comparison"`.
        paired: Measures whose paired differences are tabulated. Defaults
            to `None`: the first two of `measures`.
    """
    n = len(comparison.seeds)
    report.add_section(
        heading,
        f"Mean over {n} seeds with its {statistics.INTERVAL_NAME} in brackets "
        f"(seeds {', '.join(map(str, comparison.seeds))}; every arm trained on the same "
        "seeds).")
    report.add_table(comparison.summary_rows(measures))
    if len(comparison.arms) > 1:
        report.add_text(
            f"Paired differences against **{comparison.reference}**, seed by seed: the "
            f"mean difference with its 95% interval, the {statistics.TEST_NAME}'s "
            "p-value and how many seeds favour the arm. A difference is *resolved* when "
            "its interval excludes zero.")
        report.add_table(comparison.difference_rows(paired or measures[:2]))
        report.add_text("\n".join(f"- {sentence}" for sentence in
                                  comparison.verdicts(measures[0])))
    if context is not None:
        path = figures.plot_intervals(comparison, measures[0],
                                      context.plot_path(f"{comparison.experiment.name}_"
                                                        f"{measures[0]}"))
        report.add_plot(path, f"{measures[0]} per arm: mean, 95% interval and seeds")


def add_learning_rate_search(report, context, search, budget):
    """Adds a learning-rate search's trial table and figure to a report.

    Args:
        report: The `Report`.
        context: The `RunContext` (for `plots/`).
        search: The search `Comparison` (see `learning_rate_search`), or
            `None` (nothing is added).
        budget: Words for each trial's budget, such as `"8 epochs"`.
    """
    if search is None:
        return
    report.add_section("Learning-rate search",
                       f"Final validation loss after {budget} at each tried rate (one "
                       "seed); the lowest wins and a diverged trial never does.")
    report.add_table(search.rows, ["search_group", "learning_rate", "epochs",
                                   "final_val_loss", "best_val_accuracy", "diverged",
                                   "train_seconds"])
    path = figures.plot_learning_rate_search(search.rows,
                                             context.plot_path("learning_rate_search"))
    report.add_plot(path, "Learning-rate search: final validation loss against the rate")


def total_train_seconds(*comparisons):
    """Training seconds summed over every run (resumed runs' included)."""
    return sum(row["train_seconds"] for comparison in comparisons if comparison
               for row in comparison.rows)


def finish_comparison(context, report, comparison, measures, dataset=None,
                      best_name="best_arm", best=None, **headline):
    """Ends a comparison run: baselines, best model, settings, metrics and report.

    Adds the scikit-learn baselines on `dataset` (when given), copies the
    best arm's model to `model.keras`, adds the configuration, then writes
    `metrics.json` (the comparison schema, the best arm under `best_name`
    and the `headline` keys) and `report.md`.

    Args:
        best: The arm whose model is saved, when the recipe has its own
            rule. Defaults to `None`: `comparison.best_arm()`.

    Returns:
        The `RunResult`.
    """
    if dataset is not None:
        add_baselines(report, dataset, measures, seed=context.config.seed)
    best = save_best_model(context, comparison, arm=best)
    report.add_config(context.config.to_dict(), context.environment)
    context.log(f"best by {comparison.experiment.primary}: {best}")
    metrics = comparison_metrics(comparison, measures, **{best_name: best}, **headline)
    return context.finish(metrics, report)


def save_best_model(context, comparison, measure=None, arm=None):
    """Copies the best arm's (or `arm`'s) first-seed model to `model.keras`.

    Returns:
        The arm whose model was saved, or `None` when none was.
    """
    best = arm or comparison.best_arm(measure)
    source = comparison.model_path(best)
    if best is None or not os.path.exists(source):
        return None
    with atomic_path(context.path("model.keras")) as temporary:
        shutil.copyfile(source, temporary)
    return best

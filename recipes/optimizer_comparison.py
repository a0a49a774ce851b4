# %% [markdown]
# # Comparing optimizers, measured
#
# **Description:** Tune and train one model with SGD, momentum, Nesterov, Adagrad, Adadelta, RMSprop, Adam, AdamW, Nadam and L-BFGS, and measure the classic optimizer table.
# **Task:** classification
# **Accelerator:** none needed (CPU, about 4 min on 2 free cores); runs unchanged on a GPU
#
# ## Introduction
#
# Every course on training neural networks shows the same table: SGD is
# slow, momentum is faster, Adagrad's learning rate shrinks too far, Adam is
# the robust default, Nadam converges faster, AdamW generalises better,
# L-BFGS suits small data. The sources end with sound advice: *compare
# optimizers by experiment on your task*. This recipe is that experiment.
#
# A fair comparison needs three things the table never states:
#
# - **the same model, data and epoch budget** for every optimizer;
# - **a tuned learning rate for each**, because an optimizer at a bad
#   learning rate measures the learning rate, not the optimizer. Each one
#   gets a short search over its own registry range (one value per decade
#   by default), scored by the validation loss at the end of the search
#   budget (L-BFGS has no learning rate and skips it);
# - **several seeds**, so a difference can be told from run-to-run noise.
#
# The result is the measured version of the table: per optimizer the tuned
# learning rate, how many of the tried learning rates reach the target
# validation accuracy (how much tuning it needs), final validation and test
# scores as means with 95% intervals over seeds, epochs and seconds to the
# target, and whether any seed diverged, next to what the table claims; and
# for every optimizer its paired difference from Adam over the same seeds,
# with a paired t-test, so "faster" and "better" are computed statements.
#
# Run it with `keras-recipes run optimizer_comparison` (`--optimizers
# adam,sgd,lbfgs` for a subset, `--seeds 5` for tighter intervals, `--workers 2`
# to share the runs between two processes, `--resume --out DIR` to continue
# a killed run), or cell by cell here.

# %% [markdown]
# ## Setup

# %%
import dataclasses
import typing

from keras_recipes.recipes.common import figures
from keras_recipes.recipes.common.config import TabularDataConfig
from keras_recipes.recipes.common.config import check_fraction
from keras_recipes.recipes.common.config import check_integer
from keras_recipes.recipes.common.config import option
from keras_recipes.recipes.common.evaluation import test_measures
from keras_recipes.recipes.common.experiments import ComparisonConfig
from keras_recipes.recipes.common.experiments import add_comparison
from keras_recipes.recipes.common.experiments import add_learning_rate_search
from keras_recipes.recipes.common.experiments import finish_comparison
from keras_recipes.recipes.common.experiments import run_comparison
from keras_recipes.recipes.common.experiments import total_train_seconds
from keras_recipes.recipes.common.experiments import write_runs
from keras_recipes.recipes.common.optimizer_runs import CLASSIC_OPTIMIZERS
from keras_recipes.recipes.common.optimizer_runs import learning_rate_grid
from keras_recipes.recipes.common.optimizer_runs import parse_optimizer_names
from keras_recipes.recipes.common.report import Report
from keras_recipes.recipes.common.run_context import run_main
from keras_recipes.recipes.common.run_context import start_run
from keras_recipes.recipes.common.tabular import build_tabular_model
from keras_recipes.recipes.common.tabular import load_tabular_data
from keras_recipes.tuning import Arm
from keras_recipes.tuning import Experiment
from keras_recipes.tuning import Target
from keras_recipes.tuning import best_learning_rates
from keras_recipes.tuning import fit_with_optimizer
from keras_recipes.tuning import get_optimizer_spec
from keras_recipes.tuning import learning_rate_search
from keras_recipes.tuning import search_rows

NAME = "optimizer_comparison"


@dataclasses.dataclass
class Config(ComparisonConfig, TabularDataConfig):
    """Settings of the optimizer comparison recipe."""

    dataset: str = option("digits", "Bundled classification dataset (ignored with --csv).")
    optimizers: str = option(",".join(CLASSIC_OPTIMIZERS),
                             "Comma-separated optimizer names (see list_optimizers()).",
                             check=lambda name, value: parse_optimizer_names(value, name))
    target_accuracy: float = option(
        0.95, "Validation accuracy whose first epoch and second are reported.",
        check=check_fraction)
    grid_size: int = option(5, "Learning rates tried per optimizer, log-spaced over its range.",
                            check=check_integer)
    search_epochs: int = option(8, "Epochs of each learning-rate trial (one seed).",
                                check=check_integer)
    epochs: int = option(20, "Epochs of each full run (L-BFGS: iterations).",
                         check=check_integer)
    batch_size: int = option(32, "Mini-batch size of the Keras optimizers.", check=check_integer)
    units: int = option(64, "Width of each hidden layer.", check=check_integer)
    depth: int = option(2, "Number of hidden layers.", check=check_integer)

    smoke_settings: typing.ClassVar[dict] = {
        "optimizers": "adam,lbfgs", "seeds": 2, "grid_size": 2,
        "search_epochs": 1, "epochs": 2,
    }


# %% tags=["parameters"]
smoke = False

# %% tags=["active-ipynb"]
# from keras_recipes.recipes.common.notebook_display import show_data, show_report
# config = Config(smoke=smoke).resolved()


# %% [markdown]
# ## Data
#
# The default is scikit-learn's bundled handwritten digits: 1,797 8x8 images
# as 64 pixel features, 10 classes, split 70/15/15 with stratification. It
# is small enough to train dozens of models in minutes, and ten classes
# leave room for the optimizers to differ in how soon they get there. The
# split is fixed by `--seed`; the seeds of the runs vary only the initial
# weights and the shuffling, and every optimizer gets the same seeds.

# %%
def load_data(config):
    return load_tabular_data(config, task="classification")


# %% tags=["active-ipynb"]
# data = load_data(config)
# show_data(data)


# %% [markdown]
# ## Model
#
# The same MLP for every run: scaling fitted on the training split inside
# the model, `depth` hidden ReLU layers of `units`, a softmax (or sigmoid)
# head. No dropout, no weight decay beyond AdamW's own, no schedule: the
# optimizer is the only thing that changes. `fit_with_optimizer` compiles it
# with the task's loss and metrics and the named optimizer, and trains L-BFGS
# full-batch through its registry entry, where one iteration counts as one
# epoch.

# %%
def optimizer_arm(config, dataset, name, learning_rate, epochs, arm_name=None):
    def train(seed):
        return fit_with_optimizer(
            lambda: build_tabular_model(dataset, impute=config.impute,
                                        units=config.units, depth=config.depth),
            dataset, name, learning_rate, epochs=epochs, batch_size=config.batch_size)
    return Arm(arm_name or name, train, {"optimizer": name, "learning_rate": learning_rate})


# %% tags=["active-ipynb"]
# build_tabular_model(data, impute=config.impute, units=config.units, depth=config.depth).summary()


# %% [markdown]
# ## Train
#
# Two experiments, both run by the library's engine (one record per run,
# written when the run ends, so `--resume` loses nothing and `--workers`
# can share them out). First the learning-rate search: for each optimizer,
# `grid_size` log-spaced learning rates over its registry range,
# `search_epochs` epochs each, one seed; the rate with the lowest final
# validation loss wins (a diverged trial never does). Then the comparison:
# every optimizer at its tuned rate, `seeds` seeds, `epochs` epochs, the
# test split scored once per trained model.

# %%
def search_experiment(config, dataset, names):
    grid = {name: learning_rate_grid(name, config.grid_size) for name in names
            if get_optimizer_spec(name).learning_rate is not None}
    return learning_rate_search(
        grid, lambda name, rate, arm_name: optimizer_arm(
            config, dataset, name, rate, config.search_epochs, arm_name), seed=config.seed,
        target=Target("val_accuracy", config.target_accuracy))


def tuned_rates(search, names):
    best = best_learning_rates(search)
    return {name: best.get(name) for name in names}


def comparison_experiment(config, dataset, rates):
    arms = [optimizer_arm(config, dataset, name, rate, config.epochs)
            for name, rate in rates.items()]
    return Experiment(
        "optimizers", arms, seeds=config.seed_list,
        evaluate=lambda run: test_measures(run.model, dataset),
        reference="adam" if "adam" in rates else None, primary="test_accuracy",
        target=Target("val_accuracy", config.target_accuracy), save_models=True)


# %% [markdown]
# ## Evaluate
#
# Per optimizer: the tuned rate, how many of the tried rates reached the
# target in the search (how much tuning it needs), and mean with 95%
# interval over seeds of the test accuracy and loss, the final validation
# loss, epochs and seconds to the target (counted from the start of `fit`,
# so the one-off graph tracing is included) and the divergences. Then each
# optimizer's paired difference from Adam, and the registry's claim beside
# a sentence built from the measured numbers.

# %%
MEASURES = ["test_accuracy", "test_loss", "final_val_loss", "epochs_to_target",
            "seconds_to_target", "train_seconds"]


def rates_reaching_target(search, name):
    rows = search_rows(search, name)
    good = sum(r["epochs_to_target"] is not None for r in rows)
    return f"{good}/{len(rows)} tried LRs reach it" if rows else "no learning rate to tune"


def character_rows(comparison, search):
    rows = []
    for name in comparison.arms:
        reached = sum(v is not None for v in comparison.values("epochs_to_target", name))
        diverged = sum(bool(v) for v in comparison.values("diverged", name))
        difference = comparison.difference("test_accuracy", name)
        versus = ("reference" if name == comparison.reference else
                  f"{difference['mean']:+.3f} vs {comparison.reference} "
                  f"({'resolved' if difference['resolved'] else 'not resolved'})")
        rows.append({
            "optimizer": name, "claimed": get_optimizer_spec(name).fits,
            "measured": (f"{reached}/{len(comparison.seeds)} seeds reach the target; "
                         f"{rates_reaching_target(search, name)}; "
                         f"test accuracy {versus}; {diverged} diverged")})
    return rows


def add_figures(report, context, comparison):
    curves = comparison.curves()
    for metric, x_axis, log_y, caption in (
            ("loss", "epoch", True, "Training loss against epochs (mean, band = min-max)"),
            ("loss", "seconds", True, "Training loss against wall-clock seconds (every seed)"),
            ("val_accuracy", "epoch", False, "Validation accuracy against epochs")):
        path = figures.plot_curves(curves, metric, context.plot_path(f"{metric}_vs_{x_axis}"),
                                   x_axis=x_axis, log_y=log_y, title=caption)
        report.add_plot(path, caption)


# %% [markdown]
# ## Run
#
# `run` validates the settings and the data before the run directory
# exists, then writes `config.json`, `runs.csv` (one row per trained model,
# both experiments), `curves.csv`, `metrics.json` (the comparison schema:
# `arms.<optimizer>.<measure>.{mean,std,ci_low,ci_high,n}` and
# `differences.<optimizer>.<measure>` against Adam), the best optimizer's
# `model.keras`, `plots/` and `report.md`.

# %%
def run(config):
    config = config.resolved()
    names = parse_optimizer_names(config.optimizers)
    dataset = load_data(config)
    context = start_run(NAME, config, resume=config.resume)
    context.log(f"{dataset.describe()}; optimizers: {', '.join(names)}; "
                f"{config.seeds} seed(s); target validation accuracy {config.target_accuracy}")
    experiment = search_experiment(config, dataset, names)
    search = run_comparison(context, experiment) if experiment else None
    comparison = run_comparison(context, comparison_experiment(
        config, dataset, tuned_rates(search, names)))
    seconds = total_train_seconds(search, comparison)
    write_runs(context, *[c for c in (search, comparison) if c])

    report = Report("Comparing optimizers, measured", context.run_dir)
    report.add_text(
        f"{dataset.describe()}. Same MLP ({config.depth}x{config.units}) for every "
        f"optimizer; {config.epochs} epochs (L-BFGS: iterations) per run, batch size "
        f"{config.batch_size}; learning rates tuned over {config.grid_size} values x "
        f"{config.search_epochs} epochs. Target validation accuracy "
        f"{config.target_accuracy}. All training took {seconds:.0f} s.")
    add_comparison(report, comparison, MEASURES, context, heading="The optimizer table, measured",
                   paired=["test_accuracy", "test_loss", "epochs_to_target"])
    report.add_section("Claimed and measured character")
    report.add_table(character_rows(comparison, search))
    add_learning_rate_search(report, context, search, f"{config.search_epochs} epochs")
    add_figures(report, context, comparison)
    return finish_comparison(context, report, comparison, MEASURES, dataset,
                             best_name="best_optimizer", train_seconds=seconds,
                             tuned_learning_rates=tuned_rates(search, names))


def main(argv=None):
    return run_main(NAME, Config, run, argv, ["best_optimizer", "train_seconds"])


# %% tags=["active-ipynb"]
# result = run(config)
# show_report(result)


# %% [markdown]
# ## Conclusions
#
# Measured by the default run (`python -m keras_recipes.recipes.optimizer_comparison`:
# digits, a 2x64 MLP, batch size 32, 20 epochs, seeds 42-44, five learning
# rates x 8 epochs of search per optimizer, 75 trained models). It took
# 15 min 9 s of wall time on a 2-core machine shared with four other busy
# jobs, for 250 s of CPU time: expect about 4 minutes on two free cores.
# The contention inflates every wall-clock figure below; epochs are exact.
# Intervals are Student-t 95% intervals over the 3 seeds; differences are
# paired against Adam (paired t-test).
#
# - **Tuned, the Keras optimizers cannot be told apart on test accuracy.**
#   Means ran from 0.9667 [0.948, 0.985] (Adam, AdamW, Nadam) to 0.9716
#   [0.949, 0.995] (RMSprop). No paired difference from Adam is resolved at
#   3 seeds: the largest, RMSprop's +0.0049, has the interval [-0.018,
#   +0.028] (p = 0.46). The seed moved every optimizer more than the choice
#   of optimizer did (Adam: 0.959, 0.967, 0.974 on seeds 42-44).
# - **A linear model does as well.** scikit-learn's `LogisticRegression` on
#   the same split scored 0.9778 (test log loss 0.112 against Adam's 0.145),
#   above every optimizer's mean; `HistGradientBoostingClassifier` 0.9704.
#   On 1,257 rows of digits the MLP buys nothing over the linear baseline.
# - **"SGD is slow" describes an untuned SGD.** At its tuned rate of 0.1 it
#   reached the 0.95 validation target in 6 epochs [-0.6, 12.6] against
#   Adam's 8 [3.0, 13.0] at 0.001: -2 epochs [-9.5, +5.5], p = 0.37, faster
#   on 2 of 3 seeds, so not resolved either way. At the registry default
#   of 0.01 it reached only 0.86 validation accuracy in 8 epochs.
# - **Adagrad was the quickest** (3.3 epochs [-0.5, 7.1] at 0.1): -4.7
#   epochs [-9.8, +0.5] against Adam, faster on all 3 seeds, p = 0.06 - a
#   consistent direction that 3 seeds do not resolve. Its "shrinking
#   learning rate" cost nothing in 20 epochs (test 0.9691 [0.948, 0.990]).
# - **"Adaptive methods need less learning-rate tuning": not confirmed.**
#   Of the five rates tried, 2 reached the target for Adam, AdamW, Nadam,
#   RMSprop, Adadelta, momentum and Nesterov, 1 for SGD and Adagrad. Every
#   optimizer has a workable band one to two decades wide; only its place
#   differs (Adam 1e-3 to 1e-2, momentum 1e-2 to 1e-1, SGD around 1e-1).
# - **Adadelta: "no global learning rate needed" is refuted.** At 0.01 it
#   reached 0.20 validation accuracy in 8 epochs; only 1.78 and 10 reached
#   the target.
# - **Nadam "converges faster": not supported** (+0.33 epochs [-1.1, +1.8]
#   against Adam, p = 0.42). **AdamW "generalises better": no measurable
#   effect** at this size (test loss -0.0002 [-0.0007, +0.0003], p = 0.26;
#   the same test accuracy on every seed).
# - **L-BFGS** drove the training loss lowest (8e-5 after 20 iterations,
#   against 8e-3 for Adam) in the least time (2.9 s per run against 11.5 s
#   for Adam, no per-batch pipeline), but it overfits without
#   regularisation: validation loss 0.30 [0.02, 0.59] against 0.09 for the
#   others, test accuracy -0.011 [-0.027, +0.005] against Adam (p = 0.095,
#   worse on 3 of 3 seeds), and one seed in three never reached the target.
#   That qualifies "small data, small models": fast there, but it needs
#   early stopping or a penalty to generalise as well.
#
# The sources' advice holds, and this run shows why: tune the learning rate
# before judging an optimizer, and use more than 3 seeds before believing a
# difference of less than about 0.01 in accuracy (`--seeds 10`).

# %% tags=["active-py"]
if __name__ == "__main__":
    main()

# %% [markdown]
# # Regularisation: L2, dropout, batch norm and early stopping against overfitting
#
# **Description:** Train one over-parameterised MLP with no regularisation, L2, dropout, batch norm, early stopping and all of them, over several seeds, and measure the train-validation gap and the test score of each, with intervals and paired tests against no regularisation.
# **Task:** classification
# **Accelerator:** none needed (CPU, a few minutes); runs unchanged on a GPU
#
# ## Introduction
#
# A network with far more weights than training rows can memorise its
# training set: its training loss goes to zero while its validation loss
# turns round and climbs. The usual remedies are
#
# - **L2 weight decay**, which keeps the weights small and the function
#   smooth;
# - **dropout**, said to stop units from co-adapting;
# - **batch normalisation**, said to speed convergence, allow larger learning
#   rates and regularise as a side effect;
# - **early stopping** on the validation loss, which stops before the network
#   memorises and saves compute.
#
# This recipe measures them instead of repeating them. It trains the same
# over-parameterised MLP once per variant and seed, with everything else
# fixed (data, optimizer, learning rate, epoch budget), and reports for each
# variant the **generalisation gap** (validation minus training
# cross-entropy, training minus validation accuracy, both measured in
# inference mode after training), the **test accuracy**, the epochs run and
# the wall time, each as a mean with a 95% interval over seeds; and each
# variant's **paired difference from no regularisation** over the same
# seeds, with a paired t-test and how many seeds it wins.
#
# Run it with `keras-recipes run regularization`; `--variants none,dropout`
# picks variants, `--seeds 5` trains five seeds per variant, `--l2` and
# `--dropout` set their strengths, `--workers 2` shares the runs between two
# processes and `--resume --out DIR` continues a killed run.

# %% [markdown]
# ## Setup

# %%
import dataclasses
import typing

import keras
import numpy as np
from sklearn.model_selection import train_test_split

from keras_recipes.callbacks import EarlyStopping
from keras_recipes.models.rows import take_rows
from keras_recipes.recipes.common import figures
from keras_recipes.recipes.common.config import TabularDataConfig
from keras_recipes.recipes.common.config import check_integer
from keras_recipes.recipes.common.config import check_positive
from keras_recipes.recipes.common.config import check_rate
from keras_recipes.recipes.common.config import option
from keras_recipes.recipes.common.evaluation import test_measures
from keras_recipes.recipes.common.experiments import ComparisonConfig
from keras_recipes.recipes.common.experiments import add_comparison
from keras_recipes.recipes.common.experiments import finish_comparison
from keras_recipes.recipes.common.experiments import run_comparison
from keras_recipes.recipes.common.experiments import total_train_seconds
from keras_recipes.recipes.common.experiments import write_runs
from keras_recipes.recipes.common.list_options import parse_names
from keras_recipes.recipes.common.report import Report
from keras_recipes.recipes.common.run_context import run_main
from keras_recipes.recipes.common.run_context import start_run
from keras_recipes.recipes.common.tabular import build_tabular_model
from keras_recipes.recipes.common.tabular import load_tabular_data
from keras_recipes.tuning import Arm
from keras_recipes.tuning import Experiment
from keras_recipes.tuning import fit_with_optimizer

NAME = "regularization"

# Variant name -> (uses L2, uses dropout, uses batch norm, uses early stopping).
VARIANTS = {
    "none": (False, False, False, False),
    "l2": (True, False, False, False),
    "dropout": (False, True, False, False),
    "batch_norm": (False, False, True, False),
    "early_stopping": (False, False, False, True),
    "all": (True, True, True, True),
}


@dataclasses.dataclass
class Config(ComparisonConfig, TabularDataConfig):
    """Settings of the regularisation comparison."""

    dataset: str = option("classification",
                          "Bundled classification dataset (ignored with --csv).")
    train_rows: int = option(
        200, "Training rows kept (a stratified subset of the training split) "
        "so that overfitting shows; 0 keeps them all.",
        check=lambda name, value: check_integer(name, value, minimum=0))
    variants: str = option(",".join(VARIANTS),
                           f"Comma-separated variants to train, from: {', '.join(VARIANTS)}.",
                           check=lambda name, value: parse_names(value, tuple(VARIANTS), name))
    seeds: int = option(5, "Seeds per variant (seed, seed+1, ...); every variant gets the "
                           "same seeds, so differences are paired.", check=check_integer)
    units: int = option(256, "Width of each hidden layer (over-parameterised on purpose).",
                        check=check_integer)
    depth: int = option(3, "Number of hidden layers.", check=check_integer)
    l2: float = option(1e-2, "L2 factor of the l2 and all variants.", check=check_positive)
    dropout: float = option(0.5, "Dropout rate of the dropout and all variants.",
                            check=check_rate)
    patience: int = option(10, "Early-stopping patience (early_stopping and all variants).",
                           check=check_integer)
    optimizer: str = option("adam", "Optimizer name (see keras_recipes.tuning.list_optimizers()).")
    learning_rate: float = option(1e-3, "Learning rate.", check=check_positive)
    batch_size: int = option(32, "Mini-batch size.", check=check_integer)
    epochs: int = option(40, "Epochs per run (early stopping may end a run sooner).",
                         check=check_integer)

    smoke_settings: typing.ClassVar[dict] = {
        "epochs": 2, "seeds": 2, "variants": "none,all", "train_rows": 60,
        "units": 16, "depth": 2, "patience": 1,
    }


# %% tags=["parameters"]
smoke = False

# %% tags=["active-ipynb"]
# from keras_recipes.recipes.common.notebook_display import show_data, show_report
# config = Config(smoke=smoke).resolved()


# %% [markdown]
# ## Data
#
# The default is the bundled generated `classification` set (scikit-learn's
# `make_classification`: 2000 rows, 20 features of which 8 informative and 4
# redundant, 3 overlapping classes, 1% flipped labels), split 70/15/15; then
# only **200 training rows** (stratified) are kept, while validation and test
# keep their 300 rows each. Why this set: the classes overlap and some labels
# are wrong, so there is noise to memorise, and with 200 rows a 256x3 MLP
# (about 140,000 weights, 700 per training row) reaches 100% training
# accuracy within a few epochs, after which its validation cross-entropy
# climbs to about twice its minimum — plain, measurable overfitting. On the
# bundled `digits` with 300 training rows the same network overfits far more
# benignly: in a trial run (`--dataset digits --train-rows 300 --epochs 60
# --l2 0.001 --dropout 0.3`) its validation cross-entropy rose only from about
# 0.20 to 0.26, and the six variants' mean test accuracies all fell between
# 0.946 and 0.962. The split and the kept rows are fixed by `--seed`; the
# seeds of the runs vary only the initial weights, dropout masks and
# shuffling, and every variant gets the same seeds.

# %%
def load_data(config):
    dataset = load_tabular_data(config, task="classification")
    return keep_training_rows(dataset, config.train_rows, config.seed)


def keep_training_rows(dataset, rows, seed):
    """Keeps a stratified subset of `rows` training rows (0 keeps all), or raises."""
    available = len(dataset.y_train)
    if rows == 0 or rows == available:
        return dataset
    minimum = 2 * dataset.num_classes
    if not minimum <= rows <= available:
        raise ValueError(
            f"The 'train_rows' parameter must be between {minimum} (two per "
            f"class) and {available} (the training split of {dataset.name}), or 0 "
            f"for all. Got {rows} instead.")
    kept, _ = train_test_split(np.arange(available), train_size=rows,
                               stratify=dataset.y_train, random_state=seed)
    kept = np.sort(kept)
    return dataclasses.replace(dataset, x_train=take_rows(dataset.x_train, kept),
                               y_train=dataset.y_train[kept])


# %% tags=["active-ipynb"]
# data = load_data(config)
# show_data(data)


# %% [markdown]
# ## Model
#
# One MLP builder, one switch per remedy: `build_tabular_model` passes
# `l2`, `dropout` and `batch_norm` to the library's `mlp` builder (L2 on every
# hidden kernel; dropout after every hidden activation; batch norm between
# each hidden `Dense` and its activation). Besides the loss (which includes
# the L2 penalty when there is one) the model tracks the plain
# **cross-entropy**, so training and validation losses of all variants are
# compared on the same footing.

# %%
def variant_settings(variant, config):
    """Returns the builder options of a variant and whether it stops early."""
    use_l2, use_dropout, use_batch_norm, stops_early = VARIANTS[variant]
    options = {"l2": config.l2 if use_l2 else 0.0,
               "dropout": config.dropout if use_dropout else 0.0,
               "batch_norm": use_batch_norm}
    return options, stops_early


def build_model(config, dataset, variant):
    options, _ = variant_settings(variant, config)
    model = build_tabular_model(dataset, impute=config.impute, units=config.units,
                                depth=config.depth, **options)
    return model


def cross_entropy_metric(dataset):
    return (keras.metrics.BinaryCrossentropy if dataset.task == "binary"
            else keras.metrics.SparseCategoricalCrossentropy)(name="cross_entropy")


# %% tags=["active-ipynb"]
# build_model(config, data, "none").summary()


# %% [markdown]
# ## Train
#
# Each variant is an arm of the library's experiment engine: it trains every
# variant with every seed (one record per run, written when the run ends, so
# `--resume` loses nothing and `--workers` can share them out). Every run
# has the same epoch budget; the early-stopping variants use the library's
# `EarlyStopping` with `patience` epochs and restore the best weights they
# saw. It watches the validation **cross-entropy**, not `val_loss`: with L2
# on, `val_loss` includes the penalty, which keeps shrinking as the weights
# decay, so early stopping on it may never fire (in a trial run that
# monitored `val_loss`, `all` trained its full 60 epochs in every seed while
# `early_stopping` alone stopped after 17 to 20).
#
# After training, the model is evaluated in inference mode (dropout off,
# batch norm on its moving statistics) on the training, validation and test
# rows: the gap is measured on the model that would be deployed, not on the
# noisy training-mode numbers of the last epoch.

# %%
def variant_arm(config, dataset, variant):
    options, stops_early = variant_settings(variant, config)

    def train(seed):
        callbacks = [EarlyStopping(
            monitor="val_cross_entropy", mode="min", patience=config.patience,
            restore_best_weights=True)] if stops_early else []
        return fit_with_optimizer(
            lambda: build_model(config, dataset, variant), dataset, config.optimizer,
            config.learning_rate, epochs=config.epochs, batch_size=config.batch_size,
            callbacks=callbacks, extra_metrics=[cross_entropy_metric(dataset)])
    return Arm(variant, train, {**options, "early_stopping": stops_early})


def gap_measures(dataset):
    def evaluate(run):
        scores = {part: run.model.evaluate(getattr(dataset, f"x_{part}"),
                                           getattr(dataset, f"y_{part}"),
                                           return_dict=True, verbose=0)
                  for part in ("train", "val")}
        measures = {f"{part}_{key}": scores[part][key] for part in scores
                    for key in ("accuracy", "cross_entropy")}
        return {**test_measures(run.model, dataset), **measures,
                "gap_accuracy": measures["train_accuracy"] - measures["val_accuracy"],
                "gap_loss": measures["val_cross_entropy"] - measures["train_cross_entropy"]}
    return evaluate


# %% [markdown]
# ## Evaluate
#
# Per variant: the mean and its 95% interval over seeds of the test accuracy
# and cross-entropy (`test_loss`, no L2 term), the two gaps, the epochs run
# and the seconds of one run; then each variant's paired difference from
# `none`. The interval figures show each seed as a dot; the curves show the
# validation (and training) cross-entropy per epoch, mean line and min-max
# band over seeds.

# %%
MEASURES = ["test_accuracy", "gap_loss", "gap_accuracy", "test_loss", "epochs",
            "train_seconds"]


def add_figures(report, context, comparison):
    for measure in ("gap_loss", "gap_accuracy"):
        report.add_plot(figures.plot_intervals(comparison, measure, context.plot_path(measure)),
                        f"{measure} per variant: mean, 95% interval and seeds")
    for metric, log_y in (("val_cross_entropy", False), ("cross_entropy", True)):
        path = figures.plot_curves(comparison.curves(), metric, context.plot_path(metric),
                                   log_y=log_y, title=f"{metric} (no L2 term)")
        report.add_plot(path, f"{metric} per epoch (mean, min-max band over seeds)")


# %% [markdown]
# ## Run
#
# `run` validates the settings and the data before the run directory
# exists, then writes `config.json`, `runs.csv` (one row per run),
# `curves.csv`, `metrics.json` (the comparison schema:
# `arms.<variant>.<measure>.{mean,std,ci_low,ci_high,n}` and
# `differences.<variant>.<measure>` against `none`), the best variant's
# `model.keras`, `plots/` and `report.md`.

# %%
def run(config):
    config = config.resolved()
    variants = parse_names(config.variants, tuple(VARIANTS), "variants")
    dataset = load_data(config)
    context = start_run(NAME, config, resume=config.resume)
    context.log(f"{dataset.describe()}; {len(variants)} variants x {config.seeds} seeds")
    comparison = run_comparison(context, Experiment(
        "regularization", [variant_arm(config, dataset, v) for v in variants],
        seeds=config.seed_list, evaluate=gap_measures(dataset),
        reference="none" if "none" in variants else None, save_models=True))
    seconds = total_train_seconds(comparison)
    write_runs(context, comparison)

    report = Report("Regularisation against overfitting", context.run_dir)
    report.add_text(
        f"{dataset.describe()}. Over-parameterised MLP: {config.depth} hidden "
        f"layers of {config.units} units; {config.optimizer} at learning rate "
        f"{config.learning_rate}, batch {config.batch_size}, up to {config.epochs} "
        f"epochs. Gaps are measured after training, in inference mode. All training "
        f"took {seconds:.0f} s.")
    add_comparison(report, comparison, MEASURES, context, heading="Variants")
    add_figures(report, context, comparison)
    return finish_comparison(context, report, comparison, MEASURES, dataset,
                             best_name="best_variant", train_seconds=seconds)


def main(argv=None):
    return run_main(NAME, Config, run, argv, ["best_variant", "train_seconds"])


# %% tags=["active-ipynb"]
# result = run(config)
# show_report(result)


# %% [markdown]
# ## Conclusions
#
# Measured by the default run (`python -m keras_recipes.recipes.regularization`:
# `classification`, 200 training rows, 256x3 MLP, Adam 1e-3, batch 32, 40
# epochs, seeds 42-46; 30 runs). It took 5 min 28 s of wall time on 2 CPU
# cores shared with four other busy jobs (load average about 7), for 2 min
# 31 s of CPU time: expect 2 to 3 minutes on two free cores. The contention
# also makes the wall-clock columns noisy and biased (the arms run one after
# the other while the load changed); epochs are exact. Means with their
# Student-t 95% interval over the 5 seeds; Δ is the paired difference from
# `none` on the same seeds, with the paired t-test's p-value and the seeds
# (of 5) on which the variant is better:
#
# | variant | test accuracy | Δ test accuracy vs none | val − train cross-entropy | Δ cross-entropy gap | train − val accuracy | epochs |
# |---|---|---|---|---|---|---|
# | none | 0.801 [0.790, 0.811] | reference | 1.26 [1.17, 1.34] | reference | 0.257 [0.245, 0.270] | 40 |
# | l2 (1e-2) | 0.796 [0.783, 0.810] | −0.005 [−0.025, +0.016], p = 0.56, 1 of 5 | 0.66 [0.64, 0.69] | −0.59, p = 1e-5, 5 of 5 | 0.250 [0.238, 0.262] | 40 |
# | dropout (0.5) | 0.794 [0.781, 0.807] | −0.007 [−0.017, +0.004], p = 0.15, 1 of 5 | 0.61 [0.53, 0.69] | −0.65, p = 7e-5, 5 of 5 | 0.232 [0.208, 0.257] | 40 |
# | batch_norm | 0.763 [0.758, 0.769] | **−0.037 [−0.050, −0.025]**, p = 0.001, 0 of 5 | 0.76 [0.72, 0.80] | −0.50, p = 3e-5, 5 of 5 | 0.276 [0.264, 0.288] | 40 |
# | early_stopping | 0.775 [0.745, 0.805] | **−0.026 [−0.049, −0.003]**, p = 0.033, 0 of 5 | 0.51 [0.41, 0.61] | −0.75, p = 2e-4, 5 of 5 | 0.243 [0.204, 0.281] | 16.2 [15.2, 17.2] |
# | all | 0.791 [0.779, 0.803] | −0.010 [−0.025, +0.005], p = 0.14, 1 of 5 | 0.34 [0.31, 0.37] | −0.92, p = 4e-6, 5 of 5 | 0.227 [0.212, 0.241] | 40 |
#
# The scikit-learn baselines on the same 200 rows reach 0.717
# (LogisticRegression) and 0.740 (HistGradientBoosting) test accuracy.
#
# - **Overfitting is real here.** Unregularised, the network reaches 100%
#   training accuracy by epoch 10 and its validation cross-entropy climbs
#   from its minimum of 0.72 (epoch 7) to 1.26 (epoch 40), while validation
#   accuracy trails training accuracy by 26 points.
# - **Every remedy cuts the loss gap** — confirmed and resolved at 5 seeds
#   for all five (5 of 5 seeds each, p ≤ 3e-4): from 1.26 to between 0.34
#   (`all`) and 0.76 (`batch_norm`). The test cross-entropy falls with it,
#   from 0.93 to 0.55-0.67 (every variant resolved, 5 of 5 seeds): the
#   regularised networks are much less confidently wrong on unseen rows.
# - **They do not buy test accuracy** — the lore's "better generalisation"
#   needs qualifying. L2 (−0.005), dropout (−0.007) and `all` (−0.010) are
#   not resolved from `none` at 5 seeds (each better on 1 seed of 5); their
#   intervals run from −2.5 to +1.6 points, so this run rules out neither a
#   small gain nor a small loss. The accuracy gap hardly moves: only `all` narrows it
#   by a resolved 3.1 points [0.6, 5.5] (5 of 5); dropout's −2.5 points
#   (5 of 5 seeds, p = 0.08), L2's and early stopping's are not resolved.
#   Most of the gap is the label noise and class overlap of this set,
#   which no regulariser removes.
# - **Early stopping saves compute but costs accuracy here** — the saving
#   is confirmed (16.2 epochs instead of 40, 59% fewer, 5 of 5 seeds); the
#   "no loss in accuracy" is refuted: test accuracy is 2.6 points lower,
#   resolved (0 of 5 seeds better, p = 0.033). It stops on the validation
#   *cross-entropy*, whose minimum (epoch 7) comes before validation
#   accuracy stops rising (0.71 at epoch 7, 0.745 by epoch 15): on noisy
#   labels the two criteria disagree, and the restored weights are the
#   best-calibrated, not the most accurate. Monitor the measure you deploy
#   on.
# - **Batch normalisation does not regularise here** — refuted for this
#   setting: it is the only single remedy with a resolved loss of test
#   accuracy (−3.7 points, 0 of 5 seeds better, p = 0.001), its accuracy
#   gap is if anything wider (+1.9 points, not resolved, p = 0.07), and its
#   validation cross-entropy reaches its minimum at epoch 21 rather than 7.
#   Batch statistics of 32 rows out of 200 add noise rather than useful
#   regularisation; its claimed benefits (larger learning rates, faster
#   convergence of deep nets) are not what this shallow, small-data
#   setting tests.
# - **Stacking everything is not better**: `all` has by far the smallest
#   loss gap (0.34) and the only resolved cut of the accuracy gap, but its
#   test accuracy (0.791) is not resolved from the unregularised 0.801, and
#   it no longer fits its own training rows (94% training accuracy in
#   inference mode, against 100%): L2 1e-2 plus dropout 0.5 plus batch norm
#   holds the network back without any measured gain on the test rows.
#   Regularisers are hyperparameters to tune on validation
#   data, not switches to turn on.
#
# With `--dataset digits --train-rows 300` overfitting is milder and the
# picture is the same in small: all six variants end between 0.946 and 0.962
# test accuracy (see the Data section).

# %% tags=["active-py"]
if __name__ == "__main__":
    main()

# %% [markdown]
# # Regularisation: L2, dropout, batch norm and early stopping against overfitting
#
# **Description:** Train one over-parameterised MLP with no regularisation, L2, dropout, batch norm, early stopping and all of them, over several seeds, and measure the train-validation gap and the test score of each.
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
# inference mode after training), the **test accuracy** (mean ± std over
# seeds), the epochs run and the wall time.
#
# Run it with `keras-recipes run regularization`; `--variants none,dropout`
# picks variants, `--seeds 1,2,3,4,5` adds seeds, `--l2` and `--dropout`
# set their strengths.

# %% [markdown]
# ## Setup

# %%
import dataclasses
import typing

import keras
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from keras_recipes.callbacks import EarlyStopping
from keras_recipes.models import task_loss
from keras_recipes.models import task_metrics
from keras_recipes.recipes.common.comparison import mean_std
from keras_recipes.recipes.common.comparison import plot_curves
from keras_recipes.recipes.common.comparison import timed_fit
from keras_recipes.recipes.common.config import TabularDataConfig
from keras_recipes.recipes.common.constant_columns import drop_constant_columns
from keras_recipes.recipes.common.config import option
from keras_recipes.recipes.common.config import parse_config
from keras_recipes.recipes.common.environment import set_seed
from keras_recipes.recipes.common.list_options import parse_names
from keras_recipes.recipes.common.list_options import parse_seeds
from keras_recipes.recipes.common.report import Report
from keras_recipes.recipes.common.run_context import exit_on_error
from keras_recipes.recipes.common.run_context import print_summary
from keras_recipes.recipes.common.run_context import start_run
from keras_recipes.recipes.common.runs import write_text
from keras_recipes.recipes.common.splits import take_rows
from keras_recipes.recipes.common.tabular import build_tabular_model
from keras_recipes.recipes.common.tabular import load_tabular_data
from keras_recipes.recipes.common.variant_plots import plot_variant_bars
from keras_recipes.tuning import create_optimizer

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
class Config(TabularDataConfig):
    """Settings of the regularisation comparison."""

    dataset: str = option("classification",
                          "Bundled classification dataset (ignored with --csv).")
    train_rows: int = option(
        200, "Training rows kept (a stratified subset of the training split) "
        "so that overfitting shows; 0 keeps them all.")
    variants: str = option(",".join(VARIANTS),
                           f"Comma-separated variants to train, from: {', '.join(VARIANTS)}.")
    seeds: str = option("1,2,3", "Comma-separated seeds of the weights and shuffling; "
                        "each variant is trained once per seed.")
    units: int = option(256, "Width of each hidden layer (over-parameterised on purpose).")
    depth: int = option(3, "Number of hidden layers.")
    l2: float = option(1e-2, "L2 factor of the l2 and all variants.")
    dropout: float = option(0.5, "Dropout rate of the dropout and all variants.")
    patience: int = option(10, "Early-stopping patience (early_stopping and all variants).")
    optimizer: str = option("adam", "Optimizer name (see keras_recipes.tuning.list_optimizers()).")
    learning_rate: float = option(1e-3, "Learning rate.")
    batch_size: int = option(32, "Mini-batch size.")
    epochs: int = option(40, "Epochs per run (early stopping may end a run sooner).")

    smoke_settings: typing.ClassVar[dict] = {
        "epochs": 2, "seeds": "1", "variants": "none,all", "train_rows": 60,
        "units": 16, "depth": 2, "patience": 1,
    }

    def __post_init__(self):
        super().__post_init__()
        parse_names(self.variants, tuple(VARIANTS), "variants")
        parse_seeds(self.seeds)
        if isinstance(self.train_rows, bool) or not isinstance(self.train_rows, int) \
                or self.train_rows < 0:
            raise ValueError(
                "The 'train_rows' parameter must be an integer >= 0 (0 keeps every "
                f"training row). Got {self.train_rows!r} instead.")


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
# 0.946 and 0.962.
#
# Numeric columns that are constant on the kept training rows are dropped
# (`drop_constant_columns`): they carry no information for these rows
# (the blank border pixels of small `digits` subsets, for example).

# %%
def load_data(config):
    dataset = load_tabular_data(config, task="classification")
    dataset = keep_training_rows(dataset, config.train_rows, config.seed)
    dataset, dropped = drop_constant_columns(dataset)
    return dataset, dropped


def keep_training_rows(dataset, rows, seed):
    """Keeps a stratified subset of `rows` training rows (0 keeps all).

    Args:
        dataset: A classification `Dataset`.
        rows: Training rows to keep; `0` keeps every row.
        seed: Seed of the subset.

    Returns:
        A `Dataset` with the same validation and test splits.

    Raises:
        ValueError: If `rows` exceeds the training rows or cannot hold two
            rows per class.
    """
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


def cross_entropy_metric(task):
    """The task's cross-entropy as a metric, named `cross_entropy`."""
    if task == "binary":
        return keras.metrics.BinaryCrossentropy(name="cross_entropy")
    return keras.metrics.SparseCategoricalCrossentropy(name="cross_entropy")


def build_model(config, dataset, variant):
    options, _ = variant_settings(variant, config)
    model = build_tabular_model(dataset, impute=config.impute, units=config.units,
                                depth=config.depth, **options)
    model.compile(
        optimizer=create_optimizer(config.optimizer, learning_rate=config.learning_rate),
        loss=task_loss(dataset.task),
        metrics=[*task_metrics(dataset.task), cross_entropy_metric(dataset.task)],
    )
    return model


# %% [markdown]
# ## Train
#
# Every run has the same epoch budget; the early-stopping variants use the
# library's `EarlyStopping` with `patience` epochs and restore the best
# weights they saw. It watches the validation **cross-entropy**, not
# `val_loss`: with L2 on, `val_loss` includes the penalty, which keeps
# shrinking as the weights decay, so early stopping on it may never fire (in
# a trial run that monitored `val_loss`, `all` trained its full 60 epochs in
# every seed while `early_stopping` alone stopped after 17 to 20).
#
# After training, the model is evaluated in inference mode (dropout off,
# batch norm on its moving statistics) on the training, validation and test
# rows: the gap is measured on the model that would be deployed, not on the
# noisy training-mode numbers of the last epoch.

# %%
def train_variant(config, dataset, variant, seed):
    set_seed(seed)
    model = build_model(config, dataset, variant)
    _, stops_early = variant_settings(variant, config)
    callbacks = [EarlyStopping(monitor="val_cross_entropy", mode="min",
                               patience=config.patience,
                               restore_best_weights=True)] if stops_early else []
    history = timed_fit(
        model, dataset.x_train, dataset.y_train, callbacks=callbacks,
        validation_data=(dataset.x_val, dataset.y_val),
        epochs=config.epochs, batch_size=config.batch_size, verbose=0,
    )
    scores = {part: model.evaluate(getattr(dataset, f"x_{part}"),
                                   getattr(dataset, f"y_{part}"),
                                   return_dict=True, verbose=0)
              for part in ("train", "val", "test")}
    row = {
        "variant": variant, "seed": seed, "epochs": len(history["loss"]),
        "seconds": history["seconds"][-1],
        "train_accuracy": scores["train"]["accuracy"],
        "val_accuracy": scores["val"]["accuracy"],
        "test_accuracy": scores["test"]["accuracy"],
        "train_cross_entropy": scores["train"]["cross_entropy"],
        "val_cross_entropy": scores["val"]["cross_entropy"],
        "test_cross_entropy": scores["test"]["cross_entropy"],
    }
    row["gap_loss"] = row["val_cross_entropy"] - row["train_cross_entropy"]
    row["gap_accuracy"] = row["train_accuracy"] - row["val_accuracy"]
    return row, history


def train_all(config, context, dataset, variants, seeds):
    rows, histories = [], {variant: [] for variant in variants}
    total = len(variants) * len(seeds)
    for index, (variant, seed) in enumerate(
            ((v, s) for v in variants for s in seeds), start=1):
        row, history = train_variant(config, dataset, variant, seed)
        rows.append(row)
        histories[variant].append(history)
        context.log(
            f"[{index}/{total}] {variant:<14} seed {seed}: test accuracy "
            f"{row['test_accuracy']:.3f}, train-val accuracy gap "
            f"{row['gap_accuracy']:+.3f}, {row['epochs']} epochs, {row['seconds']:.1f} s")
    return rows, histories


# %% [markdown]
# ## Evaluate
#
# Per variant: mean ± std over seeds of the test accuracy, of the two gaps
# and of the epochs run, and the mean wall time of one run. The bar chart
# shows the gaps and the test accuracy (error bars: std over seeds); the
# curves show the validation (and training) cross-entropy per epoch, mean
# line and min-max band over seeds.

# %%
GAP_PANELS = {
    "gap_loss": "val − train cross-entropy",
    "gap_accuracy": "train − val accuracy",
    "test_accuracy": "test accuracy",
}


def summarise(rows, variants):
    frame = pd.DataFrame(rows)
    table, metrics, values = [], {}, {}
    for variant in variants:
        runs = frame[frame["variant"] == variant]
        values[variant] = {key: runs[key].tolist() for key in GAP_PANELS}
        table.append({
            "variant": variant,
            "test accuracy": mean_std(runs["test_accuracy"]),
            "train − val accuracy": mean_std(runs["gap_accuracy"], digits=3),
            "val − train cross-entropy": mean_std(runs["gap_loss"], digits=3),
            "train accuracy": mean_std(runs["train_accuracy"]),
            "epochs": mean_std(runs["epochs"], digits=3),
            "seconds per run": f"{runs['seconds'].mean():.1f}",
        })
        for key in ("test_accuracy", "gap_accuracy", "gap_loss", "train_accuracy",
                    "val_cross_entropy", "epochs", "seconds"):
            metrics[f"{variant}_{key}"] = float(runs[key].mean())
        metrics[f"{variant}_test_accuracy_std"] = float(runs["test_accuracy"].std(ddof=0))
    return table, metrics, values


def make_figures(context, histories, values):
    return {
        "Generalisation gap and test accuracy per variant (mean ± std over seeds)":
            plot_variant_bars(values, context.plot_path("gaps"), GAP_PANELS),
        "Validation cross-entropy per epoch (mean, min-max band over seeds)":
            plot_curves(histories, "val_cross_entropy",
                        context.plot_path("val_cross_entropy"),
                        title="validation cross-entropy (no L2 term)"),
        "Training cross-entropy per epoch": plot_curves(
            histories, "cross_entropy", context.plot_path("train_cross_entropy"),
            log_y=True, title="training cross-entropy (no L2 term)"),
    }


# %% [markdown]
# ## Run
#
# `run` validates the settings and the data, then trains every variant and
# seed and writes `config.json`, `runs.csv` (one row per run),
# `metrics.json`, `plots/` and `report.md`.

# %%
def run(config):
    config = config.resolved()
    variants = parse_names(config.variants, tuple(VARIANTS), "variants")
    seeds = parse_seeds(config.seeds)
    dataset, dropped = load_data(config)
    context = start_run(NAME, config)
    context.log(f"{dataset.describe()}; {len(variants)} variants x {len(seeds)} seeds")
    if dropped:
        context.log(f"dropped {len(dropped)} columns constant on the training rows: "
                    f"{', '.join(dropped)}")
    rows, histories = train_all(config, context, dataset, variants, seeds)
    write_text(context.path("runs.csv"), pd.DataFrame(rows).to_csv(index=False))
    table, metrics, values = summarise(rows, variants)
    metrics.update(runs=len(rows), train_seconds=float(sum(r["seconds"] for r in rows)))
    figures = make_figures(context, histories, values)

    report = Report("Regularisation against overfitting", context.run_dir)
    report.add_text(
        f"{dataset.describe()}. Over-parameterised MLP: {config.depth} hidden "
        f"layers of {config.units} units; {config.optimizer} at learning rate "
        f"{config.learning_rate}, batch {config.batch_size}, up to {config.epochs} "
        f"epochs; seeds {', '.join(map(str, seeds))}. Gaps are measured after "
        "training, in inference mode. Columns constant on the training rows, "
        f"dropped: {', '.join(dropped) or 'none'}.")
    report.add_section("Variants (mean ± std over seeds)")
    report.add_table(table)
    for caption, path in figures.items():
        report.add_plot(path, caption)
    report.add_section("All runs")
    report.add_table(rows, columns=["variant", "seed", "epochs", "seconds", "train_accuracy",
                                    "val_accuracy", "test_accuracy", "gap_accuracy",
                                    "gap_loss"])
    report.add_config(config.to_dict(), context.environment)
    return context.finish(metrics, report)


def main(argv=None):
    config = parse_config(Config, argv, prog=f"keras-recipes run {NAME}")
    with exit_on_error(NAME):
        result = run(config)
    variants = parse_names(config.variants, tuple(VARIANTS), "variants")
    print_summary(result, [f"{variant}_test_accuracy" for variant in variants])
    return result


# %% [markdown]
# ## Conclusions
#
# Measured by the default run (`python -m keras_recipes.recipes.regularization`:
# `classification`, 200 training rows, 256x3 MLP, Adam 1e-3, 40 epochs,
# seeds 1, 2, 3; 18 runs, 4 min 52 s of wall time on 2 CPU cores that three
# other jobs were sharing, so about twice what a free machine needs). Mean ±
# std over the three seeds:
#
# | variant | test accuracy | train − val accuracy | val − train cross-entropy | epochs |
# |---|---|---|---|---|
# | none | 0.799 ± 0.012 | 0.257 | 1.23 | 40 |
# | l2 (1e-2) | 0.796 ± 0.007 | 0.243 | 0.66 | 40 |
# | dropout (0.5) | 0.803 ± 0.003 | 0.217 | 0.60 | 40 |
# | batch_norm | 0.768 ± 0.018 | 0.287 | 0.77 | 40 |
# | early_stopping | 0.788 ± 0.015 | 0.194 | 0.38 | 15 |
# | all | 0.764 ± 0.010 | 0.229 | 0.32 | 40 |
#
# - **Overfitting is real here.** Unregularised, the network reaches 100%
#   training accuracy and its validation cross-entropy climbs from about 0.69
#   (epoch 5) to 1.23 (epoch 40), while validation accuracy trails training
#   accuracy by 26 points.
# - **L2, dropout and early stopping do what the lore says to the loss** —
#   confirmed: they cut the validation-minus-training cross-entropy gap from
#   1.23 to 0.66, 0.60 and 0.38, i.e. they stop the network from becoming
#   confidently wrong on unseen rows.
# - **They do not buy test accuracy here** — the lore's "better
#   generalisation" needs qualifying: no single remedy beats the
#   unregularised 0.799 by more than its seed spread (dropout 0.803 ± 0.003 is
#   the best; l2 0.796 and early stopping 0.788 are within noise). The
#   accuracy gap shrinks only a little (26 → 19-24 points); most of it is the
#   label noise and class overlap of this set, which no regulariser removes.
# - **Early stopping saves compute** — confirmed: it stopped after 15 epochs
#   in every seed (best epoch 5, patience 10), 62% fewer epochs and 36% less
#   wall time per run than the 40-epoch budget, at a test accuracy within
#   noise of the full run (0.788 vs 0.799).
# - **Batch normalisation does not regularise here** — refuted for this
#   setting: it has the largest accuracy gap (0.287) and the lowest test
#   accuracy of the single remedies (0.768 ± 0.018), and its validation loss
#   reaches its minimum later (about epoch 20) than the plain network's
#   (epoch 5). Batch statistics of 32 rows out of 200 add noise rather than
#   useful regularisation; its claimed benefits (larger learning rates,
#   faster convergence of deep nets) are not what this shallow, small-data
#   setting tests.
# - **Stacking everything is not better**: `all` has the smallest loss gap
#   (0.32) but the lowest test accuracy (0.764 ± 0.010): L2 1e-2 plus dropout
#   0.5 plus batch norm underfits the informative structure. Regularisers are
#   hyperparameters to tune on validation data, not switches to turn on.
#
# With `--dataset digits --train-rows 300` overfitting is milder and the
# picture is the same in small: all six variants end between 0.946 and 0.962
# test accuracy (see the Data section).

# %% tags=["parameters"]
smoke = False

# %% tags=["active-ipynb"]
# result = run(Config(smoke=smoke))
# result.metrics

# %% tags=["active-py"]
if __name__ == "__main__":
    main()

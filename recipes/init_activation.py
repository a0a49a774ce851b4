# %% [markdown]
# # Activations and initialisers: vanishing gradients in a deep MLP
#
# **Description:** Train a 10-layer MLP with sigmoid, tanh, ReLU, SELU and GELU, each with its matching initialiser, and measure the per-layer gradient norms at initialisation and how fast each one learns.
# **Task:** classification
# **Accelerator:** none needed (CPU, a few minutes); runs unchanged on a GPU
#
# ## Introduction
#
# The lore: a deep network built from **sigmoid** (or tanh) units with the
# wrong initialisation suffers from **vanishing gradients** — the gradient
# shrinks by a constant factor through every layer, so the layers near the
# input barely learn — while the **ReLU family** with **He** initialisation
# (and SELU with LeCun normal, tanh with Glorot/Xavier) keeps the gradient
# at the same scale through the depth.
#
# This recipe measures it on one deep MLP (10 hidden layers of 64 units by
# default), changing only the activation and the kernel initialiser:
#
# - the **L2 norm of the loss gradient of every layer** at initialisation,
#   on one batch of training rows (`keras_recipes.callbacks.gradient_norms`),
#   plotted per layer on a log scale, and the ratio of the first hidden
#   layer's gradient norm to the output layer's (≪ 1: vanishing; ≫ 1:
#   exploding);
# - the **convergence curves** (validation loss and accuracy per epoch), the
#   **epochs to a target validation accuracy** and the **final test
#   accuracy**, mean ± std over seeds.
#
# The optimizer is SGD with momentum, so a layer's step is proportional to its
# gradient and the gradient norms translate directly into learning speed. An
# adaptive optimizer such as Adam rescales each weight's step by its own
# gradient history, which could in principle make up for small gradients;
# `--optimizer adam --learning-rate 0.001` tests that (see Conclusions). Run it with
# `keras-recipes run init_activation`; `--pairs relu:he_normal,tanh:glorot_uniform`
# picks the activation:initialiser pairs, `--depth` the number of layers.

# %% [markdown]
# ## Setup

# %%
import dataclasses
import typing

import numpy as np
import pandas as pd

from keras_recipes.callbacks import gradient_norms
from keras_recipes.models import task_loss
from keras_recipes.models import task_metrics
from keras_recipes.models.options import ACTIVATIONS
from keras_recipes.models.options import INITIALIZERS
from keras_recipes.recipes.common.comparison import first_epoch_reaching
from keras_recipes.recipes.common.comparison import mean_std
from keras_recipes.recipes.common.comparison import plot_curves
from keras_recipes.recipes.common.comparison import timed_fit
from keras_recipes.recipes.common.config import TabularDataConfig
from keras_recipes.recipes.common.config import option
from keras_recipes.recipes.common.config import parse_config
from keras_recipes.recipes.common.constant_columns import drop_constant_columns
from keras_recipes.recipes.common.environment import set_seed
from keras_recipes.recipes.common.list_options import parse_pairs
from keras_recipes.recipes.common.list_options import parse_seeds
from keras_recipes.recipes.common.report import Report
from keras_recipes.recipes.common.run_context import exit_on_error
from keras_recipes.recipes.common.run_context import print_summary
from keras_recipes.recipes.common.run_context import start_run
from keras_recipes.recipes.common.runs import write_text
from keras_recipes.recipes.common.splits import take_rows
from keras_recipes.recipes.common.tabular import build_tabular_model
from keras_recipes.recipes.common.tabular import load_tabular_data
from keras_recipes.recipes.common.variant_plots import plot_layer_values
from keras_recipes.tuning import create_optimizer

NAME = "init_activation"
DEFAULT_PAIRS = ("sigmoid:glorot_uniform,tanh:glorot_uniform,relu:he_normal,"
                 "selu:lecun_normal,gelu:he_normal")


def parse_activation_pairs(text):
    """Parses `"relu:he_normal,..."` against the MLP builder's valid names."""
    return parse_pairs(text, ACTIVATIONS, tuple(INITIALIZERS), "pairs",
                       names=("activation", "initializer"))


@dataclasses.dataclass
class Config(TabularDataConfig):
    """Settings of the activation and initialiser comparison."""

    dataset: str = option("digits", "Bundled classification dataset (ignored with --csv).")
    pairs: str = option(DEFAULT_PAIRS, "Comma-separated activation:initializer pairs; "
                        f"activations: {', '.join(ACTIVATIONS)}; initializers: "
                        f"{', '.join(INITIALIZERS)}.")
    seeds: str = option("1,2,3", "Comma-separated seeds of the weights and shuffling.")
    depth: int = option(10, "Number of hidden layers.")
    units: int = option(64, "Width of each hidden layer.")
    optimizer: str = option("momentum",
                            "Optimizer name (see keras_recipes.tuning.list_optimizers()).")
    learning_rate: float = option(0.01, "Learning rate.")
    batch_size: int = option(64, "Mini-batch size.")
    epochs: int = option(20, "Epochs per run.")
    target_accuracy: float = option(0.9, "Validation accuracy whose first epoch is reported.")
    probe_rows: int = option(256, "Training rows of the batch the initial gradient norms use.")

    smoke_settings: typing.ClassVar[dict] = {
        "pairs": "sigmoid:glorot_uniform,relu:he_normal", "seeds": "1", "depth": 3,
        "units": 16, "epochs": 2, "probe_rows": 64,
    }

    def __post_init__(self):
        super().__post_init__()
        parse_activation_pairs(self.pairs)
        parse_seeds(self.seeds)
        if not 0 < self.target_accuracy <= 1:
            raise ValueError("The 'target_accuracy' parameter must be in (0, 1]. "
                             f"Got {self.target_accuracy!r} instead.")
        if self.probe_rows < 1:
            raise ValueError("The 'probe_rows' parameter must be an integer >= 1. "
                             f"Got {self.probe_rows!r} instead.")


# %% [markdown]
# ## Data
#
# The default is scikit-learn's bundled `digits` (1797 8x8 digit images as
# 64 pixel features, 10 classes), split 70/15/15. It is small enough to
# train a 10-layer network many times on a CPU, and hard enough that a
# network whose lower layers do not learn stays far below the 90% target.
# Pixel columns that are blank in every training image are dropped (they
# carry no information, and a zero standard deviation would blow up their
# standardised values). The gradient probe is the first `probe_rows`
# training rows.

# %%
def load_data(config):
    dataset = load_tabular_data(config, task="classification")
    dataset, _ = drop_constant_columns(dataset)
    return dataset


def probe_batch(dataset, rows):
    """The first `rows` training rows and their labels."""
    indices = np.arange(min(rows, len(dataset.y_train)))
    return take_rows(dataset.x_train, indices), dataset.y_train[indices]


# %% [markdown]
# ## Model
#
# The library's MLP builder with `depth` hidden `Dense` layers
# (`dense_0` nearest the input ... `dense_9`), each followed by the
# activation, and a softmax head (`head`). Only `activation` and
# `kernel_initializer` change between runs; both are validated against the
# builder's lists (`keras_recipes.models.options`). The initialisers keep a
# layer's output variance near its input variance when matched to the
# activation: Glorot/Xavier assumes a linear-ish unit around 0 (tanh), He
# doubles the variance to make up for ReLU zeroing half its inputs, LeCun
# normal is what SELU's self-normalising property was derived for.

# %%
def build_model(config, dataset, activation, initializer):
    model = build_tabular_model(
        dataset, impute=config.impute, units=config.units, depth=config.depth,
        activation=activation, kernel_initializer=initializer,
    )
    model.compile(
        optimizer=create_optimizer(config.optimizer, learning_rate=config.learning_rate),
        loss=task_loss(dataset.task),
        metrics=task_metrics(dataset.task),
    )
    return model


# %% [markdown]
# ## Train
#
# For every pair and seed: seed everything, build the model, measure the
# per-layer gradient norms of the loss on the probe batch *before* the first
# update, then train with validation every epoch and evaluate on the test
# split.

# %%
def pair_label(activation, initializer):
    return f"{activation}+{initializer}"


def train_pair(config, dataset, probe, activation, initializer, seed):
    set_seed(seed)
    model = build_model(config, dataset, activation, initializer)
    norms = gradient_norms(model, *probe)
    history = timed_fit(
        model, dataset.x_train, dataset.y_train,
        validation_data=(dataset.x_val, dataset.y_val),
        epochs=config.epochs, batch_size=config.batch_size, verbose=0,
    )
    test = model.evaluate(dataset.x_test, dataset.y_test, return_dict=True, verbose=0)
    layers = list(norms)
    reached = first_epoch_reaching(history, "val_accuracy", config.target_accuracy)
    row = {
        "pair": pair_label(activation, initializer), "seed": seed,
        "first_layer_grad_norm": norms[layers[0]],
        "last_layer_grad_norm": norms[layers[-1]],
        "grad_ratio": norms[layers[0]] / norms[layers[-1]],
        "final_val_accuracy": history["val_accuracy"][-1],
        "test_accuracy": test["accuracy"], "test_loss": test["loss"],
        "epochs_to_target": reached,
        "seconds_to_target": None if reached is None else history["seconds"][reached - 1],
        "seconds": history["seconds"][-1],
    }
    return row, norms, history


def train_all(config, context, dataset, pairs, seeds):
    probe = probe_batch(dataset, config.probe_rows)
    rows, norms, histories = [], {}, {}
    total = len(pairs) * len(seeds)
    runs = ((pair, seed) for pair in pairs for seed in seeds)
    for index, ((activation, initializer), seed) in enumerate(runs, start=1):
        row, layer_norms, history = train_pair(config, dataset, probe, activation,
                                               initializer, seed)
        rows.append(row)
        norms.setdefault(row["pair"], []).append(layer_norms)
        histories.setdefault(row["pair"], []).append(history)
        reached = row["epochs_to_target"]
        context.log(
            f"[{index}/{total}] {row['pair']:<22} seed {seed}: gradient ratio "
            f"first/last {row['grad_ratio']:.2g}, test accuracy {row['test_accuracy']:.3f}, "
            f"target reached {'never' if reached is None else f'at epoch {reached}'}, "
            f"{row['seconds']:.1f} s")
    return rows, norms, histories


# %% [markdown]
# ## Evaluate
#
# Gradient norms span orders of magnitude, so they are summarised by their
# geometric mean over seeds (with the min-max range) and plotted on a log
# scale. Accuracies are mean ± std over seeds; epochs to target average the
# runs that reached it, and the table says how many did.

# %%
def geometric_summary(values):
    values = np.asarray(values, dtype="float64")
    centre = float(np.exp(np.mean(np.log(values))))
    if len(values) == 1:
        return centre, f"{centre:.2g}"
    return centre, f"{centre:.2g} ({values.min():.2g}–{values.max():.2g})"


def summarise(rows, pairs, target):
    frame = pd.DataFrame(rows)
    table, metrics = [], {}
    for activation, initializer in pairs:
        label = pair_label(activation, initializer)
        key = f"{activation}_{initializer}"
        runs = frame[frame["pair"] == label]
        ratio, ratio_text = geometric_summary(runs["grad_ratio"])
        first, first_text = geometric_summary(runs["first_layer_grad_norm"])
        reached = [e for e in runs["epochs_to_target"] if e is not None and e == e]
        table.append({
            "activation + initializer": label,
            "grad norm, first hidden layer": first_text,
            "grad ratio first/last": ratio_text,
            "test accuracy": mean_std(runs["test_accuracy"]),
            f"epochs to val acc {target:g}": (
                f"{mean_std(reached, digits=3)} ({len(reached)}/{len(runs)} runs)"
                if reached else f"not reached (0/{len(runs)})"),
            "seconds per run": f"{runs['seconds'].mean():.1f}",
        })
        metrics[f"{key}_grad_ratio"] = ratio
        metrics[f"{key}_first_layer_grad_norm"] = first
        metrics[f"{key}_test_accuracy"] = float(runs["test_accuracy"].mean())
        metrics[f"{key}_test_accuracy_std"] = float(runs["test_accuracy"].std(ddof=0))
        metrics[f"{key}_runs_reaching_target"] = len(reached)
        if reached:
            metrics[f"{key}_epochs_to_target"] = float(np.mean(reached))
    return table, metrics


def make_figures(context, norms, histories):
    return {
        "Gradient L2 norm per layer at initialisation (geometric mean, min-max band "
        "over seeds; log scale)": plot_layer_values(
            norms, context.plot_path("gradient_norms"), "gradient L2 norm",
            title="per-layer gradient norm before training"),
        "Validation accuracy per epoch (mean, min-max band over seeds)": plot_curves(
            histories, "val_accuracy", context.plot_path("val_accuracy"),
            title="validation accuracy"),
        "Validation loss per epoch (log scale)": plot_curves(
            histories, "val_loss", context.plot_path("val_loss"), log_y=True,
            title="validation loss"),
    }


# %% [markdown]
# ## Run
#
# `run` validates the settings and the data, trains every pair and seed and
# writes `config.json`, `runs.csv` (one row per run), `gradient_norms.csv`
# (one row per run and layer), `metrics.json`, `plots/` and `report.md`.

# %%
def run(config):
    config = config.resolved()
    pairs = parse_activation_pairs(config.pairs)
    seeds = parse_seeds(config.seeds)
    dataset = load_data(config)
    context = start_run(NAME, config)
    context.log(f"{dataset.describe()}; {len(pairs)} pairs x {len(seeds)} seeds, "
                f"{config.depth} hidden layers of {config.units} units")
    rows, norms, histories = train_all(config, context, dataset, pairs, seeds)
    write_text(context.path("runs.csv"), pd.DataFrame(rows).to_csv(index=False))
    norm_rows = [{"pair": label, "seed": seed, "layer": layer, "grad_norm": value}
                 for label, per_seed in norms.items()
                 for seed, layer_norms in zip(seeds, per_seed)
                 for layer, value in layer_norms.items()]
    write_text(context.path("gradient_norms.csv"), pd.DataFrame(norm_rows).to_csv(index=False))
    table, metrics = summarise(rows, pairs, config.target_accuracy)
    metrics.update(runs=len(rows), train_seconds=float(sum(r["seconds"] for r in rows)))
    figures = make_figures(context, norms, histories)

    report = Report("Activations, initialisers and vanishing gradients", context.run_dir)
    report.add_text(
        f"{dataset.describe()}. MLP with {config.depth} hidden layers of "
        f"{config.units} units; {config.optimizer} at learning rate "
        f"{config.learning_rate}, batch {config.batch_size}, {config.epochs} epochs; "
        f"seeds {', '.join(map(str, seeds))}. Gradient norms are measured before the "
        f"first update on {min(config.probe_rows, len(dataset.y_train))} training "
        "rows; the ratio divides the first hidden layer's norm by the output "
        "layer's.")
    report.add_section("Pairs (over seeds)")
    report.add_table(table)
    for caption, path in figures.items():
        report.add_plot(path, caption)
    report.add_section("All runs")
    report.add_table(rows, columns=["pair", "seed", "first_layer_grad_norm",
                                    "last_layer_grad_norm", "grad_ratio", "test_accuracy",
                                    "epochs_to_target", "seconds"])
    report.add_config(config.to_dict(), context.environment)
    return context.finish(metrics, report)


def main(argv=None):
    config = parse_config(Config, argv, prog=f"keras-recipes run {NAME}")
    with exit_on_error(NAME):
        result = run(config)
    keys = [f"{activation}_{initializer}_test_accuracy"
            for activation, initializer in parse_activation_pairs(config.pairs)]
    print_summary(result, keys)
    return result


# %% [markdown]
# ## Conclusions
#
# Measured by the default run (`python -m keras_recipes.recipes.init_activation`:
# `digits`, 10 hidden layers of 64 units, SGD with momentum 0.9 at learning
# rate 0.01, batch 64, 20 epochs, seeds 1, 2, 3; 15 runs, 3 min 20 s of wall
# time on 2 CPU cores shared with three other jobs, so roughly twice what a
# free machine needs). Gradient norms: geometric mean over seeds (min-max);
# accuracies: mean ± std.
#
# | activation + initializer | grad norm, first layer | ratio first/last | test accuracy | epochs to 90% val |
# |---|---|---|---|---|
# | sigmoid + glorot_uniform | 8.9e-07 | 1.4e-06 (1.2e-06–1.5e-06) | 0.101 ± 0.002 | never (0/3) |
# | tanh + glorot_uniform | 0.47 | 1.4 (1.1–1.6) | 0.968 ± 0.002 | 4.7 ± 0.9 |
# | relu + he_normal | 0.87 | 0.32 (0.20–0.75) | 0.951 ± 0.005 | 6.7 ± 0.9 |
# | selu + lecun_normal | 2.1 | 1.4 (1.2–1.6) | 0.953 ± 0.007 | 2 ± 0 |
# | gelu + he_normal | 0.74 | 0.60 (0.35–1.5) | 0.958 ± 0.009 | 7 ± 0.8 |
#
# - **Sigmoid vanishes** — confirmed, and dramatically: the gradient shrinks by
#   a factor of about 4 per layer (the sigmoid's slope is at most 0.25), so
#   the first hidden layer gets a gradient about 700,000 times smaller than
#   the output layer's. The network never leaves chance level (10% on ten classes)
#   in 20 epochs, in any seed.
# - **"Sigmoid/tanh vs ReLU" is the wrong split** — refuted for tanh: tanh with
#   Glorot initialisation keeps the gradient flat through all ten layers
#   (ratio 1.1–1.6) and is the most accurate pair here (0.968), reaching 90%
#   validation accuracy sooner than ReLU + He (4.7 vs 6.7 epochs). What
#   matters is an activation with slope about 1 around 0 plus the initialiser
#   made for it, not the ReLU family as such.
# - **ReLU/GELU + He and SELU + LeCun keep gradients alive** — confirmed
#   (first/last ratios between 0.2 and 1.6, no decay with depth), and all
#   train to 95–96%. SELU + LeCun normal was the fastest starter: 90%
#   validation accuracy after 2 epochs in every seed.
# - **Sensitivity to initialisation** between seeds is small for every working
#   pair (test-accuracy std ≤ 0.009); the choice of *scheme* matters by
#   orders of magnitude, the random draw within it hardly at all.
# - **An adaptive optimizer does not rescue the sigmoid network.** With
#   `--optimizer adam --learning-rate 0.001 --pairs
#   sigmoid:glorot_uniform,tanh:glorot_uniform,relu:he_normal` (9 runs, 2 min
#   21 s), sigmoid still ends at chance (test 0.103 ± 0.002, validation 0.100
#   in every seed) while tanh (0.963 ± 0.005) and ReLU (0.943 ± 0.003) train
#   as before. Rescaling each weight's step does not help when the gradient
#   of the lower layers is a millionth of the top's; this recipe does not
#   measure why (the forward signal being squashed through ten sigmoids is a
#   likely part of it).

# %% tags=["parameters"]
smoke = False

# %% tags=["active-ipynb"]
# result = run(Config(smoke=smoke))
# result.metrics

# %% tags=["active-py"]
if __name__ == "__main__":
    main()

# %% [markdown]
# # Activations and initialisers: vanishing gradients in a deep MLP
#
# **Description:** Train a 10-layer MLP with sigmoid, tanh, ReLU, SELU and GELU, each with its matching initialiser, and measure the per-layer gradient norms at initialisation and how fast each one learns, with intervals and paired tests against ReLU with He initialisation.
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
#   layer's gradient norm to the output layer's, in decades
#   (`log10_grad_ratio`: ≪ 0 vanishing, ≫ 0 exploding);
# - the **convergence curves** (validation loss and accuracy per epoch), the
#   **epochs to a target validation accuracy** and the **final test
#   accuracy**.
#
# Every number is a mean with a 95% interval over seeds, and every pair's
# difference from **ReLU + He** (the reference) is paired over the same
# seeds, with a paired t-test and how many seeds it wins.
#
# The optimizer is SGD with momentum, so a layer's step is proportional to its
# gradient and the gradient norms translate directly into learning speed. An
# adaptive optimizer such as Adam rescales each weight's step by its own
# gradient history, which could in principle make up for small gradients;
# `--optimizer adam --learning-rate 0.001` tests that (see Conclusions). Run it with
# `keras-recipes run init_activation`; `--pairs relu:he_normal,tanh:glorot_uniform`
# picks the activation:initialiser pairs, `--depth` the number of layers,
# `--seeds 5` the seeds per pair, `--workers 2` shares the runs between two
# processes and `--resume --out DIR` continues a killed run.

# %% [markdown]
# ## Setup

# %%
import dataclasses
import math
import typing

import numpy as np

from keras_recipes.callbacks import gradient_norms
from keras_recipes.models import task_loss
from keras_recipes.models.options import ACTIVATIONS
from keras_recipes.models.options import INITIALIZERS
from keras_recipes.models.rows import take_rows
from keras_recipes.recipes.common import figures
from keras_recipes.recipes.common.config import TabularDataConfig
from keras_recipes.recipes.common.config import check_fraction
from keras_recipes.recipes.common.config import check_integer
from keras_recipes.recipes.common.config import check_positive
from keras_recipes.recipes.common.config import option
from keras_recipes.recipes.common.evaluation import test_measures
from keras_recipes.recipes.common.experiments import ComparisonConfig
from keras_recipes.recipes.common.experiments import add_comparison
from keras_recipes.recipes.common.experiments import finish_comparison
from keras_recipes.recipes.common.experiments import run_comparison
from keras_recipes.recipes.common.experiments import total_train_seconds
from keras_recipes.recipes.common.experiments import write_runs
from keras_recipes.recipes.common.list_options import parse_pairs
from keras_recipes.recipes.common.report import Report
from keras_recipes.recipes.common.run_context import run_main
from keras_recipes.recipes.common.run_context import start_run
from keras_recipes.recipes.common.tabular import build_tabular_model
from keras_recipes.recipes.common.tabular import load_tabular_data
from keras_recipes.tuning import Arm
from keras_recipes.tuning import Experiment
from keras_recipes.tuning import Target
from keras_recipes.tuning import fit_with_optimizer

NAME = "init_activation"
REFERENCE = "relu+he_normal"
DEFAULT_PAIRS = ("sigmoid:glorot_uniform,tanh:glorot_uniform,relu:he_normal,"
                 "selu:lecun_normal,gelu:he_normal")


def parse_activation_pairs(text, parameter="pairs"):
    """Parses `"relu:he_normal,..."` against the MLP builder's valid names."""
    return parse_pairs(text, ACTIVATIONS, tuple(INITIALIZERS), parameter,
                       names=("activation", "initializer"))


@dataclasses.dataclass
class Config(ComparisonConfig, TabularDataConfig):
    """Settings of the activation and initialiser comparison."""

    dataset: str = option("digits", "Bundled classification dataset (ignored with --csv).")
    pairs: str = option(DEFAULT_PAIRS, "Comma-separated activation:initializer pairs; "
                        f"activations: {', '.join(ACTIVATIONS)}; initializers: "
                        f"{', '.join(INITIALIZERS)}.",
                        check=lambda name, value: parse_activation_pairs(value, name))
    seeds: int = option(5, "Seeds per pair (seed, seed+1, ...); every pair gets the same "
                           "seeds, so differences are paired.", check=check_integer)
    depth: int = option(10, "Number of hidden layers.", check=check_integer)
    units: int = option(64, "Width of each hidden layer.", check=check_integer)
    optimizer: str = option("momentum",
                            "Optimizer name (see keras_recipes.tuning.list_optimizers()).")
    learning_rate: float = option(0.01, "Learning rate.", check=check_positive)
    batch_size: int = option(64, "Mini-batch size.", check=check_integer)
    epochs: int = option(20, "Epochs per run.", check=check_integer)
    target_accuracy: float = option(0.9, "Validation accuracy whose first epoch is reported.",
                                    check=check_fraction)
    probe_rows: int = option(256, "Training rows of the batch the initial gradient norms use.",
                             check=check_integer)

    smoke_settings: typing.ClassVar[dict] = {
        "pairs": "sigmoid:glorot_uniform,relu:he_normal", "seeds": 2, "depth": 3,
        "units": 16, "epochs": 2, "probe_rows": 64,
    }


# %% tags=["parameters"]
smoke = False

# %% tags=["active-ipynb"]
# from keras_recipes.recipes.common.notebook_display import show_data, show_report
# config = Config(smoke=smoke).resolved()


# %% [markdown]
# ## Data
#
# The default is scikit-learn's bundled `digits` (1797 8x8 digit images as
# 64 pixel features, 10 classes), split 70/15/15 by `--seed`. It is small
# enough to train a 10-layer network many times on a CPU, and hard enough
# that a network whose lower layers do not learn stays far below the 90%
# target. The gradient probe is the first `probe_rows` training rows.

# %%
def load_data(config):
    return load_tabular_data(config, task="classification")


def probe_batch(dataset, rows):
    """The first `rows` training rows and their labels."""
    indices = np.arange(min(rows, len(dataset.y_train)))
    return take_rows(dataset.x_train, indices), dataset.y_train[indices]


# %% tags=["active-ipynb"]
# data = load_data(config)
# show_data(data)


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
    return build_tabular_model(
        dataset, impute=config.impute, units=config.units, depth=config.depth,
        activation=activation, kernel_initializer=initializer)


# %% tags=["active-ipynb"]
# build_model(config, data, *parse_activation_pairs(config.pairs)[0]).summary()


# %% [markdown]
# ## Train
#
# Each pair is an arm of the library's experiment engine, which trains it
# with every seed (one record per run, written when the run ends, so
# `--resume` loses nothing and `--workers` can share them out). A run builds
# the model from its seed, measures the per-layer gradient norms of the loss
# on the probe batch *before* the first update, then trains with
# `fit_with_optimizer` (validation every epoch); the norms travel with the
# run and are recorded among its measures, next to the test scores.

# %%
def pair_arm(config, dataset, probe, activation, initializer):
    def train(seed):
        model = build_model(config, dataset, activation, initializer)
        model.compile(loss=task_loss(dataset.task))
        norms = gradient_norms(model, *probe)
        run = fit_with_optimizer(model, dataset, config.optimizer, config.learning_rate,
                                 epochs=config.epochs, batch_size=config.batch_size)
        run.gradient_norms = norms
        return run
    return Arm(f"{activation}+{initializer}", train,
               {"activation": activation, "initializer": initializer})


def run_measures(dataset, target):
    def evaluate(run):
        norms = run.gradient_norms
        first, last = norms[next(iter(norms))], norms[list(norms)[-1]]
        return {**test_measures(run.model, dataset),
                "log10_grad_ratio": math.log10(first / last) if first > 0 else -math.inf,
                "first_layer_grad_norm": first,
                "reached_target": float(target.first_epoch(run.history) is not None),
                **{f"grad_norm_{layer}": value for layer, value in norms.items()}}
    return evaluate


# %% [markdown]
# ## Evaluate
#
# Gradient norms span orders of magnitude, so the ratio first/last is
# reported in decades (`log10_grad_ratio`; -6 is a first layer with a
# millionth of the head's gradient) and the per-layer plot draws the
# geometric mean over seeds with the min-max band on a log scale.
# `epochs_to_target` averages the runs that reached the target (`n` says
# how many); `reached_target` is the fraction of seeds that did.

# %%
MEASURES = ["test_accuracy", "log10_grad_ratio", "first_layer_grad_norm",
            "epochs_to_target", "reached_target", "test_loss", "train_seconds"]


def plot_gradient_norms(comparison, path):
    layers = [key for key in comparison.rows[0] if key.startswith("grad_norm_")]
    figure, (axis,) = figures.new_figure(width=7.5)
    positions = np.arange(len(layers))
    for index, arm in enumerate(comparison.arms):
        norms = np.array([comparison.values(layer, arm) for layer in layers], dtype="float64")
        norms = np.maximum(norms, 1e-30)  # layers x seeds, positive for the log
        axis.plot(positions, np.exp(np.log(norms).mean(axis=1)), marker="o",
                  color=f"C{index}", label=arm)
        axis.fill_between(positions, norms.min(axis=1), norms.max(axis=1),
                          color=f"C{index}", alpha=0.15)
    axis.set_xticks(positions, [layer[len("grad_norm_"):] for layer in layers],
                    rotation=45, ha="right")
    axis.set(xlabel="layer (input side first)", ylabel="gradient L2 norm", yscale="log",
             title="per-layer gradient norm before training")
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize="small")
    return figures.save_figure(figure, path)


def add_figures(report, context, comparison):
    report.add_plot(plot_gradient_norms(comparison, context.plot_path("gradient_norms")),
                    "Gradient L2 norm per layer at initialisation (geometric mean, "
                    "min-max band over seeds; log scale)")
    for metric, log_y in (("val_accuracy", False), ("val_loss", True)):
        path = figures.plot_curves(comparison.curves(), metric, context.plot_path(metric),
                                   log_y=log_y)
        report.add_plot(path, f"{metric} per epoch (mean, min-max band over seeds)")


# %% [markdown]
# ## Run
#
# `run` validates the settings and the data before the run directory
# exists, then writes `config.json`, `runs.csv` (one row per run, with the
# gradient norm of every layer as `grad_norm_<layer>`), `curves.csv`,
# `metrics.json` (the comparison schema: `arms.<pair>.<measure>.{mean,std,
# ci_low,ci_high,n}` and `differences.<pair>.<measure>` against ReLU + He),
# the best pair's `model.keras`, `plots/` and `report.md`.

# %%
def run(config):
    config = config.resolved()
    pairs = parse_activation_pairs(config.pairs)
    dataset = load_data(config)
    context = start_run(NAME, config, resume=config.resume)
    context.log(f"{dataset.describe()}; {len(pairs)} pairs x {config.seeds} seeds, "
                f"{config.depth} hidden layers of {config.units} units")
    probe = probe_batch(dataset, config.probe_rows)
    target = Target("val_accuracy", config.target_accuracy)
    arms = [pair_arm(config, dataset, probe, *pair) for pair in pairs]
    comparison = run_comparison(context, Experiment(
        "init_activation", arms, seeds=config.seed_list,
        evaluate=run_measures(dataset, target), target=target, save_models=True,
        reference=REFERENCE if REFERENCE in [arm.name for arm in arms] else None))
    seconds = total_train_seconds(comparison)
    write_runs(context, comparison)

    report = Report("Activations, initialisers and vanishing gradients", context.run_dir)
    report.add_text(
        f"{dataset.describe()}. MLP with {config.depth} hidden layers of "
        f"{config.units} units; {config.optimizer} at learning rate "
        f"{config.learning_rate}, batch {config.batch_size}, {config.epochs} epochs; "
        f"target validation accuracy {config.target_accuracy}. Gradient norms are "
        f"measured before the first update on {len(probe[1])} training rows. All "
        f"training took {seconds:.0f} s.")
    add_comparison(report, comparison, MEASURES, context, heading="Pairs")
    add_figures(report, context, comparison)
    return finish_comparison(context, report, comparison, MEASURES, dataset,
                             best_name="best_pair", train_seconds=seconds)


def main(argv=None):
    return run_main(NAME, Config, run, argv, ["best_pair", "train_seconds"])


# %% tags=["active-ipynb"]
# result = run(config)
# show_report(result)


# %% [markdown]
# ## Conclusions
#
# Measured by the default run (`python -m keras_recipes.recipes.init_activation`:
# `digits`, 10 hidden layers of 64 units, SGD with momentum 0.9 at learning
# rate 0.01, batch 64, 20 epochs, seeds 42-46; 25 runs). It took 5 min 21 s
# of wall time on 2 CPU cores shared with four other busy jobs (load
# average about 7): 3 min 21 s of training, most of the rest the
# scikit-learn baselines (the gradient-boosting one took 97 s with its
# default OpenMP threads under that load, 3.6 s on one thread, which is
# how the recipe now fits them), for 2 min 20 s of CPU time; expect about
# 2 minutes on two free cores. Means with their Student-t 95% interval over the 5 seeds; the
# gradient ratio is `log10(first hidden layer / output layer)`, so 0 is
# flat and −6 a millionth; Δ is the paired difference from ReLU + He on the
# same seeds, with the paired t-test's p-value and the seeds (of 5) on which
# the pair is better:
#
# | activation + initializer | log10 grad ratio | grad norm, first layer | test accuracy | Δ test accuracy vs ReLU + He | epochs to 90% val | Δ epochs |
# |---|---|---|---|---|---|---|
# | sigmoid + glorot_uniform | −6.02 [−6.12, −5.92] | 8.9e-07 [7.7e-07, 1.0e-06] | 0.101 [0.099, 0.103] | **−0.856 [−0.867, −0.844]**, p = 4e-9, 0 of 5 | never (0 of 5) | — |
# | tanh + glorot_uniform | +0.14 [+0.10, +0.18] | 0.50 [0.40, 0.59] | 0.958 [0.949, 0.966] | +0.001 [−0.016, +0.019], p = 0.83, 2 of 5 | 3.6 [2.9, 4.3] | **−3.2 [−4.8, −1.6]**, p = 0.005, 5 of 5 |
# | relu + he_normal | −0.32 [−0.59, −0.04] | 0.79 [0.48, 1.10] | 0.956 [0.946, 0.966] | reference | 6.8 [5.0, 8.6] | reference |
# | selu + lecun_normal | +0.13 [+0.02, +0.23] | 2.28 [1.69, 2.88] | 0.962 [0.950, 0.973] | +0.005 [−0.011, +0.021], p = 0.41, 3 of 5 | 2.2 [1.6, 2.8] | **−4.6 [−6.5, −2.7]**, p = 0.003, 5 of 5 |
# | gelu + he_normal | −0.11 [−0.29, +0.06] | 0.67 [0.38, 0.95] | 0.955 [0.938, 0.972] | −0.001 [−0.022, +0.019], p = 0.85, 2 of 5 | 6.8 [5.2, 8.4] | 0.0 [−2.9, +2.9], p = 1, 3 of 5 |
#
# - **Sigmoid vanishes** — confirmed, and dramatically: the gradient shrinks
#   by about 0.6 decades (a factor of 4, the sigmoid's largest slope being
#   0.25) per layer, so the first hidden layer gets a gradient a million
#   times smaller than the output layer's, 5.7 decades [5.5, 6.0] below
#   ReLU + He's ratio on every seed. The network never leaves chance level
#   (10% on ten classes) in 20 epochs: −0.856 test accuracy against ReLU +
#   He, resolved, 0 of 5 seeds better.
# - **"Sigmoid/tanh vs ReLU" is the wrong split** — refuted for tanh: tanh
#   with Glorot initialisation keeps the gradient flat through all ten
#   layers (ratio 1.4) and reaches 90% validation accuracy 3.2 epochs
#   sooner than ReLU + He (resolved, 5 of 5 seeds) with a lower test
#   cross-entropy (0.167 against 0.291, resolved, 5 of 5). Its final test
#   accuracy is not resolved from ReLU's at 5 seeds (+0.001 [−0.016,
#   +0.019]). What matters is an activation with slope about 1 around 0
#   plus the initialiser made for it, not the ReLU family as such.
# - **ReLU/GELU + He and SELU + LeCun keep gradients alive** — confirmed:
#   first/last ratios between 0.48 (ReLU) and 1.3 (SELU), no decay with
#   depth. SELU + LeCun normal is the fastest starter, 90% validation
#   accuracy after 2.2 epochs, 4.6 sooner than ReLU (resolved, 5 of 5
#   seeds). GELU is indistinguishable from ReLU here: no resolved
#   difference in test accuracy, epochs to target or test loss.
# - **Once the gradient flows, the pair sets the speed, not the end point**:
#   the four working pairs end at 0.955-0.962 test accuracy after 20
#   epochs, and none of their differences from ReLU + He is resolved at 5
#   seeds (intervals about ±2 points). The gradient ratio's intervals over
#   seeds are ±0.04 to ±0.27 decades wide; the scheme moves it by six.
# - **The deep MLP is not the model for this data**: scikit-learn's
#   LogisticRegression (0.978) and HistGradientBoosting (0.970) beat every
#   pair on the same split; the ten layers are there to make depth matter.
# - **An adaptive optimizer does not rescue the sigmoid network.** With
#   `--optimizer adam --learning-rate 0.001 --pairs
#   sigmoid:glorot_uniform,tanh:glorot_uniform,relu:he_normal --seeds 3`
#   (seeds 42-44, 9 runs, 2 min of wall time under the same load), sigmoid
#   still ends at chance (test 0.101 [0.096, 0.107], −0.848 against ReLU +
#   He, resolved, 0 of 3 seeds better) while tanh (0.964 [0.959, 0.970])
#   and ReLU (0.949 [0.939, 0.960]) train as before; with Adam, tanh's lead
#   over ReLU is resolved even at 3 seeds (+0.015 [+0.006, +0.024], p =
#   0.02, 3 of 3). Rescaling each weight's step does not help when the
#   gradient of the lower layers is a millionth of the top's; this recipe
#   does not measure why (the forward signal being squashed through ten
#   sigmoids is a likely part of it).

# %% tags=["active-py"]
if __name__ == "__main__":
    main()

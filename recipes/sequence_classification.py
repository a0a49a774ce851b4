# %% [markdown]
# # Sequence classification: LSTM and GRU against an MLP on the flattened sequence
#
# **Description:** Read each handwritten digit row by row as a sequence of 8 rows and classify it with an LSTM, a GRU and an MLP on the flattened pixels, over several seeds, with paired tests and scikit-learn baselines.
# **Task:** classification
# **Accelerator:** none needed (CPU, a few minutes); runs unchanged on a GPU
#
# ## Introduction
#
# Recurrent networks are the textbook model for sequences: an LSTM or GRU
# reads one step at a time and carries a state, so it shares its weights
# across time steps and can, in principle, pick up patterns wherever they
# occur. The textbook also says the two cells are close, with the GRU a
# little cheaper (two gates instead of three). Neither claim says whether a
# recurrent network beats the simplest alternative, an MLP that sees the
# whole sequence at once as one flat vector, when the sequences are short
# and of fixed length.
#
# This recipe measures it on sequences made from a bundled set: every 8x8
# digit image becomes a sequence of **8 time steps** (its rows, top to
# bottom) **of 8 features** (the pixels of the row). Three arms train on
# the same split and seeds:
#
# - `lstm` and `gru`: the library's `build_rnn` with one recurrent layer of
#   `units` and a softmax head on its final state;
# - `mlp`: the library's `build_mlp` on the same sequence flattened to 64
#   features (a `Flatten` layer inside the model), the reference;
#
# plus scikit-learn's logistic regression and gradient boosting on the
# flattened pixels. For each: test accuracy and log loss, epochs to a
# target validation accuracy, seconds per run and the number of weights,
# as means with 95% intervals over seeds and paired differences against
# the MLP.
#
# Run it with `keras-recipes run sequence_classification` (`--arms lstm,mlp`
# for a subset, `--seeds 5` for tighter intervals, `--units 64`), or cell
# by cell here.

# %% [markdown]
# ## Setup

# %%
import dataclasses
import typing

import keras

from keras_recipes.models import build_mlp
from keras_recipes.models import build_rnn
from keras_recipes.recipes.common import figures
from keras_recipes.recipes.common.config import RecipeConfig
from keras_recipes.recipes.common.config import check_fraction
from keras_recipes.recipes.common.config import check_integer
from keras_recipes.recipes.common.config import check_positive
from keras_recipes.recipes.common.config import option
from keras_recipes.recipes.common.datasets import load_dataset
from keras_recipes.recipes.common.evaluation import test_measures
from keras_recipes.recipes.common.experiments import ComparisonConfig
from keras_recipes.recipes.common.experiments import add_comparison
from keras_recipes.recipes.common.experiments import finish_comparison
from keras_recipes.recipes.common.experiments import run_comparison
from keras_recipes.recipes.common.experiments import total_train_seconds
from keras_recipes.recipes.common.experiments import write_runs
from keras_recipes.recipes.common.list_options import parse_names
from keras_recipes.recipes.common.optimizer_runs import check_optimizer_name
from keras_recipes.recipes.common.report import Report
from keras_recipes.recipes.common.run_context import run_main
from keras_recipes.recipes.common.run_context import start_run
from keras_recipes.tuning import Arm
from keras_recipes.tuning import Experiment
from keras_recipes.tuning import Target
from keras_recipes.tuning import fit_with_optimizer
from keras_recipes.tuning import format_interval

NAME = "sequence_classification"
ARMS = ("lstm", "gru", "mlp")
REFERENCE = "mlp"


@dataclasses.dataclass
class Config(ComparisonConfig, RecipeConfig):
    """Settings of the sequence classification recipe."""

    seeds: int = option(5, "Seeds per arm (seed, seed+1, ...); every arm gets the same "
                           "seeds, so differences are paired.", check=check_integer)
    arms: str = option(",".join(ARMS), f"Comma-separated arms, from: {', '.join(ARMS)}.",
                       check=lambda name, value: parse_names(value, ARMS, name))
    units: int = option(32, "Units of the recurrent layer, and of each MLP hidden layer.",
                        check=check_integer)
    mlp_depth: int = option(2, "Hidden layers of the MLP.", check=check_integer)
    optimizer: str = option("adam", "Optimizer name (see "
                            "keras_recipes.tuning.list_optimizers()).",
                            check=lambda name, value: check_optimizer_name(value, name))
    learning_rate: float = option(3e-3, "Learning rate of every arm.", check=check_positive)
    batch_size: int = option(32, "Mini-batch size.", check=check_integer)
    epochs: int = option(20, "Epochs per run.", check=check_integer)
    target_accuracy: float = option(0.9, "Validation accuracy whose first epoch is reported.",
                                    check=check_fraction)

    smoke_settings: typing.ClassVar[dict] = {"seeds": 2, "epochs": 2, "units": 8,
                                             "arms": "gru,mlp"}


# %% tags=["parameters"]
smoke = False

# %% tags=["active-ipynb"]
# from keras_recipes.recipes.common.notebook_display import show_data, show_report
# config = Config(smoke=smoke).resolved()


# %% [markdown]
# ## Data
#
# scikit-learn's bundled `digits`: 1797 images of 8x8 pixels with values
# 0-16, split 70/15/15 with stratification by `--seed`. Each image is
# scaled to [0, 1] and kept as an array of shape `(8, 8)`: 8 time steps
# (rows) of 8 features, which is the `(timesteps, features)` layout Keras
# recurrent layers read. Nothing else changes between the arms: the MLP
# flattens the same array inside its model, and the scikit-learn
# baselines get the same 64 values per image.

# %%
def load_data(config):
    dataset = load_dataset("digits", seed=config.seed)
    rows = {part: getattr(dataset, f"x_{part}").reshape(-1, 8, 8) / 16.0
            for part in ("train", "val", "test")}
    return dataclasses.replace(
        dataset, name="digits_rows", feature_names=[f"pixel_{i}" for i in range(8)],
        **{f"x_{part}": values.astype("float32") for part, values in rows.items()})


# %% tags=["active-ipynb"]
# data = load_data(config)
# show_data(data)


# %% [markdown]
# ## Model
#
# `build_rnn(cell=...)` stacks one LSTM or GRU layer of `units` (its
# final state feeds the head; the default tanh activation keeps the fast
# cuDNN kernels on a GPU). The MLP is `build_mlp` with `mlp_depth` ReLU
# layers of `units`, behind a preprocessing model that flattens the
# sequence, so it takes the same `(8, 8)` input and its saved model needs
# no reshaping code.

# %%
def build_model(config, dataset, arm):
    shape = dataset.x_train.shape[1:]
    if arm == "mlp":
        inputs = keras.Input(shape, name="sequence")
        flatten = keras.Model(inputs, keras.layers.Flatten(name="flatten")(inputs))
        return build_mlp(task=dataset.task, num_classes=dataset.num_classes,
                         preprocessing=flatten, units=config.units, depth=config.mlp_depth)
    return build_rnn(shape, dataset.task, dataset.num_classes, cell=arm, units=config.units)


# %% tags=["active-ipynb"]
# build_model(config, data, "lstm").summary()


# %% [markdown]
# ## Train
#
# Each model is an arm of the library's experiment engine, trained with every
# seed through `fit_with_optimizer` (the same optimizer, learning rate,
# batch size and epoch budget for all; one record per run, so `--resume`
# loses nothing and `--workers` can share the runs out). The test split is
# scored once per trained model.

# %%
def sequence_arm(config, dataset, arm):
    def train(seed):
        return fit_with_optimizer(lambda: build_model(config, dataset, arm), dataset,
                                  config.optimizer, config.learning_rate,
                                  epochs=config.epochs, batch_size=config.batch_size)
    return Arm(arm, train, {"model": "rnn" if arm != "mlp" else "mlp"})


def run_measures(dataset):
    def evaluate(run):
        return {**test_measures(run.model, dataset), "weights": run.model.count_params()}
    return evaluate


# %% [markdown]
# ## Evaluate
#
# Per arm: mean and 95% interval over seeds of the test accuracy and log
# loss, epochs to the target validation accuracy (the runs that reached it;
# `n` says how many), seconds per run and the number of weights; then each
# recurrent arm's paired difference from the MLP, and the GRU's from the
# LSTM.

# %%
MEASURES = ["test_accuracy", "test_loss", "epochs_to_target", "train_seconds", "weights"]


def cell_rows(comparison):
    """GRU against LSTM, paired over the seeds, on every measure."""
    if not {"gru", "lstm"} <= set(comparison.arms):
        return []
    rows = []
    for measure in MEASURES[:4]:
        difference = comparison.difference(measure, "gru", "lstm")
        rows.append({"measure": measure,
                     "gru - lstm": format_interval(difference, 3),
                     "p_value": f"{difference['p_value']:.2g}",
                     "seeds gru better": f"{difference['better']} of {difference['n']}"})
    return rows


def add_figures(report, context, comparison):
    for metric, x_axis, log_y in (("val_accuracy", "epoch", False),
                                  ("val_accuracy", "seconds", False),
                                  ("loss", "epoch", True)):
        path = figures.plot_curves(comparison.curves(), metric,
                                   context.plot_path(f"{metric}_vs_{x_axis}"),
                                   x_axis=x_axis, log_y=log_y)
        report.add_plot(path, f"{metric} against {x_axis} (mean, min-max band over seeds)")


# %% [markdown]
# ## Run
#
# `run` validates the settings before the run directory exists, then
# writes `config.json`, `runs.csv` (one row per run), `curves.csv`,
# `metrics.json` (the comparison schema: `arms.<arm>.<measure>` and
# `differences.<arm>.<measure>` against the MLP), the best arm's
# `model.keras`, `plots/` and `report.md`.

# %%
def run(config):
    config = config.resolved()
    arms = parse_names(config.arms, ARMS, "arms")
    dataset = load_data(config)
    context = start_run(NAME, config, resume=config.resume)
    context.log(f"{dataset.describe()} (8 steps of 8 pixels); arms: {', '.join(arms)}; "
                f"{config.seeds} seeds")
    comparison = run_comparison(context, Experiment(
        "sequences", [sequence_arm(config, dataset, arm) for arm in arms],
        seeds=config.seed_list, evaluate=run_measures(dataset),
        reference=REFERENCE if REFERENCE in arms else None,
        target=Target("val_accuracy", config.target_accuracy), save_models=True))
    seconds = total_train_seconds(comparison)
    write_runs(context, comparison)

    report = Report("Sequence classification: LSTM, GRU and MLP", context.run_dir)
    report.add_text(
        f"{dataset.describe()}, each image read as 8 time steps of 8 pixels. "
        f"LSTM/GRU of {config.units} units; MLP {config.mlp_depth}x{config.units} on the "
        f"flattened sequence; {config.optimizer} at {config.learning_rate:g}, batch "
        f"{config.batch_size}, {config.epochs} epochs; target validation accuracy "
        f"{config.target_accuracy}. All training took {seconds:.0f} s.")
    add_comparison(report, comparison, MEASURES, context, heading="Recurrent against flat",
                   paired=["test_accuracy", "test_loss", "epochs_to_target"])
    gru_vs_lstm = cell_rows(comparison)
    if gru_vs_lstm:
        report.add_section("GRU against LSTM", "Paired over the same seeds.")
        report.add_table(gru_vs_lstm)
    add_figures(report, context, comparison)
    return finish_comparison(context, report, comparison, MEASURES, dataset,
                             train_seconds=seconds, gru_vs_lstm=gru_vs_lstm)


def main(argv=None):
    return run_main(NAME, Config, run, argv, ["best_arm", "train_seconds"])


# %% tags=["active-ipynb"]
# result = run(config)
# show_report(result)


# %% [markdown]
# ## Conclusions
#
# Measured by the default run (`python -m keras_recipes.recipes.sequence_classification`:
# digits as 8 rows of 8 pixels, LSTM/GRU of 32 units, MLP 2x32, Adam 3e-3,
# batch 32, 20 epochs, seeds 42-46; 15 runs). It took 7 min 20 s of wall
# time on 2 cores shared with a dozen other busy jobs (load average 13 to
# 20; the recipe got 13% of a core), for 57 s of CPU time: expect about a
# minute on two free cores. The contention inflates every second below;
# epochs are exact. Means with their Student-t 95% interval over the 5
# seeds; differences paired over the same seeds (paired t-test, seeds of 5
# on which the arm is better):
#
# | arm | weights | test accuracy | test log loss | epochs to 90% val | Δ test accuracy vs MLP | Δ epochs vs MLP |
# |---|---|---|---|---|---|---|
# | LSTM | 5578 | 0.940 [0.929, 0.952] | 0.167 [0.141, 0.194] | 13.4 [9.1, 17.7] | **−0.027 [−0.043, −0.010]**, p = 0.011, 0 of 5 | **+9.8 [+6.0, +13.6]**, p = 0.002, 0 of 5 |
# | GRU | 4362 | 0.966 [0.951, 0.981] | 0.105 [0.061, 0.149] | 7.8 [5.6, 10.0] | −0.001 [−0.017, +0.015], p = 0.90, 2 of 5 | **+4.2 [+2.2, +6.2]**, p = 0.005, 0 of 5 |
# | MLP (flattened) | 3466 | 0.967 [0.953, 0.980] | 0.098 [0.078, 0.118] | 3.6 [2.9, 4.3] | reference | reference |
#
# scikit-learn on the same 64 pixels: LogisticRegression 0.978 (log loss
# 0.112), HistGradientBoosting 0.970.
#
# - **"Recurrent networks are the model for sequences": refuted for short,
#   fixed-length sequences.** Reading the rows one at a time bought
#   nothing: the GRU ties the flat MLP on test accuracy (−0.001, not
#   resolved at 5 seeds, interval ±1.6 points) and the LSTM is 2.7 points
#   worse, resolved on all 5 seeds. Both need more epochs to reach 90%
#   validation accuracy than the MLP (+4.2 and +9.8, resolved) and more
#   time per run. Eight steps of eight values is a 64-feature table; the
#   weight sharing across time that a recurrent cell offers pays when
#   sequences are long or vary in length, which this recipe does not test.
#   The linear baseline (0.978) beats every network here.
# - **"GRU and LSTM are close, the GRU a bit cheaper": qualified.** The
#   GRU has 22% fewer weights (two gates' worth instead of three) and was
#   better than the LSTM on every measure and every seed: +2.6 points of
#   test accuracy [+1.7, +3.5] (p = 0.001), −0.062 log loss, 5.6 fewer
#   epochs to the target [2.4, 8.8] and 10.8 s less per run, all resolved,
#   5 of 5 seeds (the seconds are inflated by the load, but the GRU was
#   faster on every seed). In 20 epochs the LSTM is still learning (its mean
#   validation accuracy rises from 0.88 at epoch 10 to 0.92 at epoch 20,
#   training accuracy 0.976): at the same learning rate and budget it is
#   the slower learner, not the worse model, and a longer budget
#   (`--epochs 40`) would narrow the gap.

# %% tags=["active-py"]
if __name__ == "__main__":
    main()

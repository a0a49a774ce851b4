# %% [markdown]
# # Transfer learning: does a pretrained body learn faster?
#
# **Description:** Pretrain a small CNN on digits 0-4, transfer it to digits 5-9 with a few labels per class, and measure feature extraction and fine-tuning against training from scratch over seeds: epochs and seconds to a target accuracy, test accuracy, and how the gain changes as labels grow.
# **Task:** classification
# **Accelerator:** none needed (CPU, about 3.5 min with JAX on 2 cores); runs unchanged on a GPU
#
# ## Introduction
#
# Transfer learning reuses a network trained on a large *source* task as
# the starting point for a *target* task with few labels. The lore says
# that a pretrained model "reaches good performance in fewer iterations"
# and that the gain is largest when labels are scarce. The standard Keras
# workflow has two ways to use the pretrained body:
#
# - **feature extraction**: freeze the body, put a new head on it and train
#   only the head;
# - **fine-tuning**: train the head on the frozen body first, then unfreeze
#   the body and train everything at a lower learning rate, so the
#   pretrained features are adjusted, not destroyed. The model must be
#   **recompiled** after changing `trainable`.
#
# This recipe tests the lore with nothing downloaded. The source task is
# scikit-learn's bundled handwritten digits **0-4** (all 901 images); the
# target task is the digits **5-9**, classes the source never saw, with
# only a few labelled images per class (`--labels-per-class`, 10 by
# default). Three arms train the same network on the same labelled images,
# seed by seed, through the library's experiment engine:
#
# - `scratch` (the reference): random initial weights, every layer trained;
# - `feature_extraction`: the pretrained body frozen, a new head trained;
# - `fine_tune`: the same head phase, then the whole body unfrozen at a
#   lower learning rate.
#
# Each arm is measured by the first epoch (and second) at which the
# validation accuracy reaches a target, and by its test accuracy, with 95%
# intervals over 10 seeds and paired differences against `scratch`; then the
# same comparison runs at 5 and 50 labels per class, to see how the gain
# changes with the labels.
#
# **Real pretrained weights.** `--backbone mobilenet_v3_small` (or
# `efficientnet_b0`) with `--weights PATH` runs the same three arms with a
# Keras applications backbone loaded from a weights file on disk (for
# MobileNetV3Small the ImageNet file is
# `weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5` from the Keras
# applications release); the digits are resized to the backbone's 32x32
# minimum. Nothing is downloaded; without `--weights` such a backbone is
# refused, since a random body has nothing to transfer.

# %% [markdown]
# ## Setup

# %%
import dataclasses
import os
import time
import typing
import warnings

import keras
import numpy as np
from sklearn.model_selection import train_test_split

from keras_recipes.callbacks import ElapsedTime
from keras_recipes.callbacks.atomic_files import read_json
from keras_recipes.callbacks.atomic_files import write_json
from keras_recipes.models import create_model
from keras_recipes.models import task_loss
from keras_recipes.models import task_metrics
from keras_recipes.models import unfreeze
from keras_recipes.models.transfer import BACKBONES
from keras_recipes.models.transfer import MIN_IMAGE_SIZE
from keras_recipes.recipes.common import figures
from keras_recipes.recipes.common.config import RecipeConfig
from keras_recipes.recipes.common.config import check_fraction
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
from keras_recipes.recipes.common.image_data import DistributeConfig
from keras_recipes.recipes.common.image_data import ImageDataset
from keras_recipes.recipes.common.images import load_digits_images
from keras_recipes.recipes.common.report import Report
from keras_recipes.recipes.common.run_context import run_main
from keras_recipes.recipes.common.run_context import start_run
from keras_recipes.tuning import Arm
from keras_recipes.tuning import Experiment
from keras_recipes.tuning import Target
from keras_recipes.tuning import TrainingRun
from keras_recipes.tuning import create_optimizer
from keras_recipes.tuning import history_diverged
from keras_recipes.tuning import shard_arrays
from keras_recipes.tuning import shard_for_process
from keras_recipes.tuning import speed_options

NAME = "transfer_learning"
WEIGHTS_SUFFIXES = (".h5", ".hdf5", ".keras")
SOURCE_CLASSES, TARGET_CLASSES = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)


def parse_labels(text, name="labels_per_class"):
    """Parses `"5,10,50"` into distinct positive integers, in the given order."""
    try:
        counts = [int(part) for part in str(text).split(",") if part.strip()]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1 or len(set(counts)) != len(counts):
        raise ValueError(f"The '{name}' parameter must be distinct positive integers "
                         f"separated by commas, such as '10,5,50'. Got {text!r} instead.")
    return counts


@dataclasses.dataclass
class Config(ComparisonConfig, DistributeConfig, RecipeConfig):
    """Settings of the transfer learning recipe."""

    labels_per_class: str = option(
        "10,5,50", "Labelled target images per class, one experiment each; the first "
        "is the headline.", check=lambda name, value: parse_labels(value, name))
    backbone: str = option("cnn", "Body: 'cnn' (pretrained here on digits 0-4) or a Keras "
                           "applications backbone loaded from --weights.",
                           choices=("cnn", *BACKBONES))
    weights: typing.Optional[str] = option(
        None, "Weights file of an applications backbone without its top (.h5); "
        "nothing is downloaded.")
    filters: int = option(32, "Filters of the CNN's first block (doubled in the second).",
                          check=check_integer)
    pretrain_epochs: int = option(15, "Epochs of the pretraining on digits 0-4.",
                                  check=check_integer)
    epochs: int = option(25, "Epochs of every target run (fine_tune: both phases).",
                         check=check_integer)
    head_epochs: int = option(5, "Epochs of fine_tune's head phase on the frozen body.",
                              check=check_integer)
    learning_rate: float = option(3e-3, "Learning rate of scratch (and of the pretraining).",
                                  check=check_positive)
    head_learning_rate: float = option(3e-2, "Learning rate of a new head on a frozen body.",
                                       check=check_positive)
    fine_tune_learning_rate: float = option(1e-3, "Learning rate once the body is unfrozen.",
                                            check=check_positive)
    top_layers: int = option(30, "Applications backbones: layers unfrozen by fine_tune.",
                             check=check_integer)
    batch_size: int = option(16, "Mini-batch size.", check=check_integer)
    dropout: float = option(0.0, "Dropout before the head.", check=check_rate)
    target_accuracy: float = option(0.75, "Validation accuracy whose first epoch and "
                                    "second are measured.", check=check_fraction)

    smoke_settings: typing.ClassVar[dict] = {
        "labels_per_class": "5", "seeds": 2, "pretrain_epochs": 1, "epochs": 2,
        "head_epochs": 1, "filters": 8,
    }

    seeds: int = option(10, "Seeds per arm (seed, seed+1, ...); every arm gets the same "
                            "seeds, so differences are paired (5 left the 10-label gain "
                            "in epochs unresolved).", check=check_integer)

    @property
    def label_counts(self):
        return parse_labels(self.labels_per_class)


# %% tags=["parameters"]
smoke = False

# %% tags=["active-ipynb"]
# from keras_recipes.recipes.common.notebook_display import show_data, show_report
# config = Config(smoke=smoke).resolved()


# %% [markdown]
# ## Data
#
# The 1,797 bundled 8x8 digits are cut by class. **Source**: every image of
# the digits 0-4 (901). **Target**: the digits 5-9 (896), relabelled 0-4
# and split once (by `--seed`, stratified) into a pool of 448 images that
# labels are drawn from, 224 validation and 224 test images. Each seed
# draws its own `k` labelled images per class from the pool, and every arm
# of that seed trains on the same draw, so the differences are paired over
# the labelled sets as well as the initial weights. Validation and test
# stay whole, so the scores are precise. A `--weights` file is checked
# before anything trains.

# %%
def load_data(config):
    x, y, _ = load_digits_images()
    source = np.isin(y, SOURCE_CLASSES)
    x_target, y_target = x[~source], y[~source] - len(SOURCE_CLASSES)
    pool, rest = train_test_split(np.arange(len(y_target)), test_size=0.5,
                                  stratify=y_target, random_state=config.seed)
    val, test = train_test_split(rest, test_size=0.5, stratify=y_target[rest],
                                 random_state=config.seed)
    fewest = int(np.bincount(y_target[pool]).min())
    if max(config.label_counts) > fewest:
        raise ValueError(f"The 'labels_per_class' parameter asks for more images than the "
                         f"pool holds per class ({fewest}). Got {config.labels_per_class!r}.")
    check_weights(config)
    target = ImageDataset("digits 5-9", "multiclass", x_target[pool], y_target[pool],
                          x_target[val], y_target[val], x_target[test], y_target[test],
                          feature_names=[], class_names=[str(c) for c in TARGET_CLASSES],
                          available_train=len(pool))
    return {"x": x[source], "y": y[source]}, target


def labelled_subset(target, labels, seed):
    """The target dataset whose training split is `labels` images per class of the pool."""
    rng = np.random.default_rng(seed)
    kept = np.concatenate([rng.choice(np.flatnonzero(target.y_train == c), labels,
                                      replace=False) for c in range(target.num_classes)])
    return dataclasses.replace(target, x_train=target.x_train[kept],
                               y_train=target.y_train[kept])


def check_weights(config):
    if config.backbone == "cnn":
        if config.weights is not None:
            raise ValueError("The 'weights' parameter applies to an applications backbone "
                             "(--backbone mobilenet_v3_small or efficientnet_b0); the cnn is "
                             f"pretrained by this recipe. Got weights={config.weights!r}.")
        return
    if config.weights is None:
        raise ValueError(f"The '{config.backbone}' backbone needs --weights PATH: a random "
                         "body has nothing to transfer, and this recipe downloads nothing.")
    if config.weights == "imagenet":
        raise ValueError(
            "The 'weights' parameter must be the path of a weights file on disk; "
            "this recipe downloads nothing. Download the no-top ImageNet file "
            "of the backbone yourself and pass its path. Got 'imagenet' instead.")
    if not os.path.isfile(config.weights):
        raise ValueError(f"The 'weights' parameter must be an existing weights file. "
                         f"No such file: weights={config.weights!r}")
    if not config.weights.endswith(WEIGHTS_SUFFIXES):
        raise ValueError(f"The 'weights' parameter must be a Keras weights file "
                         f"({', '.join(WEIGHTS_SUFFIXES)}). Got {config.weights!r} instead.")
    try:
        with warnings.catch_warnings():  # Keras warns once per layer it cannot fill.
            warnings.simplefilter("ignore")
            BACKBONES[config.backbone](include_top=False, weights=config.weights,
                                       input_shape=(MIN_IMAGE_SIZE, MIN_IMAGE_SIZE, 3))
    except Exception as error:  # noqa: BLE001 - any load failure means a bad file
        reason = str(error).split("List of objects")[0].strip()  # Not all 86 layers.
        raise ValueError(f"The weights file {config.weights!r} does not load into the "
                         f"{config.backbone} backbone without its top: {reason}") from None


# %% tags=["active-ipynb"]
# data = load_data(config)[1]
# show_data(data)


# %% [markdown]
# ## Model
#
# The default body is the registry's small CNN (`create_model("cnn")`: two
# blocks of 3x3 convolutions with `filters` and `2 * filters` channels,
# ReLU and max pooling, then global average pooling), followed by a
# `LayerNormalization` of the pooled features and a softmax head. Every arm
# uses this architecture; the layer normalisation (per image, no moving
# statistics) keeps a new head on frozen features well conditioned, and
# scratch gets it too. Transfer copies every layer but the head from the
# pretrained model; the *body* is everything before the head.
#
# With `--backbone mobilenet_v3_small` the body is the Keras applications
# backbone (`create_model("transfer")`, which resizes the digits to 32x32
# and keeps the backbone's BatchNormalization in inference mode); scratch
# is the same network with random weights, and fine_tune unfreezes its top
# `--top-layers` layers.

# %%
def build_cnn(config, classes):
    base = create_model("cnn", (8, 8, 1), "multiclass", classes, filters=config.filters,
                        depth=2, dropout=config.dropout)
    features = keras.layers.LayerNormalization(name="feature_norm")(
        base.get_layer("dropout" if config.dropout else "global_pool").output)
    outputs = keras.layers.Dense(classes, activation="softmax", name="head")(features)
    return keras.Model(base.input, outputs, name="cnn")


def build_applications(config, weights):
    return create_model("transfer", (8, 8, 1), "multiclass", len(TARGET_CLASSES),
                        backbone=config.backbone, weights=weights, frozen=False,
                        dropout=config.dropout)


def set_body_trainable(model, trainable, config):
    if config.backbone != "cnn":
        if trainable:
            return unfreeze(model, top_n_layers=config.top_layers)
        model.get_layer("backbone").trainable = False
        return
    for layer in model.layers[:-1]:
        layer.trainable = trainable


# %% tags=["active-ipynb"]
# build_cnn(config, len(TARGET_CLASSES)).summary()


# %% [markdown]
# ## Train
#
# **Pretraining** (cnn only) is one fit per seed: the engine seeds the run,
# and the first arm of a seed that needs the pretrained body trains it on
# all 901 source images (`--pretrain-epochs` at `--learning-rate`, Adam,
# batch 32) and caches its weights in `RUN_DIR/pretrained/seed-S.weights.h5`,
# so the other arm of the seed, `--resume` and `--workers` reuse it. Its
# seconds are reported apart from the target runs'; the Keras seed is set
# again after it, so a run gives the same numbers whether or not it
# pretrained.
#
# **Target runs**: `scratch` trains every layer for `--epochs` at
# `--learning-rate`; `feature_extraction` trains the head on the frozen body
# for `--epochs` at `--head-learning-rate`; `fine_tune` trains the head for
# `--head-epochs` at `--head-learning-rate`, then unfreezes the body,
# recompiles and continues at `--fine-tune-learning-rate` to `--epochs` in
# all. Two rates were picked from a one-seed check (scratch: 3e-3 beat
# 1e-2; a frozen-body head: 3e-2 beat 1e-2); the unfrozen body runs at
# 1e-3, a third of scratch's rate, so the pretrained features are adjusted
# rather than overwritten.

# %%
def pretrained_weights(config, context, source, seed):
    """Path of seed `seed`'s body pretrained on digits 0-4 (trained once, then cached)."""
    path = context.path_shared(os.path.join("pretrained", f"seed-{seed}.weights.h5"))
    if not os.path.exists(path):
        keras.utils.set_random_seed(seed)
        model = build_cnn(config, len(SOURCE_CLASSES))
        started = time.perf_counter()
        x, y, batch_size = shard_arrays(source["x"], source["y"], 32)  # Under --distribute.
        compile_model(model, config.learning_rate, len(y), batch_size)
        history = model.fit(x, y, batch_size=batch_size,
                            epochs=config.pretrain_epochs, verbose=0).history
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_json(path.replace(".weights.h5", ".json"),
                   {"seconds": time.perf_counter() - started,
                    "source_train_accuracy": float(history["accuracy"][-1])})
        partial = path.replace(".weights.h5", f".{os.getpid()}.partial.weights.h5")
        model.save_weights(partial)
        os.replace(partial, path)  # Atomic: a worker never reads half a file.
        keras.utils.set_random_seed(seed)
    return path


def compile_model(model, learning_rate, rows, batch_size):
    # Phases recompile one model with other trainable layers, so no reuse.
    model.compile(optimizer=create_optimizer("adam", learning_rate=learning_rate),
                  loss=task_loss("multiclass"), metrics=task_metrics("multiclass"),
                  **speed_options(rows, batch_size))


def fresh_model(config, context, source, seed, pretrained):
    if config.backbone != "cnn":
        return build_applications(config, config.weights if pretrained else None)
    model = build_cnn(config, len(TARGET_CLASSES))
    if pretrained:
        pretrained_model = build_cnn(config, len(SOURCE_CLASSES))
        pretrained_model.load_weights(pretrained_weights(config, context, source, seed))
        for layer in model.layers[:-1]:
            layer.set_weights(pretrained_model.get_layer(layer.name).get_weights())
    return model


def fit_phases(model, data, phases, batch_size):
    """Fits `(epochs, learning_rate, body_trainable, config)` phases as one run."""
    history, started, offset, updates = {}, time.perf_counter(), 0.0, 0
    local, local_batch, _ = shard_for_process(data, batch_size)  # Under --distribute.
    for epochs, learning_rate, trainable, config in phases:
        set_body_trainable(model, trainable, config)
        compile_model(model, learning_rate, len(local.y_train), local_batch)
        done = len(history.get("loss", []))
        phase = model.fit(local.x_train, local.y_train,
                          validation_data=(local.x_val, local.y_val),
                          initial_epoch=done, epochs=done + epochs, batch_size=local_batch,
                          callbacks=[ElapsedTime()], verbose=0).history
        phase["seconds"] = [offset + s for s in phase["seconds"]]
        offset = phase["seconds"][-1]
        updates += int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        for key, values in phase.items():
            history.setdefault(key, []).extend(float(v) for v in values)
    return TrainingRun("adam", phases[-1][1], batch_size, history,
                       time.perf_counter() - started, updates, history_diverged(history), model)


def transfer_arms(config, context, source, target, labels):
    fine_phases = lambda: [(config.head_epochs, config.head_learning_rate, False, config),
                           (config.epochs - config.head_epochs,
                            config.fine_tune_learning_rate, True, config)]
    plans = {
        "scratch": (False, lambda: [(config.epochs, config.learning_rate, True, config)]),
        "feature_extraction": (True, lambda: [(config.epochs, config.head_learning_rate,
                                               False, config)]),
        "fine_tune": (True, fine_phases),
    }
    rates = {"scratch": config.learning_rate, "feature_extraction": config.head_learning_rate,
             "fine_tune": f"{config.head_learning_rate:g}, then {config.fine_tune_learning_rate:g}"}

    def arm(name, pretrained, phases):
        def train(seed):
            data = labelled_subset(target, labels, seed)
            model = fresh_model(config, context, source, seed, pretrained)
            return fit_phases(model, data, phases(), config.batch_size)
        return Arm(name, train, {"labels_per_class": labels, "learning_rate": rates[name]})
    return [arm(name, pretrained, phases) for name, (pretrained, phases) in plans.items()]


def transfer_experiment(config, context, source, target, labels):
    goal = Target("val_accuracy", config.target_accuracy)

    def evaluate(run):  # Never reaching the target counts as epochs + 1 (censored).
        reached = goal.first_epoch(run.history)
        return {**test_measures(run.model, target),
                "epochs_to_target_or_budget": reached or len(run.history["loss"]) + 1}
    return Experiment(f"labels-{labels}", transfer_arms(config, context, source, target, labels),
                      seeds=config.seed_list, evaluate=evaluate, reference="scratch",
                      primary="test_accuracy", target=goal, save_models=True)


# %% [markdown]
# ## Evaluate
#
# Per arm and label count: epochs and seconds to the target validation
# accuracy (seconds count from the start of the target fit, graph tracing
# included, pretraining excluded), `epochs_to_target_or_budget` (a run that
# never reaches the target counts as `epochs + 1`, so every seed is paired),
# test accuracy and loss, means with 95% intervals over seeds, and paired
# differences against `scratch`. Then the **gain table**: for each label
# count, each transfer arm's paired difference from scratch in epochs to the
# target and in test accuracy.

# %%
MEASURES = ["epochs_to_target_or_budget", "test_accuracy", "epochs_to_target",
            "seconds_to_target", "test_loss", "final_val_accuracy", "train_seconds"]


def gain_rows(comparisons):
    rows = []
    for labels, comparison in sorted(comparisons.items()):
        for arm in comparison.arms[1:]:
            row = {"labels per class": labels, "arm": arm}
            for measure in ("epochs_to_target_or_budget", "test_accuracy"):
                d = comparison.difference(measure, arm)
                row[f"{measure} - scratch"] = (
                    f"{d['mean']:+.3g} [{d['ci_low']:+.3g}, {d['ci_high']:+.3g}], "
                    f"p = {d['p_value']:.2g}, {d['better']}/{d['n']} better")
            rows.append(row)
    return rows


def pretraining_rows(context, seeds):
    rows = []
    for seed in seeds:
        path = context.path_shared(os.path.join("pretrained", f"seed-{seed}.json"))
        if os.path.exists(path):
            rows.append({"seed": seed, **read_json(path)})
    return rows


def add_figures(report, context, comparison):
    curves = comparison.curves()
    for metric, x_axis, caption in (
            ("val_accuracy", "epoch", "Validation accuracy against epochs (headline labels)"),
            ("val_accuracy", "seconds", "Validation accuracy against seconds (every seed)")):
        path = figures.plot_curves(curves, metric, context.plot_path(f"{metric}_vs_{x_axis}"),
                                   x_axis=x_axis, title=caption)
        report.add_plot(path, caption)


# %% [markdown]
# ## Run
#
# `run` validates the settings, the data and any weights file before the run
# directory exists, then writes `config.json`, `pretrained/` (the cached
# bodies), `runs.csv` (arms x seeds x label counts), `curves.csv`,
# `metrics.json` (the comparison schema of the headline label count, plus
# `gain` per label count), the best headline arm's `model.keras`, `plots/`
# and `report.md`.

# %%
def run(config):
    config = config.resolved()
    parallel = config.start_distribution()  # Before any computation: may join other hosts.
    source, target = load_data(config)
    context = start_run(NAME, config, resume=config.resume)
    context.log(f"source: digits 0-4, {len(source['y'])} images; target: {target.describe()}; "
                f"labels per class {config.label_counts}; body {config.backbone}"
                + (f"; {parallel.describe()}" if parallel else ""))
    comparisons = {labels: run_comparison(context, transfer_experiment(
        config, context, source, target, labels)) for labels in config.label_counts}
    headline = comparisons[config.label_counts[0]]
    seconds = total_train_seconds(*comparisons.values())
    write_runs(context, *comparisons.values())

    body = ("the CNN pretrained here on digits 0-4" if config.backbone == "cnn"
            else f"{config.backbone} from `{config.weights}`")
    report = Report("Transfer learning: does a pretrained body learn faster?", context.run_dir)
    report.add_text(
        f"Target: {target.describe()}; labels per class {config.label_counts}. Body: {body}. "
        f"{config.epochs} epochs per run, batch {config.batch_size}; scratch at "
        f"{config.learning_rate:g}, a new head at {config.head_learning_rate:g}, fine_tune's "
        f"unfrozen body at {config.fine_tune_learning_rate:g} after {config.head_epochs} head "
        f"epochs. Target validation accuracy {config.target_accuracy}. Target runs trained "
        f"for {seconds:.0f} s in all.")
    pretraining = pretraining_rows(context, config.seed_list)
    if pretraining:
        report.add_section("Pretraining on digits 0-4", f"{config.pretrain_epochs} epochs "
                           "on all 901 source images, one body per seed.")
        report.add_table(pretraining)
    for labels, comparison in comparisons.items():
        add_comparison(report, comparison, MEASURES, context,
                       heading=f"{labels} labelled images per class",
                       paired=["epochs_to_target_or_budget", "test_accuracy",
                               "seconds_to_target"])
    report.add_section("How the gain changes with the labels",
                       "Paired differences of each transfer arm from scratch.")
    report.add_table(gain_rows(comparisons))
    add_figures(report, context, headline)
    gain = {str(labels): c.to_metrics(MEASURES[:2]) for labels, c in comparisons.items()}
    return finish_comparison(context, report, headline, MEASURES,
                             labelled_subset(target, config.label_counts[0], config.seed),
                             labels_per_class=config.label_counts[0], gain=gain,
                             train_seconds=seconds)


def main(argv=None):
    return run_main(NAME, Config, run, argv, ["best_arm", "train_seconds"])


# %% tags=["active-ipynb"]
# result = run(config)
# show_report(result)


# %% [markdown]
# ## Conclusions
#
# Measured by the default run (`keras-recipes run transfer_learning`, JAX
# on CPU: CNN 32/64 filters, one body per seed pretrained for 15 epochs on
# the 901 images of digits 0-4 (source training accuracy 1.000 on every
# seed, 1-3 s each); target digits 5-9 with 10, 5 and 50 labelled images
# per class; 25 epochs per run, batch 16; target validation accuracy 0.75;
# seeds 42-51, 90 target runs). It took 3 min 16 s of wall time on 2 cores
# shared with other agents' jobs (load average about 4), for 147 s of CPU
# time; a second, identical run gave the same epochs and accuracies to the
# last digit (3 min 24 s, 139 s of CPU at load 5). Means with Student-t
# 95% intervals over the 10 seeds; differences are paired against
# `scratch` (paired t-test). "Epochs to 0.75" is
# `epochs_to_target_or_budget`: a run that never reaches the target counts
# as 26.
#
# | labels/class | arm | epochs to 0.75 | test accuracy | epochs - scratch | test accuracy - scratch |
# |---|---|---|---|---|---|
# | 10 | scratch | 9.1 [7.7, 10.6] | 0.932 [0.905, 0.958] | reference | reference |
# | 10 | feature_extraction | 3.8 [3.1, 4.5] | 0.873 [0.847, 0.899] | -5.3 [-6.6, -4.0], p = 6e-6, 10/10 | -0.059 [-0.096, -0.021], p = 0.006 |
# | 10 | fine_tune | 3.9 [3.0, 4.8] | 0.908 [0.888, 0.927] | -5.2 [-6.5, -3.9], p = 1e-5, 10/10 | -0.024 [-0.054, +0.006], p = 0.10 |
# | 5 | scratch | 11.9 [9.5, 14.3] | 0.883 [0.859, 0.907] | reference | reference |
# | 5 | feature_extraction | 8.8 [4.1, 13.5] | 0.822 [0.782, 0.862] | -3.1 [-7.6, +1.4], p = 0.15, 8/10 | -0.061 [-0.099, -0.023], p = 0.005 |
# | 5 | fine_tune | 7.0 [4.8, 9.2] | 0.853 [0.826, 0.881] | -4.9 [-7.4, -2.4], p = 0.002, 10/10 | -0.030 [-0.058, -0.002], p = 0.038 |
# | 50 | scratch | 2.7 [2.4, 3.0] | 0.984 [0.979, 0.990] | reference | reference |
# | 50 | feature_extraction | 1.0 [1.0, 1.0] | 0.952 [0.942, 0.962] | -1.7 [-2.1, -1.4], p = 2e-6, 10/10 | -0.032 [-0.042, -0.022], p = 4e-5 |
# | 50 | fine_tune | 1.0 [1.0, 1.0] | 0.980 [0.976, 0.984] | -1.7 [-2.1, -1.4], p = 2e-6, 10/10 | -0.004 [-0.013, +0.004], p = 0.24 |
#
# scikit-learn on the same 50 labelled images (10 per class, seed 42's
# draw) and test split: `LogisticRegression` 0.888,
# `HistGradientBoostingClassifier` 0.866 test accuracy.
#
# - **"Fewer iterations": yes, resolved at the headline 10 labels per
#   class.** Both transfer arms reached 0.75 validation accuracy in 3.8-3.9
#   epochs against scratch's 9.1, 5.3 and 5.2 epochs sooner, on 10 of 10
#   seeds, with intervals far from zero. It is resolved at 50 labels too
#   (-1.7 epochs, 10 of 10 seeds), and at 5 labels for fine_tune (-4.9,
#   10 of 10). At 5 labels feature extraction is not resolved (-3.1
#   [-7.6, +1.4], p = 0.15): on seed 44 it never reached 0.75 in 25 epochs
#   (counted as 26), so a frozen body fed five images per class can fall
#   short of even a modest target. In seconds, at 10 labels both transfer
#   arms reached the target sooner than scratch's 1.0 s [0.79, 1.22]
#   (feature extraction -0.51 s [-0.72, -0.31], p = 0.0003, 10 of 10 seeds;
#   fine_tune -0.24 s [-0.44, -0.05], p = 0.02, 9 of 10). Seconds are
#   the least stable measure: at JAX's speed a run reaches the target in
#   about a second, of which compilation and the machine's load are much,
#   so they change from run to run (the identical second run: -0.58 s for
#   both arms at 10 labels, resolved; at 50 labels both arms resolved in
#   one run and neither in the other; fine_tune at 5 labels in neither).
# - **Why 10 seeds.** Scratch's epochs to the target spread from 5 to 16
#   over the seeds; 5 seeds did not resolve the headline (the previous
#   Conclusions' 5-seed run: -3.0 [-6.0, +0.04], p = 0.052 at 10 labels;
#   JAX at 5 seeds, seeds 42-46, which this run contains unchanged:
#   resolved at 10 labels, not at 5). Nothing else changed: every seed of
#   42-51 is kept. The same 10 seeds on TensorFlow (other random draws)
#   resolve the headline too: -4.3 epochs [-6.7, -1.9], p = 0.003, 9 of 10
#   seeds, for both transfer arms at 10 labels (-3.7 and -3.4, both
#   resolved, at 5; -1.6 at 50), in 28 min of wall time (634 s of CPU)
#   beside this file's tests, about 4x JAX's CPU time.
# - **"Better performance": no, not from digits 0-4.** Scratch ended with
#   the best test accuracy at every label count. Feature extraction is
#   capped by what features for 0-4 say about 5-9 (0.873 at 10 labels,
#   resolved 0.059 below scratch); fine-tuning recovers most of the gap
#   (0.908, 0.024 below at 10 labels, not resolved; resolved 0.030 below
#   at 5 labels; not told apart from scratch at 50). The source here is
#   small and narrow (five classes, 901 images): this is the honest size
#   of transfer when the pretrained body knows little more than a few
#   target images teach. A body trained on a large, varied source
#   (ImageNet, through `--backbone mobilenet_v3_small --weights PATH`) is
#   where the lore's accuracy gains come from.
# - **How the gain changes with the labels.** In epochs it does not shrink
#   steadily as the lore says: -4.9 (fine_tune), -5.3 and -1.7 epochs at 5,
#   10 and 50 labels per class, i.e. a head start of a few epochs that only
#   shrinks once labels are plentiful; what shrinks with more labels is the
#   accuracy cost of transfer (fine_tune -0.030, -0.024, -0.004). At 5
#   labels scratch needs 11.9 epochs of 2 steps each, so "epochs" here are
#   very few weight updates.
# - **Which target you ask about decides the verdict.** The target 0.75 was
#   set below every arm's ceiling after a first run at 0.85: there,
#   feature extraction never reached the target on some seeds (its
#   ceiling is near 0.88) and scratch was as fast as transfer. Read
#   `epochs_to_target` together with the final accuracy.

# %% tags=["active-py"]
if __name__ == "__main__":
    main()

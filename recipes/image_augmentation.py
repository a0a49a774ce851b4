# %% [markdown]
# # Image augmentation on a small training set
#
# **Description:** Train the same small CNN with and without random image augmentation on a few dozen images, over several seeds, and measure what augmentation does to test accuracy.
# **Task:** classification
# **Accelerator:** none needed (CPU, 2-4 minutes); runs unchanged on a GPU
#
# ## Introduction
#
# Data augmentation shows the network a slightly different version of every
# training image at every epoch: shifted, zoomed, with changed contrast,
# perhaps flipped or rotated. The lore says it "increases diversity and
# reduces overfitting, especially with little data". This recipe measures it:
#
# - the **same CNN** is trained twice per seed, once on the raw images
#   (`baseline`) and once with Keras preprocessing layers that transform
#   every training batch at random (`augmented`); data, seed, optimizer and
#   epoch budget are the same, and both keep the weights of their best
#   validation epoch;
# - the training set is **small on purpose** (30 images, 3 per class, by
#   default); the validation and test sets are not (270 images each), so
#   the test score is not a matter of a handful of images;
# - the report shows a **gallery** of images next to their augmented
#   versions, the **learning curves** of both arms and the **test-accuracy
#   gain** of augmentation, mean ± std over seeds.
#
# The augmentation layers sit inside the model and are only active during
# training, so the saved `.keras` file takes raw images and predicts
# deterministically.
#
# Run it with `keras-recipes run image_augmentation`; `--strength` scales the
# transformations, `--transforms` picks them, `--train-size` sets how little
# data there is, `--dataset shapes` or `--images DIR` changes the images.

# %% [markdown]
# ## Setup

# %%
import dataclasses
import os
import typing

import numpy as np
import pandas as pd

from keras_recipes.callbacks import EarlyStopping
from keras_recipes.models import build_augmentation
from keras_recipes.models import create_model
from keras_recipes.models import save_augmentation_gallery
from keras_recipes.models import task_loss
from keras_recipes.models import task_metrics
from keras_recipes.recipes.common.comparison import mean_std
from keras_recipes.recipes.common.comparison import plot_curves
from keras_recipes.recipes.common.comparison import timed_fit
from keras_recipes.recipes.common.config import check_integer
from keras_recipes.recipes.common.config import option
from keras_recipes.recipes.common.config import parse_config
from keras_recipes.recipes.common.environment import set_seed
from keras_recipes.recipes.common.image_data import ImageDataConfig
from keras_recipes.recipes.common.image_data import load_image_data
from keras_recipes.recipes.common.list_options import parse_names
from keras_recipes.recipes.common.list_options import parse_seeds
from keras_recipes.recipes.common.report import Report
from keras_recipes.recipes.common.run_context import exit_on_error
from keras_recipes.recipes.common.run_context import print_summary
from keras_recipes.recipes.common.run_context import start_run
from keras_recipes.recipes.common.runs import write_history_csv
from keras_recipes.recipes.common.runs import write_text
from keras_recipes.tuning import create_optimizer

NAME = "image_augmentation"
# The transformations of `build_augmentation`, in its order.
TRANSFORMS = ("flip", "rotation", "zoom", "translation", "contrast", "crop")
ARMS = ("baseline", "augmented")


@dataclasses.dataclass
class Config(ImageDataConfig):
    """Settings of the image augmentation comparison."""

    dataset: str = option("digits", "Bundled image set (ignored with --images).",
                          choices=("shapes", "digits"))
    image_size: int = option(16, "Side of the square images the model sees, >= 8.")
    train_size: typing.Optional[int] = option(
        30, "Training images kept (a stratified subset of the training split); "
        "none keeps them all.")
    strength: float = option(0.5, "Strength of every transformation, in [0, 1].")
    transforms: str = option(
        "zoom,translation,contrast",
        f"Comma-separated transformations, from: {', '.join(TRANSFORMS)}. Add "
        "flip and rotation only when they keep the label.")
    seeds: str = option("1,2,3", "Comma-separated seeds of the weights, the "
                        "augmentation and the shuffling; both arms are trained once "
                        "per seed (--seed picks the split and the training subset).")
    epochs: int = option(200, "Epoch budget of every run.")
    patience: int = option(50, "Epochs without a better validation accuracy "
                           "before a run stops.")
    batch_size: int = option(8, "Mini-batch size.")
    learning_rate: float = option(3e-3, "Learning rate of Adam.")
    filters: int = option(32, "Filters of the first convolution block.")

    smoke_settings: typing.ClassVar[dict] = {
        "image_size": 8, "train_size": 20, "seeds": "1", "epochs": 2,
        "patience": 2, "filters": 8,
    }

    def __post_init__(self):
        super().__post_init__()
        parse_names(self.transforms, TRANSFORMS, "transforms")
        parse_seeds(self.seeds)
        if not 0 <= self.strength <= 1:
            raise ValueError(
                "The 'strength' parameter must be a number in [0, 1]. "
                f"Got {self.strength!r} instead.")
        for name in ("epochs", "patience", "batch_size", "filters"):
            check_integer(name, getattr(self, name))
        if not self.learning_rate > 0:
            raise ValueError(
                "The 'learning_rate' parameter must be a number > 0. "
                f"Got {self.learning_rate!r} instead.")


# %% [markdown]
# ## Data
#
# The default is scikit-learn's bundled **digits** (1797 handwritten digits,
# 8x8 pixels, resized to 16x16), split 70/15/15 with stratification; only
# **30 training images** (3 per digit) are kept, while validation and test
# keep their 270 images each. `--dataset shapes` draws 2000 generated
# circles, squares and triangles instead, and `--images DIR` reads your own
# images (one sub-folder per class); a missing folder, a single class or an
# unreadable file is refused before anything trains.
#
# Why digits and not shapes: every generated shape has its own random
# background and foreground colours, and with a few dozen training images
# this small CNN learns those colours by heart instead of the shapes.
# Geometric augmentation leaves the colours alone, so it does not break that
# shortcut (see the Conclusions for the measured shapes run).

# %%
def load_data(config):
    return load_image_data(config.dataset, config.images, config.image_size,
                           config.train_size, seed=config.seed)


# %% [markdown]
# ## Model
#
# `build_augmentation` builds a `keras.Sequential` of Keras's random image
# layers; `--strength 0.5` means zoom by up to ±15%, shifts by up to ±10% of
# the side and contrast changes of up to ±25% (and rotations by up to ±36°
# when `rotation` is chosen). Horizontal flips and rotations are left out by
# default: a mirrored or tilted digit can be another digit (or no digit),
# and a transformation that changes the label teaches the network wrong
# answers.
#
# The CNN is `create_model("cnn")`: two convolution blocks (32 and 64
# filters), global average pooling and a softmax head, about 20,000 weights;
# the augmented arm gets the augmentation as its first layer. A small batch
# (8) and a fairly high learning rate (3e-3) give the 30 images enough
# updates per epoch.

# %%
def build_model(config, dataset, augmented, seed):
    augmentation = None
    if augmented:
        chosen = parse_names(config.transforms, TRANSFORMS, "transforms")
        augmentation = build_augmentation(
            config.strength, seed=seed,
            **{name: name in chosen for name in TRANSFORMS})
    model = create_model("cnn", dataset.image_shape, dataset.task,
                         dataset.num_classes, filters=config.filters,
                         augmentation=augmentation)
    model.compile(optimizer=create_optimizer("adam", learning_rate=config.learning_rate),
                  loss=task_loss(dataset.task), metrics=task_metrics(dataset.task))
    return model


# %% [markdown]
# ## Train
#
# Per seed, both arms start from the same initial weights (the seed is set
# before each model is built, and the augmentation layers draw no weights).
# Each run has the same epoch budget and stops early when the
# validation accuracy has not improved for `--patience` epochs; it then keeps
# the weights of its best validation epoch. Early stopping watches the
# validation **accuracy**, the quantity the comparison is about: with so few
# training images the validation cross-entropy often turns upward (the
# network grows over-confident on the images it gets wrong) while the
# accuracy still improves.

# %%
def train_once(config, dataset, augmented, seed):
    set_seed(seed)
    model = build_model(config, dataset, augmented, seed)
    stopping = EarlyStopping(monitor="val_accuracy", mode="max",
                             patience=config.patience, restore_best_weights=True)
    history = timed_fit(
        model, dataset.x_train, dataset.y_train, callbacks=[stopping],
        validation_data=(dataset.x_val, dataset.y_val), epochs=config.epochs,
        batch_size=config.batch_size, validation_batch_size=256,
        verbose=1 if config.verbose == 2 else 0,
    )
    test = model.evaluate(dataset.x_test, dataset.y_test, batch_size=256,
                          return_dict=True, verbose=0)
    row = {
        "seed": seed, "arm": ARMS[int(augmented)],
        "test_accuracy": float(test["accuracy"]), "test_loss": float(test["loss"]),
        "best_epoch": int(np.argmax(history["val_accuracy"])) + 1,
        "epochs": len(history["loss"]), "seconds": history["seconds"][-1],
    }
    return row, history, model


def train_all(config, context, dataset, seeds):
    rows, histories, models = [], {arm: [] for arm in ARMS}, {}
    os.makedirs(context.path("histories"), exist_ok=True)
    total = len(seeds) * len(ARMS)
    for index, (seed, augmented) in enumerate(
            ((s, a) for s in seeds for a in (False, True)), start=1):
        row, history, model = train_once(config, dataset, augmented, seed)
        rows.append(row)
        histories[row["arm"]].append(history)
        models[(row["arm"], seed)] = model
        write_history_csv(context.path(f"histories/{row['arm']}_seed{seed}.csv"), history)
        context.log(
            f"[{index}/{total}] seed {seed} {row['arm']:<9}: test accuracy "
            f"{row['test_accuracy']:.3f}, best epoch {row['best_epoch']} of "
            f"{row['epochs']}, {row['seconds']:.1f} s")
    return rows, histories, models


# %% [markdown]
# ## Evaluate
#
# The gain is measured per seed (augmented minus baseline test accuracy, same
# seed) and summarised as mean ± std over seeds. The curves show the mean
# over seeds with a min-max band; training accuracy of the augmented arm is
# measured on augmented batches, so it is usually lower than the baseline's.

# %%
def summarise(rows, seeds):
    frame = pd.DataFrame(rows)
    by_arm = {arm: frame[frame["arm"] == arm].set_index("seed").loc[seeds]
              for arm in ARMS}
    gains = (by_arm["augmented"]["test_accuracy"]
             - by_arm["baseline"]["test_accuracy"]).to_numpy()
    metrics = {}
    for arm, runs in by_arm.items():
        metrics[f"test_accuracy_{arm}"] = float(runs["test_accuracy"].mean())
        metrics[f"test_accuracy_{arm}_std"] = float(runs["test_accuracy"].std(ddof=0))
        metrics[f"test_loss_{arm}"] = float(runs["test_loss"].mean())
        metrics[f"epochs_run_{arm}"] = float(runs["epochs"].mean())
        metrics[f"best_epoch_{arm}"] = float(runs["best_epoch"].mean())
        metrics[f"train_seconds_{arm}"] = float(runs["seconds"].sum())
    metrics.update(
        augmentation_gain=float(gains.mean()),
        augmentation_gain_std=float(gains.std()),
        seeds_improved=int((gains > 0).sum()),
        test_accuracy=metrics["test_accuracy_augmented"],
        epochs_run=int(frame["epochs"].max()),
        train_seconds=float(frame["seconds"].sum()),
    )
    table = [{
        "arm": arm,
        "test accuracy": mean_std(runs["test_accuracy"]),
        "best epoch": mean_std(runs["best_epoch"], digits=3),
        "epochs run": mean_std(runs["epochs"], digits=3),
        "seconds per run": f"{runs['seconds'].mean():.1f}",
    } for arm, runs in by_arm.items()]
    table.append({"arm": "gain (augmented − baseline)",
                  "test accuracy": mean_std(gains, digits=3)})
    return table, metrics


def make_figures(context, histories, dataset, augmentation):
    return {
        "Training images (top) and one random augmentation of each (bottom)":
            save_augmentation_gallery(
                dataset.x_train, augmentation, context.plot_path("augmentation_gallery"),
                n=min(8, len(dataset.x_train))),
        "Validation accuracy per epoch (mean, min-max band over seeds)": plot_curves(
            histories, "val_accuracy", context.plot_path("val_accuracy"),
            title="validation accuracy"),
        "Training accuracy per epoch (augmented arm: on augmented batches)": plot_curves(
            histories, "accuracy", context.plot_path("train_accuracy"),
            title="training accuracy"),
        "Validation cross-entropy per epoch": plot_curves(
            histories, "val_loss", context.plot_path("val_loss"),
            title="validation cross-entropy"),
    }


# %% [markdown]
# ## Run
#
# `run` validates the settings and loads the images, then trains both arms
# for every seed and writes `config.json`, `runs.csv` (one row per run),
# `histories/ARM_seedN.csv`, `metrics.json`, `model.keras` (the augmented
# model of the first seed, reloaded and checked), `plots/` and `report.md`.

# %%
def run(config):
    config = config.resolved()
    seeds = parse_seeds(config.seeds)
    transforms = parse_names(config.transforms, TRANSFORMS, "transforms")
    dataset = load_data(config)
    context = start_run(NAME, config)
    context.log(f"{dataset.describe()}; {len(ARMS)} arms x {len(seeds)} seeds")
    rows, histories, models = train_all(config, context, dataset, seeds)
    write_text(context.path("runs.csv"), pd.DataFrame(rows).to_csv(index=False))
    table, metrics = summarise(rows, seeds)
    saved = models[("augmented", seeds[0])]
    metrics["reload_max_abs_diff"] = context.save_and_verify_model(saved, dataset.x_test)
    gallery = build_augmentation(config.strength, seed=seeds[0],
                                 **{name: name in transforms for name in TRANSFORMS})
    figures = make_figures(context, histories, dataset, gallery)

    report = Report("Image augmentation on a small training set", context.run_dir)
    report.add_text(
        f"{dataset.describe()}. CNN with {config.filters} and {2 * config.filters} "
        f"filters; Adam at learning rate {config.learning_rate}, batch "
        f"{config.batch_size}, up to {config.epochs} epochs (patience "
        f"{config.patience} on validation accuracy, best weights kept); "
        f"augmentation: {', '.join(transforms)} at strength {config.strength}; "
        f"seeds {', '.join(map(str, seeds))}.")
    report.add_section(
        "Result (mean ± std over seeds)",
        f"Augmentation changed the test accuracy by "
        f"**{metrics['augmentation_gain']:+.3f} ± {metrics['augmentation_gain_std']:.3f}**"
        f" ({metrics['seeds_improved']} of {len(seeds)} seeds improved).")
    report.add_table(table)
    for caption, path in figures.items():
        report.add_plot(path, caption)
    report.add_section("All runs")
    report.add_table(rows, columns=["seed", "arm", "test_accuracy", "test_loss",
                                    "best_epoch", "epochs", "seconds"])
    report.add_section("Metrics")
    report.add_metrics(metrics)
    report.add_config(config.to_dict(), context.environment)
    return context.finish(metrics, report)


def main(argv=None):
    config = parse_config(Config, argv, prog=f"keras-recipes run {NAME}")
    with exit_on_error(NAME):
        result = run(config)
    print_summary(result, ["test_accuracy_baseline", "test_accuracy_augmented",
                           "augmentation_gain"])
    return result


# %% [markdown]
# ## Conclusions
#
# Measured by the default run (`python -m keras_recipes.recipes.image_augmentation`:
# digits at 16x16, 30 training images, 270 validation and 270 test images;
# CNN with 32 and 64 filters, Adam 3e-3, batch 8, up to 200 epochs with
# patience 50 on validation accuracy; zoom, translation and contrast at
# strength 0.5; seeds 1, 2, 3). The six runs took 4 min 8 s of wall time on
# 2 CPU cores that three other agents' jobs were sharing, so the seconds
# below are inflated. A second run with the same settings gave identical
# figures.
#
# | arm | test accuracy | best epoch | epochs run | seconds per run |
# |---|---|---|---|---|
# | baseline | 0.715 ± 0.027 | 111 ± 35 | 158 | 32.5 |
# | augmented | 0.790 ± 0.008 | 176 ± 21 | 199 | 46.4 |
# | gain | **+0.075 ± 0.029** | | | |
#
# - **Augmentation helps with little data** — confirmed here: the test
#   accuracy rose by 7.5 points on average and in every seed (+0.074, +0.040,
#   +0.111), the spread over seeds shrank from 0.027 to 0.008, and the test
#   cross-entropy fell from 1.07 to 0.82. Both arms reach 100% training
#   accuracy; the augmented one generalises better from the same 30 images.
# - **It costs epochs** — a qualification the lore leaves out. The
#   augmented arm learns more slowly: its mean validation accuracy trails the
#   baseline's at epochs 25, 50, 75 and 100 (0.42, 0.61, 0.68, 0.70 against
#   0.57, 0.67, 0.70, 0.71), is level with it from about epoch 110 to 175
#   and pulls ahead only in the last 25 epochs; its best epochs (147-197) sit
#   at the end of the 200-epoch budget (it might gain more with a longer
#   one), and its runs took 43% more wall time. Judged after 50 or 100
#   epochs, the same augmentation would have looked harmful.
# - **More data, smaller gain**: with 50 training images instead of 30
#   (`--train-size 50`, otherwise the defaults) the baseline already reached
#   0.867 ± 0.011 and the gain fell to +0.019 ± 0.005 (still positive in all
#   three seeds). "Especially with little data" holds, and the effect fades
#   quickly as the data grows.
# - **The transformations must keep the label**: adding horizontal flips and
#   rotations of up to ±36° (`--transforms
#   flip,rotation,zoom,translation,contrast`, otherwise the defaults) turned
#   the gain into a loss of 0.054 ± 0.027 (0.661 against 0.715, worse in all
#   three seeds; which of the two hurts more was not measured). A mirrored 2
#   or 7 is no longer that digit; a transformation that can change the class
#   teaches the network wrong answers. "More diversity" helps only while it
#   stays inside the class.
# - **It does not fix every kind of overfitting**: on the generated shapes
#   (`--dataset shapes`, otherwise the defaults) neither arm learned anything
#   — test accuracy 0.333 (baseline) and 0.322 (augmented), chance being
#   0.333 — although both ended at 83-100% training accuracy. Each shape has
#   its own random colours, so 30 images can be told apart by colour alone;
#   shifting, zooming and re-contrasting them leaves that shortcut intact.
#   Augmentation adds the variation you choose, not the one your model needs.

# %% tags=["parameters"]
smoke = False

# %% tags=["active-ipynb"]
# result = run(Config(smoke=smoke))
# result.metrics

# %% tags=["active-py"]
if __name__ == "__main__":
    main()

# %% [markdown]
# # Tabular classification with an MLP
#
# **Description:** Train, evaluate, save and reload a classifier on a table of features, bundled or your own CSV.
# **Task:** classification
# **Accelerator:** none needed (CPU, about 15 s); runs unchanged on a GPU
#
# ## Introduction
#
# Most first projects are a table: rows of measurements and a label to predict.
# This recipe is the complete workflow for one, done the way it should be done
# every time:
#
# - a stratified **70/15/15 holdout split**, so the test score is measured on
#   rows the model and its early stopping never saw;
# - **preprocessing inside the model** (scaling, category encoding, optional
#   imputation), so the saved `.keras` file takes raw rows;
# - **mini-batch training with Adam**, early stopping that restores the best
#   weights, a best-model checkpoint and class weights for imbalanced labels;
# - **evaluation** with accuracy, precision, recall, F1, ROC AUC and a
#   confusion matrix, beside scikit-learn's LogisticRegression and
#   HistGradientBoosting on the same split;
# - **saving** the model and checking that the reloaded copy predicts exactly
#   what the trained one does.
#
# Run it from the command line with `keras-recipes run tabular_classification`
# (add `--csv data.csv --target label` for your own data), or cell by cell here.

# %% [markdown]
# ## Setup

# %%
import dataclasses
import os
import time
import typing

from keras_recipes.callbacks import resume_training
from keras_recipes.callbacks import standard_callbacks
from keras_recipes.models import task_loss
from keras_recipes.models import task_metrics
from keras_recipes.recipes.common import figures
from keras_recipes.recipes.common.baselines import add_baselines
from keras_recipes.recipes.common.baselines import baseline_metrics
from keras_recipes.recipes.common.config import TunableConfig
from keras_recipes.recipes.common.config import check_integer
from keras_recipes.recipes.common.config import check_non_negative_integer
from keras_recipes.recipes.common.config import check_positive_or_auto
from keras_recipes.recipes.common.config import check_rate
from keras_recipes.recipes.common.config import option
from keras_recipes.recipes.common.config import parse_config
from keras_recipes.recipes.common.evaluation import classification_metrics
from keras_recipes.recipes.common.evaluation import predict_classes
from keras_recipes.recipes.common.learning_rate import choose_learning_rate
from keras_recipes.recipes.common.model_schema import write_schema
from keras_recipes.recipes.common.report import Report
from keras_recipes.recipes.common.run_context import check_out
from keras_recipes.recipes.common.run_context import exit_on_error
from keras_recipes.recipes.common.run_context import print_summary
from keras_recipes.recipes.common.run_context import start_run
from keras_recipes.recipes.common.runs import read_history_csv
from keras_recipes.recipes.common.tabular import CLASS_WEIGHT_MODES
from keras_recipes.recipes.common.tabular import build_tabular_model
from keras_recipes.recipes.common.tabular import class_weights
from keras_recipes.recipes.common.tabular import flag_divergence
from keras_recipes.recipes.common.tabular import load_tabular_data
from keras_recipes.recipes.common.tabular import training_divergence
from keras_recipes.recipes.common.tracking import TRACKERS
from keras_recipes.recipes.common.tracking import check_tracker
from keras_recipes.recipes.common.tracking import start_tracking
from keras_recipes.recipes.common.tracking import write_tensorboard_history
from keras_recipes.tuning import create_optimizer
from keras_recipes.tuning import fit_lbfgs
from keras_recipes.tuning import get_optimizer_spec
from keras_recipes.tuning import is_keras_optimizer
from keras_recipes.tuning import speed_options

NAME = "tabular_classification"
MEASURES = ["test_accuracy", "test_f1", "test_roc_auc", "test_loss"]


@dataclasses.dataclass
class Config(TunableConfig):
    """Settings of the tabular classification recipe."""

    optimizer: str = option(
        "adam", "Optimizer name (keras_recipes.tuning.list_optimizers()); "
        "lbfgs trains full-batch with L-BFGS, --epochs being its iterations.")
    learning_rate: typing.Union[float, str] = option(
        1e-3, "Learning rate, or 'auto' to take the LR finder's suggestion.",
        aliases=("--lr",), check=check_positive_or_auto)
    batch_size: int = option(32, "Mini-batch size.", check=check_integer)
    epochs: int = option(200, "Maximum epochs; early stopping usually ends sooner.",
                         check=check_integer)
    patience: int = option(20, "Epochs without validation improvement before stopping.",
                           check=check_non_negative_integer)
    units: int = option(32, "Width of each hidden layer.", check=check_integer)
    depth: int = option(2, "Number of hidden layers.", check=check_integer)
    dropout: float = option(0.2, "Dropout rate after each hidden layer.", check=check_rate)
    class_weight: str = option("auto", "Class weighting for imbalanced labels.",
                               choices=CLASS_WEIGHT_MODES)
    resume: bool = option(False, "Continue the interrupted run in --out from its last epoch.")
    track: str = option(
        "none", "Log params, per-epoch metrics, the report and model.keras to MLflow "
        "(MLFLOW_TRACKING_URI, default sqlite:///mlflow.db).", choices=TRACKERS,
        check=check_tracker)

    def __post_init__(self):
        super().__post_init__()
        if self.resume and not self.out:
            raise ValueError("--resume needs --out DIR, the directory of the run to continue.")
        if not is_keras_optimizer(get_optimizer_spec(self.optimizer)):
            if self.resume or self.learning_rate == "auto":
                raise ValueError(
                    f"--optimizer {self.optimizer} trains full-batch without a learning "
                    "rate or resumable epochs; drop --resume and --lr auto.")

    smoke_settings: typing.ClassVar[dict] = {"epochs": 3, "patience": 2}


# %% tags=["parameters"]
smoke = False

# %% tags=["active-ipynb"]
# from keras_recipes.recipes.common.notebook_display import show_data, show_report
# config = Config(smoke=smoke).resolved()


# %% [markdown]
# ## Data
#
# The default is scikit-learn's bundled Wisconsin breast-cancer set: 569
# tumours, 30 measurements each, malignant or benign. `load_tabular_data`
# validates a CSV before anything trains: a missing column, a target with
# one class, an ID column or missing values get an error that names them.

# %%
def load_data(config):
    dataset = load_tabular_data(config, task="classification")
    return dataset


# %% tags=["active-ipynb"]
# data = load_data(config)
# show_data(data)


# %% [markdown]
# ## Model
#
# An MLP whose first layers are the preprocessing fitted on the training
# split only (so no statistic leaks from validation or test rows). The loss
# and output layer follow from the task: one sigmoid unit and binary
# cross-entropy for two classes, a softmax and sparse categorical
# cross-entropy for more.

# %%
def build_model(config, dataset):
    model = build_tabular_model(
        dataset, impute=config.impute, units=config.units, depth=config.depth,
        dropout=config.dropout,
    )
    if is_keras_optimizer(config.optimizer):
        learning_rate = None if config.learning_rate == "auto" else config.learning_rate
        optimizer = create_optimizer(config.optimizer, learning_rate=learning_rate)
    else:
        optimizer = "sgd"  # A placeholder: fit_lbfgs updates the weights itself.
    model.compile(
        optimizer=optimizer,
        loss=task_loss(dataset.task),
        metrics=task_metrics(dataset.task),
        **speed_options(len(dataset.y_train), config.batch_size),
    )
    return model


# %% tags=["active-ipynb"]
# build_model(config, data).summary()


# %% [markdown]
# ## Train
#
# Mini-batch training with validation data every epoch, under the library's
# standard callback stack: a NaN guard, early stopping on the validation
# loss that puts back the best weights, crash-safe best and last
# checkpoints, a CSV log and a resume checkpoint, so `--resume` continues a
# killed run where it stopped. With `--lr auto` a learning-rate range test
# picks the rate first. `--optimizer lbfgs` instead trains full-batch with
# the library's L-BFGS (Keras has none), with early stopping on the
# validation loss and the same class weights, so both minimise the same
# objective. Either way the per-epoch scalars land in `logs/` for
# TensorBoard (`tensorboard --logdir runs`), and `--track mlflow` logs the
# run to MLflow as well.

# %%
def train(config, context, model, dataset, tracker=None):
    if not is_keras_optimizer(config.optimizer):
        history = fit_lbfgs(
            model, dataset.x_train, dataset.y_train,
            validation_data=(dataset.x_val, dataset.y_val),
            max_iterations=config.epochs, patience=config.patience,
            class_weight=class_weights(dataset.y_train, config.class_weight),
            verbose=context.fit_verbose,
        ).history
        context.save_history(history)
        write_tensorboard_history(context.path("logs"), history)
        if tracker is not None:
            tracker.log_history(history)
        return history, training_divergence(history)
    callbacks = standard_callbacks(context.run_dir, monitor="val_loss",
                                   patience=config.patience, resume=True,
                                   tensorboard=True)
    if tracker is not None:
        callbacks += tracker.callbacks()
    initial_epoch = resume_training(model, callbacks) if config.resume else 0
    if initial_epoch == 0:
        choose_learning_rate(config.learning_rate, model, dataset.x_train,
                             dataset.y_train, config.batch_size, context)
    else:
        context.log(f"resuming after epoch {initial_epoch}")
    model.fit(
        dataset.x_train, dataset.y_train,
        validation_data=(dataset.x_val, dataset.y_val),
        epochs=config.epochs, batch_size=config.batch_size,
        initial_epoch=initial_epoch,
        class_weight=class_weights(dataset.y_train, config.class_weight),
        callbacks=callbacks, verbose=context.fit_verbose,
    )
    history = read_history_csv(context.path("history.csv"))
    return history, training_divergence(history, callbacks)


# %% [markdown]
# ## Evaluate
#
# The test split is touched once, here. Precision, recall and F1 are macro
# averages when there are more than two classes. Beside the network, the
# report scores scikit-learn's LogisticRegression (after median imputation
# and scaling) and HistGradientBoostingClassifier, fitted on the same
# training rows and scored on the same test rows (`baseline_*` in
# `metrics.json`), so the MLP's number is read against what a linear model
# and gradient boosting reach.

# %%
def evaluate(context, model, dataset, history):
    test_loss = model.evaluate(dataset.x_test, dataset.y_test, verbose=0)[0]
    probabilities = model.predict(dataset.x_test, verbose=0)
    metrics = classification_metrics(dataset.y_test, probabilities, dataset.task,
                                     test_loss=float(test_loss))
    plot_paths = {
        "Learning curves": figures.plot_learning_curves(
            history, context.plot_path("learning_curves")),
        "Confusion matrix": figures.plot_confusion_matrix(
            dataset.y_test, predict_classes(probabilities, dataset.task),
            dataset.class_names, context.plot_path("confusion_matrix")),
    }
    if dataset.task == "binary":
        plot_paths["ROC curve"] = figures.plot_roc_curve(
            dataset.y_test, probabilities.reshape(-1), context.plot_path("roc_curve"))
    return metrics, plot_paths


# %% [markdown]
# ## Run
#
# `run` ties the steps together and writes the run directory: `config.json`,
# `history.csv`, `metrics.json`, `model.keras`, `plots/` and `report.md`.

# %%
def run(config):
    config = config.resolved()
    check_out(NAME, config, resume=config.resume)
    dataset = load_data(config)
    context = start_run(NAME, config, resume=config.resume)
    context.log(dataset.describe())
    write_schema(context.run_dir, dataset, config)
    tracker = start_tracking(config.track, NAME, config, context.run_dir)
    model = build_model(config, dataset)
    started = time.perf_counter()
    history, divergence = train(config, context, model, dataset, tracker)
    train_seconds = time.perf_counter() - started
    metrics, plot_paths = evaluate(context, model, dataset, history)
    metrics.update(epochs_run=len(history["loss"]), train_seconds=train_seconds)
    if is_keras_optimizer(config.optimizer):
        metrics["learning_rate"] = float(model.optimizer.learning_rate)
    if os.path.exists(context.plot_path("lr_finder")):
        plot_paths["Learning-rate range test"] = context.plot_path("lr_finder")
    metrics["reload_max_abs_diff"] = context.save_and_verify_model(model, dataset.x_test)

    report = Report("Tabular classification", context.run_dir)
    flag_divergence(metrics, report, divergence, context)
    report.add_text(dataset.describe())
    for note in dataset.notes:
        report.add_text(f"Note: {note}")
    report.add_section("Test metrics")
    report.add_metrics(metrics)
    for caption, path in plot_paths.items():
        report.add_plot(path, caption)
    baselines = add_baselines(report, dataset, MEASURES, seed=config.seed)
    metrics.update(baseline_metrics(baselines, MEASURES))
    report.add_config(config.to_dict(), context.environment)
    result = context.finish(metrics, report, history)
    tracker.finish(result)
    return result


def main(argv=None):
    config = parse_config(Config, argv, prog=f"keras-recipes run {NAME}")
    with exit_on_error(NAME):
        result = run(config)
    print_summary(result, ["test_accuracy", "test_f1", "test_roc_auc"])
    return result


# %% tags=["active-ipynb"]
# result = run(config)
# show_report(result)


# %% [markdown]
# ## Conclusions
#
# Measured on the JAX backend, 2 CPU cores shared with other jobs, with the
# defaults (MLP 32x2, dropout 0.2, Adam 1e-3, batch 32, patience 20):
# `keras-recipes run tabular_classification` for the default split, and
# `KERAS_BACKEND=jax python benchmarks/bench_tabular_baseline.py` for the
# same default run over the split seeds 42-51 (each seed draws another
# stratified 397/86/86 split; 14 to 42 s a run, 4 min 41 s wall and
# 140 s CPU for the ten).
#
# The default split (seed 42), every model on the same training and test rows:
#
# | model | test accuracy | test F1 | ROC AUC | test log loss |
# |---|---|---|---|---|
# | MLP (107 epochs, 14 s) | 0.942 | 0.952 | 0.992 | 0.154 |
# | LogisticRegression | 0.965 | 0.972 | 0.995 | 0.091 |
# | HistGradientBoostingClassifier | 0.953 | 0.963 | 0.994 | 0.107 |
#
# Over the ten splits (mean with its Student-t 95% interval):
#
# | model | test accuracy | test log loss |
# |---|---|---|
# | MLP | 0.971 [0.960, 0.981] | 0.100 [0.067, 0.133] |
# | LogisticRegression | 0.976 [0.967, 0.984] | 0.080 [0.051, 0.109] |
# | HistGradientBoostingClassifier | 0.957 [0.946, 0.968] | 0.153 [0.098, 0.208] |
#
# - **"The default scores 0.942 where LogisticRegression scores 0.965"
#   (issue 13): confirmed, and it is the worst of ten splits.** On the
#   default split the MLP misclassifies two more of the 86 test tumours
#   than the linear model. Over the ten splits the gap per split ranges
#   from -0.023 (this one) to +0.012.
# - **"The MLP at least matches LogisticRegression": not refuted, not
#   confirmed.** Paired over the ten splits, MLP minus LogisticRegression
#   is -0.0047 [-0.0127, +0.0034] in test accuracy (paired t-test p =
#   0.22; the MLP better on 2 splits, tied on 3, worse on 5) and +0.020
#   [-0.004, +0.045] in test log loss (p = 0.10): neither is resolved at
#   ten splits, and a difference of half a point is 0.4 of a test row.
#   As the MLP does not lose by a resolved margin, the default is left as
#   it is. (An earlier sweep on the default split, width 8-64, depth 1-2,
#   dropout 0-0.5, L2, tanh/SELU, batch norm, AdamW and SGD, scored
#   0.942-0.953 for every variant: that split is hard for every MLP.)
#   On this data a linear model is as good as the MLP; the MLP earns its
#   keep on the CSV path, where the same code handles categories and
#   missing values inside the saved model.
# - **The MLP beats gradient boosting, resolved:** +0.014 [+0.002, +0.026]
#   test accuracy over HistGradientBoosting (p = 0.03, better on 6 of 10
#   splits, tied on 3) and -0.053 [-0.096, -0.009] test log loss (p =
#   0.02, better on 9 of 10). On 30 continuous, strongly correlated
#   measurements the smooth models win.
# - **A single holdout number is noisy:** the MLP's test accuracy moves
#   from 0.942 to 0.988 with the split alone (one tumour is 1.2 points),
#   which is what the `cross_validation` recipe is for.
# - Same seed, same result: two runs of the benchmark reproduced every
#   split's metrics to the last digit on CPU.
# - The reloaded `model.keras` predicts exactly what the trained model does
#   (`reload_max_abs_diff` = 0.0), raw rows in, so it can be deployed alone.

# %% tags=["active-py"]
if __name__ == "__main__":
    main()

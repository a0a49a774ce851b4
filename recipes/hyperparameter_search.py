# %% [markdown]
# # Hyperparameter search over the optimizer family
#
# **Description:** Search optimizers and their hyperparameters with KerasTuner, compare random search, Bayesian optimisation and Hyperband on one epoch budget, and bridge to scikit-learn's cross_val_score and GridSearchCV.
# **Task:** hyperparameter tuning (classification)
# **Accelerator:** none needed (CPU, a few minutes); runs unchanged on a GPU
#
# ## Introduction
#
# Which optimizer, which learning rate, which betas? The honest answer is to
# search, and to search well:
#
# - **one search space for the whole optimizer family**, derived from the
#   optimizer registry: the optimizer is a choice, and each optimizer's own
#   hyperparameters (momentum for SGD with momentum, betas and epsilon for
#   the Adam family, rho for RMSprop, weight decay for AdamW) exist only
#   when it is chosen, with the learning rate log-uniform over its range;
# - **three search strategies on the same budget** (total training epochs):
#   random search, Bayesian optimisation (a Gaussian process proposes the
#   next trial) and Hyperband (many short trials, the best continued);
# - **failures are results**: a learning rate that makes the loss diverge
#   is recorded as a failed trial, and the sweep goes on;
# - the best configuration is **retrained and tested once** on held-out rows;
# - a **scikit-learn bridge**: the same model inside
#   `keras.wrappers.SKLearnClassifier`, scored by `cross_val_score` and tuned
#   by `GridSearchCV`.
#
# The same sweeps run from the command line:
# `keras-recipes tune tabular_classification --tuner bayesian --max-trials 20`.

# %% [markdown]
# ## Setup

# %%
import dataclasses
import logging
import time
import typing

import keras
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.model_selection import StratifiedKFold
from sklearn.model_selection import cross_val_score

from keras_recipes.models import build_tabular_preprocessing
from keras_recipes.models import create_model
from keras_recipes.recipes.common import figures
from keras_recipes.recipes.common.baselines import add_baselines
from keras_recipes.recipes.common.baselines import baseline_metrics
from keras_recipes.recipes.common.config import TabularDataConfig
from keras_recipes.recipes.common.config import option
from keras_recipes.recipes.common.config import parse_config
from keras_recipes.recipes.common.evaluation import classification_metrics
from keras_recipes.recipes.common.optimizer_runs import parse_optimizer_names
from keras_recipes.recipes.common.report import Report
from keras_recipes.recipes.common.run_context import exit_on_error
from keras_recipes.recipes.common.run_context import print_summary
from keras_recipes.recipes.common.run_context import start_run
from keras_recipes.recipes.common.tabular import load_tabular_data
from keras_recipes.recipes.common.tuning_runs import ranked_trials_markdown
from keras_recipes.tuning import SearchSpace
from keras_recipes.tuning import TabularHyperModel
from keras_recipes.tuning import create_optimizer
from keras_recipes.tuning import flatten_values
from keras_recipes.tuning import list_tuners
from keras_recipes.tuning import plot_anytime
from keras_recipes.tuning import plot_hyperparameters
from keras_recipes.tuning import plot_objective_by_trial
from keras_recipes.tuning import retrain_best
from keras_recipes.tuning import run_sweep

NAME = "hyperparameter_search"
OBJECTIVE = "val_loss"
MEASURES = ["test_accuracy", "test_f1", "test_roc_auc", "test_loss"]


@dataclasses.dataclass
class Config(TabularDataConfig):
    """Settings of the hyperparameter search recipe."""

    tuners: str = option("random,bayesian,hyperband", "Comma-separated tuners to compare.")
    optimizers: str = option("sgd,momentum,rmsprop,adam,adamw,nadam",
                             "Comma-separated optimizers to search.")
    budget_epochs: int = option(150, "Training epochs each tuner may spend in total.")
    max_trials: int = option(60, "Most trials per tuner (the epoch budget usually ends first).")
    epochs: int = option(15, "Epochs of one trial (Hyperband's longest round).")
    patience: int = option(5, "Early-stopping patience within a trial.")
    units: int = option(32, "Width of each hidden layer.")
    depth: int = option(2, "Number of hidden layers.")
    dropout: float = option(0.1, "Dropout rate after each hidden layer.")
    batch_size: int = option(32, "Mini-batch size.")
    folds: int = option(5, "Folds of the scikit-learn cross-validation.")

    smoke_settings: typing.ClassVar[dict] = {
        "epochs": 2, "budget_epochs": 4, "max_trials": 2, "patience": 1, "folds": 2,
        "optimizers": "adam,sgd",
    }


# %% tags=["parameters"]
smoke = False

# %% tags=["active-ipynb"]
# from keras_recipes.recipes.common.notebook_display import show_data, show_report
# config = Config(smoke=smoke).resolved()


# %% [markdown]
# ## Data
#
# Scikit-learn's bundled breast-cancer set (569 tumours, 30 measurements,
# malignant or benign), split 70/15/15 with stratification. Every trial
# trains on the training rows and is scored on the validation rows; the test
# rows are used once, by the retrained winner.
#
# Trials are ranked by the validation **loss**, not the accuracy: on 86
# validation rows the accuracy moves in steps of 1.2 points and many
# configurations reach 100%, so it cannot tell good from better, while the
# cross-entropy still can.

# %%
def load_data(config):
    return load_tabular_data(config, task="classification")


# %% tags=["active-ipynb"]
# data = load_data(config)
# show_data(data)


# %% [markdown]
# ## The search space
#
# `SearchSpace` builds the space from the registry records, so nothing is
# listed by hand. The architecture is fixed here (`fixed=`) so that the
# comparison is about the optimizer; `tune=["architecture"]` would search it
# too. `lbfgs` is not in the space: it is not a Keras optimizer (it needs the
# whole training set at every step), so a KerasTuner trial cannot run it.

# %%
def build_hypermodel(config, dataset):
    space = SearchSpace(
        optimizers=parse_optimizer_names(config.optimizers),
        fixed={"units": config.units, "depth": config.depth,
               "dropout": config.dropout, "batch_size": config.batch_size,
               "epochs": config.epochs},
    )
    return TabularHyperModel(dataset.x_train, task=dataset.task,
                             num_classes=dataset.num_classes, space=space)


# %% [markdown]
# ## Search
#
# Each tuner gets the same budget of training epochs (`budget_epochs`) and
# the same seed, so the first trials of all three draw the same
# configurations. Random and Bayesian trials stop early after `patience`
# epochs without improvement. Bayesian optimisation starts from a third of
# the trials the budget allows drawn at random (KerasTuner's default, three
# per searched dimension, would spend the whole budget at random), then
# fits a Gaussian process to the scores and proposes the next trial.
# Hyperband runs many short trials (a few epochs) and continues the best
# ones from their weights, up to `epochs`. Every trial prints one line: its
# number, status, score and the best so far.

# %%
def search(config, context, hypermodel, dataset, tuner):
    context.log(f"--- {tuner} ---")
    started = time.perf_counter()
    result = run_sweep(
        hypermodel, dataset.x_train, dataset.y_train,
        (dataset.x_val, dataset.y_val), tuner=tuner, max_trials=config.max_trials,
        objective=OBJECTIVE, directory=context.path(f"sweeps/{tuner}"),
        patience=None if tuner == "hyperband" else config.patience,
        max_epochs=config.epochs, seed=config.seed, epoch_budget=config.budget_epochs,
        num_initial_points=max(2, config.budget_epochs // config.epochs // 3),
        progress=context.log)
    return result, time.perf_counter() - started


def summarise(results):
    rows = []
    for tuner, (result, seconds) in results.items():
        records = result.records
        best = result.best_record
        rows.append({
            "tuner": tuner, f"best {OBJECTIVE}": best["score"] if best else None,
            "trials": len(records),
            "diverged": sum(r["status"] == "diverged" for r in records),
            "epochs": sum(r["epochs_run"] for r in records),
            "seconds": seconds,
            "best optimizer": best["hyperparameters"]["optimizer"] if best else None,
        })
    return rows


# %% [markdown]
# ## Evaluate the best configuration
#
# The best trial of all tuners is trained again from scratch on the
# training rows (with early stopping on the validation rows) and evaluated
# once on the test rows. The report puts scikit-learn's LogisticRegression
# and HistGradientBoostingClassifier beside it, fitted on the same training
# rows and scored on the same test rows (`baseline_*` in `metrics.json`):
# what the search bought over a model with nothing to tune.

# %%
def evaluate_best(config, context, hypermodel, dataset, result):
    model, history = retrain_best(hypermodel, result, dataset.x_train, dataset.y_train,
                                  (dataset.x_val, dataset.y_val), seed=config.seed,
                                  patience=config.patience, verbose=context.fit_verbose)
    test_loss = float(model.evaluate(dataset.x_test, dataset.y_test, verbose=0)[0])
    probabilities = model.predict(dataset.x_test, verbose=0)
    metrics = classification_metrics(dataset.y_test, probabilities, dataset.task,
                                     test_loss=test_loss)
    return metrics, history


# %% [markdown]
# ## A scikit-learn bridge
#
# `keras.wrappers.SKLearnClassifier` makes a Keras model a scikit-learn
# estimator. Its `model` argument is a function of the training fold
# (`X`, and `y` one-hot encoded by the wrapper) returning a compiled model,
# so the preprocessing is fitted on each fold's rows only. Two things to
# know: the wrapper one-hot encodes the labels, so the model ends in a
# softmax with categorical cross-entropy even for two classes; and
# `sklearn.base.clone` keeps `model_kwargs` but drops `fit_kwargs`, so the
# epochs go to `fit` (`params=` of `cross_val_score`, arguments of
# `GridSearchCV.fit`). Here the winner's settings are scored by stratified
# k-fold cross-validation, and `GridSearchCV` checks its learning rate
# against a third and three times it.

# %%
def sklearn_model(X, y, optimizer, learning_rate, optimizer_arguments, units, depth,
                  dropout):
    preprocessing = build_tabular_preprocessing(X)
    model = create_model("mlp", task="multiclass", num_classes=y.shape[1],
                         preprocessing=preprocessing, units=units, depth=depth,
                         dropout=dropout)
    model.compile(
        optimizer=create_optimizer(optimizer, learning_rate=learning_rate,
                                   **optimizer_arguments),
        loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def sklearn_bridge(config, dataset, best_values):
    x = np.concatenate([dataset.x_train, dataset.x_val])
    y = np.concatenate([dataset.y_train, dataset.y_val])
    optimizer = best_values["optimizer"]
    prefix = f"{optimizer}/"
    arguments = {k[len(prefix):]: v for k, v in best_values.items()
                 if k.startswith(prefix) and k != f"{prefix}learning_rate"}
    model_kwargs = dict(optimizer=optimizer,
                        learning_rate=best_values[f"{prefix}learning_rate"],
                        optimizer_arguments=arguments, units=config.units,
                        depth=config.depth, dropout=config.dropout)
    fit_params = {"epochs": config.epochs, "batch_size": config.batch_size, "verbose": 0}
    folds = StratifiedKFold(config.folds, shuffle=True, random_state=config.seed)
    keras.utils.set_random_seed(config.seed)
    estimator = keras.wrappers.SKLearnClassifier(model=sklearn_model,
                                                 model_kwargs=model_kwargs)
    grid = [dict(model_kwargs, learning_rate=model_kwargs["learning_rate"] * factor)
            for factor in (1 / 3, 1.0, 3.0)]
    search = GridSearchCV(estimator, {"model_kwargs": grid}, cv=folds,
                          scoring="accuracy", refit=False)
    # The wrapper's predict() has no `verbose`: silence its progress bars, and
    # TensorFlow's warning that each new fold's model traces new functions.
    keras.utils.disable_interactive_logging()
    tensorflow_logger = logging.getLogger("tensorflow")
    level = tensorflow_logger.level
    tensorflow_logger.setLevel(logging.ERROR)
    try:
        started = time.perf_counter()
        scores = cross_val_score(estimator, x, y, cv=folds, scoring="accuracy",
                                 params=fit_params)
        cv_seconds = time.perf_counter() - started
        search.fit(x, y, **fit_params)
    finally:
        keras.utils.enable_interactive_logging()
        tensorflow_logger.setLevel(level)
    ranked = [{"learning_rate": params["model_kwargs"]["learning_rate"],
               "mean accuracy": mean, "std": std}
              for params, mean, std in zip(search.cv_results_["params"],
                                           search.cv_results_["mean_test_score"],
                                           search.cv_results_["std_test_score"])]
    return {
        "sklearn_cv_accuracy_mean": float(scores.mean()),
        "sklearn_cv_accuracy_std": float(scores.std()),
        "sklearn_cv_seconds": cv_seconds,
        "grid_best_learning_rate": float(
            search.best_params_["model_kwargs"]["learning_rate"]),
        "grid_best_accuracy": float(search.best_score_),
    }, ranked


# %% [markdown]
# ## Run
#
# `run` ties the steps together and writes the run directory: one KerasTuner
# project and `trials.csv`/`trials.json` per tuner under `sweeps/`, then
# `history.csv`, `metrics.json`, `plots/` and `report.md`.

# %%
def run(config):
    config = config.resolved()
    tuners = [name.strip() for name in config.tuners.split(",") if name.strip()]
    unknown = [name for name in tuners if name not in list_tuners()]
    if unknown or not tuners:
        raise ValueError(
            f"The 'tuners' parameter must list tuners from {list_tuners()}. "
            f"Got {config.tuners!r} instead."
        )
    dataset = load_data(config)
    hypermodel = build_hypermodel(config, dataset)
    context = start_run(NAME, config)
    context.log(dataset.describe())
    results = {tuner: search(config, context, hypermodel, dataset, tuner)
               for tuner in tuners}
    summary = summarise(results)
    scored = [(result.best_record["score"], tuner)
              for tuner, (result, _) in results.items() if result.best_record]
    if not scored:
        raise RuntimeError("No trial of any tuner got a score; see the trials.csv files.")
    winner = min(scored)[1]  # The lowest validation loss.
    best = results[winner][0]
    metrics, history = evaluate_best(config, context, hypermodel, dataset, best)
    context.save_history(history)
    best_values = best.best_hyperparameters.values
    bridge, grid_rows = sklearn_bridge(config, dataset, best_values)
    metrics.update(bridge)
    metrics["best_tuner"] = winner
    for row in summary:
        for key in ("trials", "diverged", "epochs", "seconds"):
            metrics[f"{row['tuner']}_{key}"] = row[key]
        metrics[f"{row['tuner']}_best_{OBJECTIVE}"] = row[f"best {OBJECTIVE}"]

    sweeps = {tuner: result.records for tuner, (result, _) in results.items()}
    plot_paths = {
        "Best validation loss against total epochs trained": plot_anytime(
            sweeps, context.plot_path("anytime_epochs"), by="epochs",
            objective=OBJECTIVE, direction="min", log_y=True),
        "Best validation loss against training seconds": plot_anytime(
            sweeps, context.plot_path("anytime_seconds"), by="seconds",
            objective=OBJECTIVE, direction="min", log_y=True),
        f"{OBJECTIVE} by trial ({winner})": plot_objective_by_trial(
            best.records, OBJECTIVE, context.plot_path("objective_by_trial"),
            direction="min"),
        f"{OBJECTIVE} against each hyperparameter ({tuners[0]})": plot_hyperparameters(
            results[tuners[0]][0].records, OBJECTIVE, context.plot_path("hyperparameters")),
        "Learning curves of the retrained best configuration": figures.plot_learning_curves(
            history, context.plot_path("learning_curves")),
    }

    report = Report("Hyperparameter search over the optimizer family", context.run_dir)
    report.add_text(dataset.describe())
    report.add_section("Tuners on the same budget")
    report.add_table(summary)
    report.add_section(f"Best configuration ({winner})")
    report.add_table([{"hyperparameter": key, "value": value}
                      for key, value in flatten_values(best_values).items()])
    report.add_section("Test metrics and scikit-learn bridge")
    report.add_metrics(metrics)
    baselines = add_baselines(report, dataset, MEASURES, seed=config.seed)
    metrics.update(baseline_metrics(baselines, MEASURES))
    report.add_section("GridSearchCV over the learning rate")
    report.add_table(grid_rows)
    report.add_section(f"Trials of {winner}, best first")
    report.add_text(ranked_trials_markdown(best.records, OBJECTIVE, best.direction))
    for caption, path in plot_paths.items():
        report.add_plot(path, caption)
    report.add_config(config.to_dict(), context.environment)
    return context.finish(metrics, report, history)


def main(argv=None):
    config = parse_config(Config, argv, prog=f"keras-recipes run {NAME}")
    with exit_on_error(NAME):
        result = run(config)
    print_summary(result, ["test_accuracy", "sklearn_cv_accuracy_mean",
                           "grid_best_accuracy"])
    return result


# %% tags=["active-ipynb"]
# result = run(config)
# show_report(result)


# %% [markdown]
# ## Conclusions
#
# Measured on the default run (breast cancer, seed 42, a budget of 150
# epochs per tuner, six optimizers; about 11 minutes on two busy CPU cores):
#
# | tuner | best val_loss | trials | epochs | seconds |
# |---|---|---|---|---|
# | random | 0.0034 | 11 | 153 | 149 |
# | Bayesian | 0.0012 | 11 | 161 | 354 |
# | Hyperband | 0.0011 | 29 | 151 | 102 |
#
# - **On the same epoch budget, Hyperband and Bayesian optimisation found
#   validation losses three times lower than random search.** Hyperband got
#   there by trying 29 configurations for 2-3 epochs each and training only
#   the promising ones to 15 epochs; it was also the fastest in wall time.
#   The Bayesian search spent its first 3 trials at random (the same draws as
#   random search, by the shared seed) and then proposed an Adam trial that
#   beat every random one; but proposing a trial (a Gaussian process over
#   the 24 conditional dimensions, optimised from 50 starts) cost more time
#   than training it on this small set: 354 s against 149 s. The budget is
#   checked after each trial, so a sweep overshoots it by at most one trial.
# - **Adam with a large learning rate won in all three searches** (the
#   winner: Adam, learning rate 0.045, beta_1 0.82, beta_2 0.997, AMSGrad);
#   SGD without momentum never came close in 15 epochs. No trial diverged
#   within the registry's learning-rate ranges.
# - **The validation split flatters the winner.** Retrained and tested once,
#   it reaches 93.0% test accuracy (ROC AUC 0.993, test loss 0.22), far from
#   what a validation loss of 0.001 suggests: picking the best of about 50
#   trials on 86 validation rows overfits those rows. It is also below
#   both scikit-learn baselines on the same 86 test rows
#   (LogisticRegression 0.965, HistGradientBoosting 0.953; the report's
#   baseline table): 51 trials of search did not reach what an untuned
#   linear model does on this split. Five-fold cross-validation of the
#   same settings through `SKLearnClassifier` and `cross_val_score` gives 97.1% ± 1.0%, and `GridSearchCV` prefers a third
#   of the learning rate (0.015: 98.1%, against 97.9% at 0.045 and
#   92.9% ± 7.3% at 0.135). On small data, score trials by
#   cross-validation: `keras-recipes tune tabular_classification --cv 5`.

# %% tags=["active-py"]
if __name__ == "__main__":
    main()

# %% [markdown]
# # Tabular regression with an MLP and a linear baseline
#
# **Description:** Predict a number from a table, bundled or your own CSV, and check the network against a scikit-learn linear baseline.
# **Task:** regression
# **Accelerator:** none needed (CPU, about 20 s); runs unchanged on a GPU
#
# ## Introduction
#
# Regression is the other half of tabular work: the target is a quantity
# (a price, a dose, a disease score), the loss is the mean squared error and
# the metrics are RMSE, MAE and R². This recipe is the complete workflow:
#
# - a **70/15/15 holdout split**, the test rows used once at the end;
# - **preprocessing inside the model** (standardised features, optional
#   imputation, category encoding), so the saved `.keras` file takes raw rows;
# - a **standardised target**: the network learns `(y - mean) / std` and a
#   final `Rescaling` layer maps its output back, so the saved model still
#   predicts in the original units;
# - **mini-batch Adam** with the library's standard callbacks (early stopping
#   that restores the best weights, a crash-safe best checkpoint, a NaN guard);
# - **evaluation** with MSE, RMSE, MAE and R², a predicted-vs-true plot and a
#   residual plot;
# - a **linear baseline** (ordinary least squares and RidgeCV from
#   scikit-learn) fitted on the same split and the same preprocessed
#   features: a network that cannot beat it is not worth its cost;
# - **saving** the model and checking that the reloaded copy predicts exactly
#   what the trained one does.
#
# Run it with `keras-recipes run regression` (add `--csv data.csv --target
# price` for your own data), or cell by cell here.

# %% [markdown]
# ## Setup

# %%
import dataclasses
import time
import typing

import numpy as np
from sklearn.linear_model import LinearRegression
from threadpoolctl import threadpool_limits

from keras_recipes.callbacks import standard_callbacks
from keras_recipes.models import add_target_scaling
from keras_recipes.models import build_tabular_preprocessing
from keras_recipes.models import task_loss
from keras_recipes.models import task_metrics
from keras_recipes.recipes.common import figures
from keras_recipes.recipes.common.baselines import baseline_models
from keras_recipes.recipes.common.config import TunableConfig
from keras_recipes.recipes.common.config import check_integer
from keras_recipes.recipes.common.config import check_non_negative_integer
from keras_recipes.recipes.common.config import check_positive
from keras_recipes.recipes.common.config import check_rate
from keras_recipes.recipes.common.config import option
from keras_recipes.recipes.common.config import parse_config
from keras_recipes.recipes.common.evaluation import regression_metrics
from keras_recipes.recipes.common.model_schema import write_schema
from keras_recipes.recipes.common.report import Report
from keras_recipes.recipes.common.run_context import check_out
from keras_recipes.recipes.common.run_context import exit_on_error
from keras_recipes.recipes.common.run_context import print_summary
from keras_recipes.recipes.common.run_context import start_run
from keras_recipes.recipes.common.tabular import build_tabular_model
from keras_recipes.recipes.common.tabular import flag_divergence
from keras_recipes.recipes.common.tabular import load_tabular_data
from keras_recipes.recipes.common.tabular import training_divergence
from keras_recipes.recipes.common.tracking import TRACKERS
from keras_recipes.recipes.common.tracking import check_tracker
from keras_recipes.recipes.common.tracking import start_tracking
from keras_recipes.tuning import create_optimizer
from keras_recipes.tuning import speed_options

NAME = "regression"


@dataclasses.dataclass
class Config(TunableConfig):
    """Settings of the tabular regression recipe."""

    dataset: str = option("diabetes", "Bundled regression dataset (ignored with --csv).")
    optimizer: str = option("adam", "Optimizer name (see keras_recipes.tuning.list_optimizers()).")
    learning_rate: float = option(1e-3, "Initial learning rate.", check=check_positive)
    batch_size: int = option(32, "Mini-batch size.", check=check_integer)
    epochs: int = option(500, "Maximum epochs; early stopping usually ends far sooner.",
                         check=check_integer)
    patience: int = option(30, "Epochs without validation improvement before stopping.",
                           check=check_non_negative_integer)
    units: int = option(32, "Width of each hidden layer.", check=check_integer)
    depth: int = option(2, "Number of hidden layers.", check=check_integer)
    dropout: float = option(0.0, "Dropout rate after each hidden layer.", check=check_rate)
    standardize_target: bool = option(
        True, "Learn the standardised target; a final layer restores the original units.")
    track: str = option(
        "none", "Log params, per-epoch metrics, the report and model.keras to MLflow "
        "(MLFLOW_TRACKING_URI, default sqlite:///mlflow.db).", choices=TRACKERS,
        check=check_tracker)

    smoke_settings: typing.ClassVar[dict] = {"epochs": 3, "patience": 2}


# %% tags=["parameters"]
smoke = False

# %% tags=["active-ipynb"]
# from keras_recipes.recipes.common.notebook_display import show_data, show_report
# config = Config(smoke=smoke).resolved()


# %% [markdown]
# ## Data
#
# The default is scikit-learn's bundled diabetes set: 442 patients, 10
# baseline measurements (age, sex, BMI, blood pressure and six blood serum
# values, already centred and scaled) and a quantitative measure of disease
# progression one year later (25 to 346). It is small and noisy: linear
# models explain about half of the variance, which makes it an honest test
# of whether a network adds anything. `load_tabular_data` validates a CSV
# before anything trains (missing target values, a text target, missing
# features without `--impute`, ID columns).

# %%
def load_data(config):
    return load_tabular_data(config, task="regression")


# %% tags=["active-ipynb"]
# data = load_data(config)
# show_data(data)


# %% [markdown]
# ## Model
#
# An MLP whose first layers are the preprocessing fitted on the training
# split only. With `standardize_target`, `add_target_scaling` (from
# `keras_recipes.models`) passes the head's output through
# `Rescaling(scale=std, offset=mean)` with the training target's statistics:
# the network itself works on a unit-variance target (its default
# initialisation and learning rate suit that scale), while the model as a
# whole — the one that is trained, saved and reloaded — predicts in the
# original units, so the loss, RMSE and MAE in the history are in those units
# too. Adam is invariant to the constant factor this puts on the gradients,
# so the training trajectory is the same as training on the standardised
# target directly.

# %%
def build_model(config, dataset):
    model = build_tabular_model(
        dataset, impute=config.impute, units=config.units, depth=config.depth,
        dropout=config.dropout,
    )
    if config.standardize_target:
        model = add_target_scaling(model, dataset.y_train)
    model.compile(
        optimizer=create_optimizer(config.optimizer, learning_rate=config.learning_rate),
        loss=task_loss("regression"),
        metrics=task_metrics("regression"),
        **speed_options(len(dataset.y_train), config.batch_size),
    )
    return model


# %% tags=["active-ipynb"]
# build_model(config, data).summary()


# %% [markdown]
# ## Train
#
# `standard_callbacks` is the library's usual stack: a NaN guard, early
# stopping on the validation loss that restores the best weights, and a
# crash-safe checkpoint of the best model under `checkpoints/`, plus per-epoch
# scalars in `logs/` for TensorBoard (`tensorboard --logdir runs`);
# `--track mlflow` logs the run to MLflow as well.

# %%
def train(config, context, model, dataset, tracker=None):
    callbacks = standard_callbacks(context.run_dir, monitor="val_loss",
                                   patience=config.patience, tensorboard=True)
    if tracker is not None:
        callbacks += tracker.callbacks()
    history = model.fit(
        dataset.x_train, dataset.y_train,
        validation_data=(dataset.x_val, dataset.y_val),
        epochs=config.epochs, batch_size=config.batch_size,
        callbacks=callbacks, verbose=context.fit_verbose,
    )
    return history.history, training_divergence(history.history, callbacks)


# %% [markdown]
# ## Baseline
#
# Ordinary least squares, RidgeCV (its penalty chosen by efficient
# leave-one-out cross-validation on the training rows) and scikit-learn's
# HistGradientBoostingRegressor (the usual strong tabular baseline, fitted
# on one thread) are fitted on the same training rows, after the same
# preprocessing (imputation, scaling, one-hot categories) fitted on the same
# rows. The row "training mean" predicts the
# training target's mean for every row: the R² = 0 reference.

# %%
def fit_baselines(config, dataset):
    preprocessing = build_tabular_preprocessing(
        dataset.x_train, categorical_columns=dataset.categorical_columns,
        impute=config.impute)
    features = {part: preprocessing.predict(getattr(dataset, f"x_{part}"), verbose=0)
                for part in ("train", "test")}
    baselines = {"Linear regression (OLS)": LinearRegression(),
                 **baseline_models("regression", config.seed)}
    predictions = {}
    for name, estimator in baselines.items():
        with threadpool_limits(1):  # Its OpenMP threads crawl on shared cores.
            estimator.fit(features["train"], dataset.y_train)
        predictions[name] = estimator.predict(features["test"])
    predictions["Training mean (no model)"] = np.full(
        len(dataset.y_test), float(np.mean(dataset.y_train)))
    return predictions


# %% [markdown]
# ## Evaluate
#
# The test split is touched once, here: MSE, RMSE, MAE and R² of the network
# and of each baseline, a predicted-vs-true scatter (points on the diagonal
# are perfect) and the residuals against the prediction (a funnel or a curve
# there means the errors depend on the prediction, which a single RMSE
# hides).

# %%
def evaluate(context, model, dataset, history, baselines):
    test_loss = model.evaluate(dataset.x_test, dataset.y_test, verbose=0)[0]
    predictions = model.predict(dataset.x_test, verbose=0).reshape(-1)
    metrics = regression_metrics(dataset.y_test, predictions, test_loss=float(test_loss))
    rows = [_table_row("MLP (this recipe)", metrics)]
    for name, baseline_predictions in baselines.items():
        scores = regression_metrics(dataset.y_test, baseline_predictions)
        rows.append(_table_row(name, scores))
        key = {"Linear regression (OLS)": "linear", "RidgeCV": "ridge",
               "HistGradientBoostingRegressor": "hist_gradient_boosting"}.get(name)
        if key:
            metrics.update({f"baseline_{key}_{m}": scores[f"test_{m}"]
                            for m in ("rmse", "mae", "r2")})
    plot_paths = {
        "Learning curves (loss is MSE in target units)": figures.plot_learning_curves(
            history, context.plot_path("learning_curves"), metrics=("loss", "rmse")),
        "Predicted vs true (test)": figures.plot_predictions(
            dataset.y_test, predictions, context.plot_path("predictions")),
        "Residuals (test)": figures.plot_residuals(
            dataset.y_test, predictions, context.plot_path("residuals")),
    }
    return metrics, rows, plot_paths


def _table_row(model_name, scores):
    return {"model": model_name, "RMSE": scores["test_rmse"],
            "MAE": scores["test_mae"], "R²": scores["test_r2"]}


# %% [markdown]
# ## Run
#
# `run` ties the steps together and writes the run directory: `config.json`,
# `history.csv`, `metrics.json`, `model.keras`, `checkpoints/`, `plots/` and
# `report.md`.

# %%
def run(config):
    config = config.resolved()
    check_out(NAME, config)
    dataset = load_data(config)
    context = start_run(NAME, config)
    context.log(dataset.describe())
    write_schema(context.run_dir, dataset, config)
    tracker = start_tracking(config.track, NAME, config, context.run_dir)
    model = build_model(config, dataset)
    started = time.perf_counter()
    history, divergence = train(config, context, model, dataset, tracker)
    train_seconds = time.perf_counter() - started
    context.save_history(history)
    baselines = fit_baselines(config, dataset)
    metrics, rows, plot_paths = evaluate(context, model, dataset, history, baselines)
    metrics.update(epochs_run=len(history["loss"]), train_seconds=train_seconds)
    metrics["reload_max_abs_diff"] = context.save_and_verify_model(model, dataset.x_test)
    context.log(f"test R² {metrics['test_r2']:.3f} (RidgeCV "
                f"{metrics['baseline_ridge_r2']:.3f}) after {metrics['epochs_run']} epochs")

    report = Report("Tabular regression", context.run_dir)
    flag_divergence(metrics, report, divergence, context)
    report.add_text(dataset.describe())
    for note in dataset.notes:
        report.add_text(f"Note: {note}")
    report.add_section(
        "Network against scikit-learn baselines (test split)",
        "Same split and same preprocessing for every row; the baselines are "
        "fitted on the training rows only.")
    report.add_table(rows)
    report.add_section("Test metrics")
    report.add_metrics(metrics)
    for caption, path in plot_paths.items():
        report.add_plot(path, caption)
    report.add_config(config.to_dict(), context.environment)
    result = context.finish(metrics, report, history)
    tracker.finish(result)
    return result


def main(argv=None):
    config = parse_config(Config, argv, prog=f"keras-recipes run {NAME}")
    with exit_on_error(NAME):
        result = run(config)
    print_summary(result, ["test_r2", "test_rmse", "test_mae", "baseline_ridge_r2"])
    return result


# %% tags=["active-ipynb"]
# result = run(config)
# show_report(result)


# %% [markdown]
# ## Conclusions
#
# Measured by the default run (`keras-recipes run regression`, on JAX:
# diabetes, seed 42, 308/67/67 rows, 2x32 ReLU MLP, Adam 1e-3, batch 32;
# 18 s for the whole command on 2 shared CPU cores; the first measurement,
# on TensorFlow, took 1 min 23 s and gave R² 0.478):
#
# | model | RMSE | MAE | R² |
# |---|---|---|---|
# | MLP (this recipe) | 52.7 | 41.9 | 0.492 |
# | Linear regression (OLS) | 56.2 | 44.5 | 0.422 |
# | RidgeCV | 56.1 | 44.5 | 0.424 |
# | HistGradientBoostingRegressor | 58.9 | 45.4 | 0.366 |
# | Training mean (no model) | 74.1 | 64.1 | −0.006 |
#
# - **Early stopping** ended the run after 41 of the 500 allowed epochs
#   (51 in the TensorFlow run, whose random draws differ) and restored the
#   weights of the epoch 30 earlier, where the validation loss bottomed out
#   while the training loss was still falling (see the learning curves) —
#   the "prevents overfitting and saves compute" claim, confirmed here.
# - **Standardising the target** pays, as the preprocessing lore says of
#   standardisation: with `--no-standardize-target` the same network needed
#   120 epochs and reached only R² = 0.401, below the linear baselines. The
#   saved model predicts in the original units either way (the reload check
#   found a maximum difference of 0 between the trained and reloaded model).
# - **RMSE and R² on 67 test rows are noisy; qualify any ranking.** On this
#   split the MLP beats RidgeCV by 0.068 R² and gradient boosting by 0.126.
#   On other splits it does not reliably (TensorFlow runs): `--seed 1` gave MLP 0.432 vs RidgeCV 0.420, `--seed 7` gave
#   MLP 0.246 vs RidgeCV 0.296. The split alone moves R² by more than 0.2,
#   far more than the gap between the models. On a set this small and this
#   noisy the honest summary is "a small MLP is about as good as a
#   cross-validated linear model"; compare on several splits (or k-fold
#   cross-validation) before preferring the network.
# - The residual plot shows no funnel or curve worth modelling; the errors
#   are large (MAE 42 on a 25-346 scale) because a year's disease progression
#   is only partly predictable from these ten measurements.

# %% tags=["active-py"]
if __name__ == "__main__":
    main()

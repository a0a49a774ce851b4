# %% [markdown]
# # K-fold cross-validation against a single holdout split
#
# **Description:** Estimate a tabular model's score with k-fold cross-validation and with 70/15/15 holdout splits, and measure the spread and the cost of each.
# **Task:** classification, regression
# **Accelerator:** none needed (CPU, about 1 min on 2 free cores); runs unchanged on a GPU
#
# ## Introduction
#
# How good is a model? On a small dataset the usual answer, the score on a
# held-out test split, rests on a few dozen rows: another random split can
# give a noticeably different number. **K-fold cross-validation** answers
# with every row: the data is cut into k folds, each fold is scored by a
# model trained on the other k - 1, and the k scores give a mean and a
# spread. The lore says it gives "a stable estimate at k times the cost",
# against a holdout split of 70/15/15 or 80/10/10.
#
# This recipe measures both sides of that trade:
#
# - **k-fold** (`--folds`, default 5): stratified folds for classification,
#   plain `KFold` for regression. Inside each fold the training part is
#   split again (85/15) for early stopping, and the model's preprocessing
#   (scaling, encoding, imputation) is fitted on that fold's training rows
#   only, so no statistic of the scored rows leaks into the model;
# - **holdout**: the same training procedure on a 70/15/15 split, drawn
#   `--holdout-splits` times with different seeds (default 5): the first
#   draw is *the* single holdout estimate a project would report, the others
#   show how far that one number can move;
# - the **cost**: wall time of the k folds against one holdout run;
# - the **scikit-learn baselines** (LogisticRegression or RidgeCV, and
#   HistGradientBoosting) cross-validated on the same folds, each fitted on
#   the fold's training rows, so the network's k-fold score is compared
#   fold by fold with what a linear model and gradient boosting reach.
#
# Run it with `keras-recipes run cross_validation` (`--dataset diabetes` for
# regression, `--csv data.csv --target label [--task regression]` for your
# own data, `--optimizer lbfgs` for full-batch L-BFGS), or cell by cell here.

# %% [markdown]
# ## Setup

# %%
import dataclasses
import time
import typing

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from keras_recipes.callbacks import EarlyStopping
from keras_recipes.models import add_target_scaling
from keras_recipes.recipes.common.baselines import baseline_metrics
from keras_recipes.recipes.common.baselines import baseline_rows
from keras_recipes.recipes.common.config import TabularDataConfig
from keras_recipes.recipes.common.config import check_integer
from keras_recipes.recipes.common.config import check_positive
from keras_recipes.recipes.common.config import check_rate
from keras_recipes.recipes.common.config import option
from keras_recipes.recipes.common.config import optional
from keras_recipes.recipes.common.config import parse_config
from keras_recipes.recipes.common.datasets import list_datasets
from keras_recipes.recipes.common.evaluation import classification_metrics
from keras_recipes.recipes.common.evaluation import regression_metrics
from keras_recipes.recipes.common.folds import all_rows
from keras_recipes.recipes.common.folds import check_folds
from keras_recipes.recipes.common.folds import holdout_dataset
from keras_recipes.recipes.common.folds import kfold_datasets
from keras_recipes.recipes.common.folds import plot_fold_scores
from keras_recipes.recipes.common.optimizer_runs import check_optimizer_name
from keras_recipes.recipes.common.report import Report
from keras_recipes.recipes.common.run_context import check_out
from keras_recipes.recipes.common.run_context import exit_on_error
from keras_recipes.recipes.common.run_context import print_summary
from keras_recipes.recipes.common.run_context import start_run
from keras_recipes.recipes.common.runs import write_text
from keras_recipes.recipes.common.splits import num_rows
from keras_recipes.recipes.common.tabular import build_tabular_model
from keras_recipes.recipes.common.tabular import load_tabular_data
from keras_recipes.tuning import fit_with_optimizer
from keras_recipes.tuning import format_interval
from keras_recipes.tuning import mean_interval
from keras_recipes.tuning import paired_difference
from keras_recipes.tuning import predict_all

NAME = "cross_validation"
TASKS = ("auto", "classification", "regression")


def check_folds_count(name, value):
    check_integer(name, value, minimum=2)


@dataclasses.dataclass
class Config(TabularDataConfig):
    """Settings of the cross-validation recipe."""

    task: str = option("auto", "Task; auto takes the bundled dataset's own, and "
                       "classification for --csv.", choices=TASKS)
    folds: int = option(5, "Number of cross-validation folds (k).", check=check_folds_count)
    holdout_splits: int = option(
        5, "70/15/15 holdout splits to draw; the first is the single holdout.",
        check=check_integer)
    optimizer: str = option(
        "adam", "Optimizer name (see list_optimizers(); lbfgs trains full-batch).")
    learning_rate: typing.Optional[float] = option(
        None, "Learning rate; defaults to the optimizer's registry default.",
        check=optional(check_positive))
    batch_size: int = option(32, "Mini-batch size.", check=check_integer)
    epochs: int = option(100, "Maximum epochs; early stopping usually ends sooner.",
                         check=check_integer)
    patience: int = option(10, "Epochs without validation improvement before stopping.",
                           check=check_integer)
    units: int = option(32, "Width of each hidden layer.", check=check_integer)
    depth: int = option(2, "Number of hidden layers.", check=check_integer)
    dropout: float = option(0.1, "Dropout rate after each hidden layer.", check=check_rate)
    standardize_target: bool = option(
        True, "Regression: learn the standardised target (the model predicts raw units).")

    smoke_settings: typing.ClassVar[dict] = {
        "folds": 2, "holdout_splits": 2, "epochs": 2, "patience": 1,
    }

    def __post_init__(self):
        super().__post_init__()
        check_optimizer_name(self.optimizer)


# %% tags=["parameters"]
smoke = False

# %% tags=["active-ipynb"]
# from keras_recipes.recipes.common.notebook_display import show_data, show_report
# config = Config(smoke=smoke).resolved()


# %% [markdown]
# ## Data
#
# The default is scikit-learn's Wisconsin breast-cancer set, 569 rows: small
# enough that a 15% test split is only 86 rows, which is where the choice
# of estimate matters. `--dataset diabetes` (442 rows) or `regression` runs
# the regression path. The loader validates the data as every recipe does;
# the rows of its train/validation/test parts are then put back together
# and re-split, into folds and into fresh holdout draws.

# %%
def resolve_task(config):
    if config.task != "auto":
        return config.task
    if config.csv is None and config.dataset in list_datasets("regression"):
        return "regression"
    return "classification"


def load_data(config):
    dataset = load_tabular_data(config, task=resolve_task(config))
    check_folds(all_rows(dataset)[1], config.folds, dataset.task != "regression")
    return dataset


# %% tags=["active-ipynb"]
# data = load_data(config)
# show_data(data)


# %% [markdown]
# ## Model
#
# The tabular MLP, built afresh from each fold's own `Dataset`, so its
# scaling and encoding layers are fitted on that fold's training rows. For
# regression the network learns the standardised target and a last layer
# turns its output back into the target's units (with the fold's own
# training mean and standard deviation).

# %%
def model_builder(config, dataset):
    def build():
        model = build_tabular_model(dataset, impute=config.impute, units=config.units,
                                    depth=config.depth, dropout=config.dropout)
        if dataset.task == "regression" and config.standardize_target:
            model = add_target_scaling(model, dataset.y_train)
        return model
    return build


# %% tags=["active-ipynb"]
# model_builder(config, data)().summary()


# %% [markdown]
# ## Train
#
# Every fold and every holdout draw is trained the same way: the chosen
# optimizer, at most `epochs` epochs, early stopping on its own validation
# rows with the best weights restored, and the same weight seed. Then its
# held-out rows are scored once. One progress bar counts all the runs.

# %%
def train_and_score(config, dataset):
    run = fit_with_optimizer(
        model_builder(config, dataset), dataset, config.optimizer,
        learning_rate=config.learning_rate, epochs=config.epochs,
        batch_size=config.batch_size, seed=config.seed,
        callbacks=[EarlyStopping(monitor="val_loss", patience=config.patience,
                                 restore_best_weights=True)])
    predictions = predict_all(run.model, dataset.x_test)
    if dataset.task == "regression":
        scores = regression_metrics(dataset.y_test, predictions)
    else:
        scores = classification_metrics(dataset.y_test, predictions, dataset.task)
    sizes = dataset.sizes
    return {"train_rows": sizes["train"], "val_rows": sizes["val"],
            "test_rows": sizes["test"], "epochs": run.epochs,
            "seconds": run.seconds, **scores}


def split(config, dataset):
    folds = kfold_datasets(dataset, folds=config.folds, seed=config.seed)
    holdouts = [holdout_dataset(dataset, seed=config.seed + index)
                for index in range(config.holdout_splits)]
    return folds, holdouts


def train(config, folds, holdouts):
    fold_rows, holdout_rows = [], []
    total = len(folds) + len(holdouts)
    with tqdm(total=total, desc=NAME, unit="run", disable=not config.verbose) as progress:
        for index, fold in enumerate(folds):
            progress.set_postfix_str(f"fold {index + 1}/{len(folds)}")
            fold_rows.append({"fold": index + 1, **train_and_score(config, fold)})
            progress.update(1)
        for index, holdout in enumerate(holdouts):
            progress.set_postfix_str(f"holdout seed {config.seed + index}")
            holdout_rows.append({"split_seed": config.seed + index,
                                 **train_and_score(config, holdout)})
            progress.update(1)
    return fold_rows, holdout_rows


# %% [markdown]
# ## Evaluate
#
# The k-fold estimate is the mean of the fold scores, its spread their
# standard deviation (the standard error of the mean is that over √k). The
# holdout estimate is the first draw's score; the standard deviation over
# all draws is how much a single holdout estimate moves from one random
# split to the next. The cost is the summed wall time of the folds against
# that of the single holdout run.
#
# The baselines are fitted on each fold's training rows (not its
# validation rows, which the network uses only to stop early) and scored on
# the fold's held-out rows, like the network. Their k-fold scores are
# compared with the network's fold by fold: the mean difference with its
# 95% interval, a paired t-test and the folds where the network is better.
# (The folds share most of their training rows, so the fold scores are not
# independent and the interval is a little optimistic.)

# %%
def score_name(task):
    return "test_r2" if task == "regression" else "test_accuracy"


def fold_baselines(config, folds):
    """Each baseline's measures on every fold: `{model: [fold 1 row, ...]}`."""
    scores = {}
    for fold in folds:
        for row in baseline_rows(fold, config.seed):
            scores.setdefault(row["model"], []).append(row)
    return scores


def compare_baselines(config, dataset, fold_rows, baselines):
    """The network's and each baseline's k-fold score, and the paired differences."""
    score = score_name(dataset.task)
    column = f"{config.folds}-fold {score} [95% CI]"
    network = [row[score] for row in fold_rows]
    rows = [{"model": "MLP (this recipe)", column: format_interval(mean_interval(network)),
             "MLP - model [95% CI]": "", "p-value": "", "folds MLP better": ""}]
    for model, scores in baselines.items():
        values = [row[score] for row in scores]
        difference = paired_difference(network, values)
        rows.append({"model": model, column: format_interval(mean_interval(values)),
                     "MLP - model [95% CI]": format_interval(difference),
                     "p-value": difference["p_value"],
                     "folds MLP better": f"{difference['better']} of {difference['n']}"})
    return rows


def baseline_cv_metrics(baselines, fold_rows):
    """Each baseline's `baseline_<model>_cv_<measure>_mean` and `_std` over the folds."""
    metrics = {}
    for model, scores in baselines.items():
        summary = {"model": model}
        for key in metric_keys(fold_rows):
            values = [score[key] for score in scores if key in score]
            if values:
                summary[f"cv_{key}_mean"] = float(np.mean(values))
                summary[f"cv_{key}_std"] = float(np.std(values))
        metrics.update(baseline_metrics([summary], list(summary)[1:]))
    return metrics


def metric_keys(fold_rows):
    return [key for key in fold_rows[0] if key.startswith("test_") and key != "test_rows"]


def summarize(config, dataset, fold_rows, holdout_rows):
    summary, metrics = [], {}
    for key in metric_keys(fold_rows):
        fold_values = [row[key] for row in fold_rows]
        holdout_values = [row[key] for row in holdout_rows]
        summary.append({
            "metric": key.removeprefix("test_"),
            f"{config.folds}-fold mean [95% CI]": format_interval(mean_interval(fold_values)),
            "standard error": float(np.std(fold_values) / np.sqrt(len(fold_values))),
            "single holdout": holdout_values[0],
            f"holdout over {len(holdout_values)} draws [95% CI]": format_interval(
                mean_interval(holdout_values)),
        })
        metrics[f"cv_{key}_mean"] = float(np.mean(fold_values))
        metrics[f"cv_{key}_std"] = float(np.std(fold_values))
        metrics[f"holdout_{key}"] = holdout_values[0]
        metrics[f"holdout_{key}_std"] = float(np.std(holdout_values))
    score = score_name(dataset.task)
    cv_seconds = float(sum(row["seconds"] for row in fold_rows))
    metrics.update({f"fold_{row['fold']}_score": row[score] for row in fold_rows})
    metrics.update({f"holdout_{index + 1}_score": row[score]
                    for index, row in enumerate(holdout_rows)})
    metrics.update(
        score=score.removeprefix("test_"),
        folds=config.folds, cv_seconds=cv_seconds,
        holdout_seconds=holdout_rows[0]["seconds"],
        cost_ratio=cv_seconds / holdout_rows[0]["seconds"],
        train_seconds=cv_seconds + sum(row["seconds"] for row in holdout_rows),
    )
    return summary, metrics


# %% [markdown]
# ## Run
#
# `run` loads and checks the data (including whether every class has enough
# rows for `--folds`) before the run directory exists, then writes
# `config.json`, `metrics.json` (`cv_test_accuracy_mean`,
# `holdout_test_accuracy`, `fold_1_score`, ..., `cost_ratio`, and the
# baselines' `baseline_logistic_regression_cv_test_accuracy_mean`, ...), `folds.csv`
# and `holdouts.csv` (every metric of every run), `plots/` and `report.md`.

# %%
def run(config):
    config = config.resolved()
    check_out(NAME, config)
    dataset = load_data(config)
    context = start_run(NAME, config)
    context.log(f"{dataset.describe()}; {num_rows(all_rows(dataset)[0])} rows in "
                f"{config.folds} folds and {config.holdout_splits} holdout draw(s)")
    folds, holdouts = split(config, dataset)
    started = time.perf_counter()
    fold_rows, holdout_rows = train(config, folds, holdouts)
    seconds = time.perf_counter() - started
    summary, metrics = summarize(config, dataset, fold_rows, holdout_rows)
    baselines = fold_baselines(config, folds)
    metrics.update(baseline_cv_metrics(baselines, fold_rows))
    score = score_name(dataset.task)
    figure = plot_fold_scores([row[score] for row in fold_rows],
                              [row[score] for row in holdout_rows],
                              score, context.plot_path("fold_scores"))
    write_text(context.path("folds.csv"), pd.DataFrame(fold_rows).to_csv(index=False))
    write_text(context.path("holdouts.csv"),
               pd.DataFrame(holdout_rows).to_csv(index=False))

    report = Report("K-fold cross-validation against a single holdout split",
                    context.run_dir)
    report.add_text(
        f"{dataset.describe()} (all rows re-split). Optimizer `{config.optimizer}`, "
        f"at most {config.epochs} epochs with early stopping (patience "
        f"{config.patience}) on each run's own validation rows. All training "
        f"took {seconds:.0f} s.")
    report.add_section("Estimates",
                       f"The {config.folds}-fold cross-validation took "
                       f"{metrics['cv_seconds']:.1f} s, the single holdout run "
                       f"{metrics['holdout_seconds']:.1f} s: "
                       f"{metrics['cost_ratio']:.1f}x the cost.")
    report.add_table(summary)
    report.add_plot(figure, f"{score} of each fold, with the holdout estimates")
    if baselines:
        report.add_section(
            "scikit-learn baselines on the same folds",
            "Each baseline fitted on every fold's training rows and scored on its "
            "held-out rows; differences paired over the folds (paired t-test).")
        report.add_table(compare_baselines(config, dataset, fold_rows, baselines))
    report.add_section("Folds")
    report.add_table(fold_rows)
    report.add_section("Holdout draws (70/15/15)")
    report.add_table(holdout_rows)
    report.add_config(config.to_dict(), context.environment)
    return context.finish(metrics, report)


def main(argv=None):
    config = parse_config(Config, argv, prog=f"keras-recipes run {NAME}")
    with exit_on_error(NAME):
        result = run(config)
    score = result.metrics["score"]
    print_summary(result, [f"cv_test_{score}_mean", f"cv_test_{score}_std",
                           f"holdout_test_{score}", "cost_ratio"])
    return result


# %% tags=["active-ipynb"]
# result = run(config)
# show_report(result)


# %% [markdown]
# ## Conclusions
#
# Measured by the default run (`python -m keras_recipes.recipes.cross_validation`:
# breast cancer, Adam at 1e-3, early stopping with patience 10, 5 folds and
# 5 holdout draws, seed 42). It took 2 min 50 s of wall time on a 2-core
# machine shared with three other busy jobs (1 min 1 s of CPU time: about a
# minute on two free cores); the seconds below are inflated by that
# contention, but folds and holdouts ran under the same load.
#
# - **The single holdout estimate was optimistic, and only one draw of
#   many.** The first 70/15/15 split scored 0.9884 test accuracy on its 86
#   test rows; four more draws of the same split, trained the same way,
#   scored 0.930 to 0.977 (0.9651 ± 0.021 over the five). A project that
#   reports one holdout number reports one point of that range.
# - **"A stable estimate": confirmed.** The 5 folds scored 0.9649 to 0.9825,
#   a mean of 0.9754 ± 0.0086 over folds, so a standard error of 0.0038:
#   five times tighter than the spread of single holdout draws (0.021), and
#   every one of the 569 rows was scored once. (The folds share most of
#   their training rows, so std/√k is an optimistic error bar, but the
#   spread of the fold scores alone is already less than half that of the
#   holdout draws.)
# - **"At k times the cost": qualified.** The 5 folds took 70.6 s against
#   19.4 s for the first holdout run: 3.6x, and 4.3x the mean holdout run
#   (16.4 s). Less than 5x because each run stops early on its own
#   validation rows: the folds ran 24 to 49 epochs (182 in all), the
#   holdout draws 21 to 100 (59 for the first). On a table this small,
#   that cost (about a minute) buys a much better number; on data where one
#   training run takes hours, a larger holdout split is the usual
#   compromise.
# - **Against the scikit-learn baselines on the same folds, the MLP is
#   level with the linear model.** Measured on a JAX re-run of the default
#   (`keras-recipes run cross_validation --backend jax`, 2 min 38 s wall,
#   52 s CPU, on a busy machine), whose MLP folds scored 0.9474 to 0.9825
#   (0.9737 [0.9548, 0.9925]): LogisticRegression 0.9789 [0.9730, 0.9848]
#   and HistGradientBoosting 0.9613 [0.9374, 0.9852]. MLP minus
#   LogisticRegression is -0.0053 [-0.0265, +0.0160] (paired t-test over
#   the 5 folds, p = 0.53, the MLP better on 1 fold), MLP minus
#   HistGradientBoosting +0.0123 [-0.0128, +0.0375] (p = 0.24, 3 of 5):
#   neither is resolved on five folds. Over ten holdout splits
#   (`benchmarks/bench_tabular_baseline.py`, see `tabular_classification`)
#   the gap to LogisticRegression is as small and as unresolved, and the
#   MLP's lead over gradient boosting is resolved.

# %% tags=["active-py"]
if __name__ == "__main__":
    main()

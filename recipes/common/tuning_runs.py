"""`keras-recipes tune RECIPE`: a sweep over a tabular recipe, then its report.

The sweep searches the optimizer family of the registry (and, with
`--tune`, the schedule, batch size, epochs or architecture) on the recipe's
data; the recipe's own flags set the data and every setting that is not
searched. The best configuration is then retrained on the training split
and evaluated once on the test split, and the run directory gets the usual
files plus the sweep's:

    runs/tune-NAME-TIME/
        config.json  sweep.json  trials.csv  trials.json  tuner/ (KerasTuner)
        history.csv  metrics.json  model.keras  plots/*.png  report.md
"""

import dataclasses
import os
import time

import keras_tuner
import numpy as np

from keras_recipes.models.rows import concatenate_rows
from keras_recipes.recipes.common import figures
from keras_recipes.recipes.common.config import TunableConfig
from keras_recipes.recipes.common.config import build_parser
from keras_recipes.recipes.common.config import check_integer
from keras_recipes.recipes.common.config import explicit_flags
from keras_recipes.recipes.common.config import refuse
from keras_recipes.recipes.common.evaluation import classification_metrics
from keras_recipes.recipes.common.evaluation import predict_classes
from keras_recipes.recipes.common.evaluation import regression_metrics
from keras_recipes.recipes.common.model_schema import write_schema
from keras_recipes.recipes.common.optimizer_runs import parse_optimizer_names
from keras_recipes.recipes.common.registry import list_recipes
from keras_recipes.recipes.common.registry import load_recipe
from keras_recipes.recipes.common.registry import recipe_info
from keras_recipes.recipes.common.report import Report
from keras_recipes.recipes.common.report import format_value
from keras_recipes.recipes.common.run_context import start_run
from keras_recipes.recipes.common.runs import RunResult
from keras_recipes.recipes.common.runs import check_out_dir
from keras_recipes.recipes.common.runs import create_run_dir
from keras_recipes.recipes.common.runs import read_json
from keras_recipes.recipes.common.runs import write_json
from keras_recipes.recipes.common.tabular import class_weights
from keras_recipes.recipes.common.tabular import load_tabular_data
from keras_recipes.recipes.common.tracking import start_tracking
from keras_recipes.recipes.common.tracking import write_tensorboard_history
from keras_recipes.tuning import SearchSpace
from keras_recipes.tuning import TabularHyperModel
from keras_recipes.tuning import check_tuner_arguments
from keras_recipes.tuning import flatten_values
from keras_recipes.tuning import fold_indices
from keras_recipes.tuning import list_tuners
from keras_recipes.tuning import plot_hyperparameters
from keras_recipes.tuning import plot_objective_by_trial
from keras_recipes.tuning import retrain_best
from keras_recipes.tuning import run_sweep
from keras_recipes.tuning import trials_table

# Recipe settings that become fixed values of the space unless searched.
_FIXED_FROM_CONFIG = {"batch_size": "batch_size", "epochs": "epochs",
                      "units": "architecture", "depth": "architecture",
                      "dropout": "architecture"}
# Trials run under --smoke: enough to rank, few enough to take seconds.
SMOKE_MAX_TRIALS = 3


@dataclasses.dataclass
class TuneSettings:
    """The flags of `keras-recipes tune` besides the recipe's own.

    Attributes:
        tuner: One of `tuning.list_tuners()`.
        max_trials: Number of trials (a cap for Hyperband).
        objective: Log key to optimise; `None` picks `val_accuracy` for
            classification and `val_loss` for regression.
        cv: Folds of a cross-validated objective, or `None`.
        resume: Continue the sweep in `--out`.
        optimizers: Comma-separated optimizer names, or `None` for every
            Keras optimizer of the registry.
        tune: Comma-separated extra parts: schedule, batch_size, epochs,
            architecture.
        prune: Median pruning of random, grid and Bayesian trials.
    """

    tuner: str = "random"
    max_trials: int = 10
    objective: str = None
    cv: int = None
    resume: bool = False
    optimizers: str = None
    tune: str = ""
    prune: bool = False


def tunable_recipes():
    """Returns the recipes `tune` accepts, sorted: those with a `TunableConfig`.

    Such a recipe trains one MLP on a table; the sweep replaces its
    training settings and keeps its data flags.
    """
    return [name for name in list_recipes()
            if issubclass(load_recipe(name).Config, TunableConfig)]


def parse_tune_arguments(name, argv):
    """Parses `tune NAME` flags into the recipe's `Config` and `TuneSettings`.

    Bad values exit with the usage message, like `keras-recipes run`.
    """
    recipe = load_recipe(name)
    parser = build_parser(recipe.Config, prog=f"keras-recipes tune {name}",
                          description=f"Hyperparameter sweep over the {name} recipe.")
    group = parser.add_argument_group("sweep")
    flags = [
        ("--tuner", dict(default="random", choices=list_tuners(),
                         help="Search strategy.")),
        ("--max-trials", dict(type=int, default=10,
                              help="Number of trials (a cap for hyperband).")),
        ("--objective", dict(default=None, help="Log key to optimise (default "
                             "val_accuracy, or val_loss for regression).")),
        ("--cv", dict(type=int, default=None, help="Score each trial by the mean "
                      "over K stratified folds.")),
        ("--resume", dict(action="store_true",
                          help="Continue the interrupted sweep in --out.")),
        ("--optimizers", dict(default=None, help="Comma-separated optimizers to "
                              "search (default: every Keras optimizer of the registry).")),
        ("--tune", dict(default="", help="Also search: comma-separated schedule, "
                        "batch_size, epochs, architecture.")),
        ("--prune", dict(action="store_true",
                         help="Stop trials worse than the median of earlier ones.")),
    ]
    config_fields = {field.name for field in dataclasses.fields(recipe.Config)}
    for flag, arguments in flags:
        # A recipe flag of the same name (such as --resume) serves both.
        if flag[2:].replace("-", "_") not in config_fields:
            group.add_argument(flag, dest=flag[2:].replace("-", "_"), **arguments)
    values = vars(parser.parse_args(argv))
    settings = TuneSettings(**{field.name: values[field.name]
                               for field in dataclasses.fields(TuneSettings)})
    try:
        config = recipe.Config(**{key: values[key] for key in config_fields})
    except ValueError as error:
        refuse(parser, error)
    explicit = explicit_flags(parser, argv)
    config._explicit = explicit & config_fields
    settings._explicit = explicit - config_fields
    return config, settings


def tune_recipe(name, config=None, settings=None, fixed=None, ranges=None):
    """Runs a sweep over a tabular recipe, retrains the best and reports it.

    This is `keras-recipes tune NAME` from Python.

    Args:
        name: A name from `tunable_recipes()`.
        config: The recipe's `Config` (data, seed, out, smoke and the
            settings that are not searched). Defaults to `None`: its
            defaults.
        settings: A `TuneSettings`. Defaults to `None`: its defaults.
        fixed: Extra fixed values of the `SearchSpace`. Defaults to `None`.
        ranges: Extra search ranges of the `SearchSpace`, such as
            `{"sgd/learning_rate": (1e-3, 10.0)}`. Defaults to `None`.

    Returns:
        A `RunResult`; its metrics hold the test metrics of the retrained
        best configuration and the sweep's figures (`best_score`,
        `trials_completed`, `trials_diverged`, ...). A KerasTuner worker
        (chief/worker mode) returns after its trials, without a report.

    Raises:
        ValueError: Before any trial runs, for an unknown recipe, a recipe
            that is not tabular, or any bad setting or space definition.
    """
    if name not in tunable_recipes():
        raise ValueError(
            f"The 'recipe' parameter of tune must be a tabular recipe: "
            f"{', '.join(tunable_recipes())}. Got {name!r} instead."
        )
    recipe = load_recipe(name)
    config = (config or recipe.Config()).resolved()
    settings = settings or TuneSettings()
    check_integer("max_trials", settings.max_trials)
    family = recipe_info(name).task
    space = _search_space(config, settings, fixed, ranges)
    objective = settings.objective or (
        "val_loss" if family == "regression" else "val_accuracy")
    max_trials = settings.max_trials
    if config.smoke and ("max_trials" not in getattr(settings, "_explicit", ())
                         and settings.max_trials == TuneSettings.max_trials):
        max_trials = min(max_trials, SMOKE_MAX_TRIALS)  # An explicit --max-trials wins.
    distributed = "KERASTUNER_ORACLE_IP" in os.environ
    worker = distributed and "chief" not in os.environ.get("KERASTUNER_TUNER_ID", "")
    if distributed and not config.out:
        raise ValueError("KerasTuner's chief/worker mode needs --out DIR, the "
                         "directory every process shares.")
    check_out_dir(config.out, f"tune-{name}", resume=settings.resume or distributed)
    dataset = load_tabular_data(config, task=family)
    hypermodel = TabularHyperModel(
        dataset.x_train, task=dataset.task, num_classes=dataset.num_classes,
        space=space, categorical_columns=dataset.categorical_columns,
        impute=config.impute, class_weight=_class_weight(config, dataset))
    if objective not in hypermodel.objectives:
        raise ValueError(
            f"The 'objective' parameter must be one of {hypermodel.objectives}. "
            f"Got {objective!r} instead."
        )
    max_epochs = space.declare(keras_tuner.HyperParameters()).epochs
    check_tuner_arguments(settings.tuner, max_trials, max_epochs, settings.cv,
                          settings.prune, searched=space.names)
    if settings.cv is not None:
        fold_indices(np.concatenate([dataset.y_train, dataset.y_val]), settings.cv,
                     stratify=dataset.task != "regression", seed=config.seed)
    sweep = {"recipe": name, "tuner": settings.tuner, "max_trials": max_trials,
             "max_epochs": max_epochs,
             "objective": objective, "cv": settings.cv, "prune": settings.prune,
             "space": space.get_config(), "seed": config.seed}
    if worker:  # The shared folder gets the marker whichever process is first.
        create_run_dir(f"tune-{name}", config.out, resume=True)
        return _run_worker(config, settings, hypermodel, dataset, sweep)
    _check_resume(config, settings, sweep)
    context = start_run(f"tune-{name}", config, resume=settings.resume or distributed)
    write_json(context.path("sweep.json"), sweep)
    write_schema(context.run_dir, dataset, config)
    started = time.perf_counter()
    result = _sweep(config, settings, hypermodel, dataset, sweep, context.run_dir,
                    progress=context.log)
    sweep_seconds = time.perf_counter() - started
    tracker = start_tracking(getattr(config, "track", "none"), f"tune-{name}", config,
                             context.run_dir)
    tracker.log_trials(result.records)
    for record in result.records:
        if record.get("history"):
            write_tensorboard_history(context.path(f"logs/trial_{record['trial_id']}"),
                                      record["history"])
    run_result = _report(name, config, context, hypermodel, dataset, result, sweep_seconds)
    tracker.finish(run_result)
    return run_result


def _search_space(config, settings, fixed, ranges):
    parts = [part.strip() for part in settings.tune.split(",") if part.strip()]
    optimizers = None
    if settings.optimizers:
        optimizers = parse_optimizer_names(settings.optimizers)
    space_fixed = {
        field: getattr(config, field) for field, part in _FIXED_FROM_CONFIG.items()
        if hasattr(config, field) and part not in parts
    }
    space_fixed.update(fixed or {})
    for key in ranges or {}:
        space_fixed.pop(key, None)
    return SearchSpace(optimizers=optimizers, tune=parts, fixed=space_fixed,
                       ranges=ranges)


def _class_weight(config, dataset):
    if dataset.task == "regression" or not hasattr(config, "class_weight"):
        return None
    return class_weights(dataset.y_train, config.class_weight)


def _check_resume(config, settings, sweep):
    """Refuses to resume a sweep with different settings."""
    if not settings.resume or not config.out:
        return
    path = os.path.join(config.out, "sweep.json")
    if not os.path.exists(path):
        return
    saved = read_json(path)
    changed = sorted(key for key in sweep if saved.get(key) != _plain(sweep[key]))
    if changed:
        raise ValueError(
            f"--resume must continue the sweep with the same settings; these "
            f"differ from {path}: {', '.join(changed)}. Received: "
            + ", ".join(f"{key}={sweep[key]!r}" for key in changed)
        )


def _plain(value):
    """`value` as it reads back from JSON (tuples become lists)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _sweep(config, settings, hypermodel, dataset, sweep, directory, progress):
    if settings.cv:
        x, y = _development_rows(dataset), np.concatenate([dataset.y_train, dataset.y_val])
        validation_data = None
    else:
        x, y = dataset.x_train, dataset.y_train
        validation_data = (dataset.x_val, dataset.y_val)
    return run_sweep(
        hypermodel, x, y, validation_data, tuner=settings.tuner,
        max_trials=sweep["max_trials"], max_epochs=sweep["max_epochs"],
        objective=sweep["objective"],
        directory=directory, cv=settings.cv, patience=getattr(config, "patience", None),
        prune=settings.prune, seed=config.seed, resume=settings.resume,
        progress=progress)


def _run_worker(config, settings, hypermodel, dataset, sweep):
    tuner_id = os.environ["KERASTUNER_TUNER_ID"]
    result = _sweep(config, settings, hypermodel, dataset, sweep, config.out,
                    progress=lambda line: print(f"[{tuner_id}] {line}", flush=True))
    mine = [r for r in result.records if r.get("tuner_id") == tuner_id]
    return RunResult(run_dir=config.out, metrics={"trials_run": len(mine)})


def _development_rows(dataset):
    """Training and validation rows together, for cross-validation."""
    if isinstance(dataset.x_train, dict):
        return {key: concatenate_rows([dataset.x_train[key], dataset.x_val[key]])
                for key in dataset.x_train}
    return concatenate_rows([dataset.x_train, dataset.x_val])


def _report(name, config, context, hypermodel, dataset, result, sweep_seconds):
    records = result.records
    statuses = [record["status"] for record in records]
    best = result.best_record
    context.log(f"sweep done: {len(records)} trials in {sweep_seconds:.1f}s; "
                f"retraining the best ({_trial_label(best, len(records))})")
    started = time.perf_counter()
    model, history = retrain_best(hypermodel, result, dataset.x_train, dataset.y_train,
                                  (dataset.x_val, dataset.y_val), seed=config.seed,
                                  patience=getattr(config, "patience", None),
                                  verbose=context.fit_verbose)
    train_seconds = time.perf_counter() - started
    context.save_history(history)
    write_tensorboard_history(context.path("logs/best"), history)
    test_loss = float(model.evaluate(dataset.x_test, dataset.y_test, verbose=0)[0])
    predictions = model.predict(dataset.x_test, verbose=0)
    if dataset.task == "regression":
        metrics = regression_metrics(dataset.y_test, predictions, test_loss=test_loss)
    else:
        metrics = classification_metrics(dataset.y_test, predictions, dataset.task,
                                         test_loss=test_loss)
    metrics.update(
        best_score=float(best["score"]), best_trial=int(best["trial_id"]),
        trials=len(records), sweep_seconds=sweep_seconds,
        sweep_epochs=int(sum(record.get("epochs_run", 0) for record in records)),
        train_seconds=train_seconds, epochs_run=len(history["loss"]),
        **{f"trials_{status}": statuses.count(status)
           for status in ("completed", "pruned", "diverged", "failed")})
    if "score_std" in best:
        metrics["best_score_std"] = float(best["score_std"])
    metrics["reload_max_abs_diff"] = context.save_and_verify_model(model, dataset.x_test)

    plot_paths = {
        f"{result.objective} by trial (best so far in green)": plot_objective_by_trial(
            records, result.objective, context.plot_path("objective_by_trial"),
            result.direction),
        f"{result.objective} against each hyperparameter": plot_hyperparameters(
            records, result.objective, context.plot_path("hyperparameters")),
        "Learning curves of the retrained best configuration": figures.plot_learning_curves(
            history, context.plot_path("learning_curves"),
            metrics=("loss", "mae") if dataset.task == "regression" else
            ("loss", "accuracy")),
    }
    if dataset.task != "regression":
        plot_paths["Confusion matrix (test)"] = figures.plot_confusion_matrix(
            dataset.y_test, predict_classes(predictions, dataset.task),
            dataset.class_names, context.plot_path("confusion_matrix"))

    report = Report(f"Hyperparameter sweep: {recipe_info(name).title}", context.run_dir)
    report.add_text(dataset.describe())
    report.add_text(
        f"**{result.tuner.__class__.__name__}** ran {len(records)} trials "
        f"({metrics['trials_completed']} completed, {metrics['trials_pruned']} pruned, "
        f"{metrics['trials_diverged']} diverged, {metrics['trials_failed']} failed) "
        f"in {sweep_seconds:.1f} s and {metrics['sweep_epochs']} epochs, optimising "
        f"`{result.objective}` ({result.direction})."
    )
    report.add_section("Best configuration")
    report.add_table([{"hyperparameter": key, "value": value} for key, value in
                      flatten_values(result.best_hyperparameters.values).items()])
    report.add_section("Test metrics of the retrained best configuration")
    report.add_metrics(metrics)
    report.add_section("Trials, best first")
    report.add_text(ranked_trials_markdown(records, result.objective, result.direction))
    for caption, path in plot_paths.items():
        report.add_plot(path, caption)
    report.add_config(config.to_dict(), context.environment)
    return context.finish(metrics, report, history)


def _trial_label(record, total):
    """A trial as the progress lines number it (1-based), with KerasTuner's id."""
    if not record:
        return "no trial"
    trial_id = str(record["trial_id"])
    if trial_id.isdigit():
        return f"trial {int(trial_id) + 1}/{total}, KerasTuner id {trial_id}"
    return f"trial {trial_id}"


def ranked_trials_markdown(records, objective, direction, limit=25):
    """Renders the ranked trial table, varying columns only, as Markdown.

    Args:
        records: Trial records.
        objective: Name shown for the score column.
        direction: `"max"` or `"min"`.
        limit: Most rows shown. Defaults to `25`.

    Returns:
        Markdown text.
    """
    rows = trials_table(records, direction)
    fixed = {"rank", "trial_id", "status", "score", "score_std", "epochs_run", "seconds",
             "message"}
    names = []
    for row in rows:
        names.extend(key for key in row if key not in fixed and key not in names)
    varying = [n for n in names if len({repr(row.get(n)) for row in rows}) > 1]
    varying.sort(key=lambda n: (n != "optimizer", n != "learning_rate"))
    columns = ["rank", "trial", "status", objective, "epochs run", "seconds", *varying]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows[:limit]:
        score = "" if row["score"] is None else format_value(row["score"])
        if row.get("score_std") is not None:
            score += f" ± {row['score_std']:.2g}"
        cells = [row["rank"], row["trial_id"], row["status"], score, row["epochs_run"],
                 row["seconds"], *(row.get(n, "") for n in varying)]
        lines.append("| " + " | ".join(
            "" if cell is None else format_value(cell) for cell in cells) + " |")
    if len(rows) > limit:
        lines.append(f"\n_{len(rows) - limit} more trials in trials.csv._")
    return "\n".join(lines) + "\n"


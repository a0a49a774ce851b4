"""`run_sweep`: search a HyperModel's space with a named tuner, from Python.

The command `keras-recipes tune RECIPE` wraps this function for the tabular
recipes (it adds the run directory, the retraining of the best
configuration and the report); this is the part a notebook or a script of
your own calls directly.
"""

import contextlib
import dataclasses
import logging
import os

import keras
import keras_tuner
import numpy as np
from keras_tuner.src import config as keras_tuner_config

from keras_recipes.tuning.cv import fold_indices
from keras_recipes.tuning.divergence import StopOnDivergence
from keras_recipes.tuning.results import trials_frame
from keras_recipes.tuning.results import write_trials
from keras_recipes.tuning.trial_records import read_records
from keras_recipes.tuning.tuners import create_tuner
from keras_recipes.tuning.tuners import objective_direction

@dataclasses.dataclass
class SweepResult:
    """What a sweep found.

    Attributes:
        project_dir: The KerasTuner project directory (trial folders,
            `oracle.json`, the records).
        objective: The optimised log key, such as `"val_accuracy"`.
        direction: `"max"` or `"min"`.
        records: One record per trial (see `tuning.trial_records`), in
            trial order.
        tuner: The KerasTuner tuner, e.g. for `get_best_hyperparameters()`.
    """

    project_dir: str
    objective: str
    direction: str
    records: list
    tuner: object = dataclasses.field(repr=False, default=None)

    @property
    def trials(self):
        """The ranked trial table as a pandas DataFrame."""
        return trials_frame(self.records, self.direction)

    @property
    def best_record(self):
        """The record of the best scored trial, or `None` if none scored."""
        ranked = self.trials
        if ranked.empty or ranked["rank"].isna().all():
            return None
        best_id = ranked.loc[ranked["rank"] == 1, "trial_id"].iloc[0]
        return next(r for r in self.records if r["trial_id"] == best_id)

    @property
    def best_hyperparameters(self):
        """The `keras_tuner.HyperParameters` of the best trial.

        Raises:
            RuntimeError: If no trial got a score (all diverged or failed).
        """
        record = self.best_record
        if record is None:
            raise RuntimeError(
                f"No trial of the sweep in {self.project_dir} got a score: "
                f"{_failure_summary(self.records)}"
            )
        return self.tuner.oracle.get_trial(record["trial_id"]).hyperparameters


def run_sweep(hypermodel, x, y, validation_data=None, tuner="random", max_trials=10,
              objective="val_loss", directory="sweep", project_name="tuner", cv=None,
              patience=None, prune=False, max_epochs=None, seed=42, resume=False,
              progress=print, epoch_budget=None, num_initial_points=None):
    """Searches a HyperModel's space and returns every trial's result.

    Each trial trains on `(x, y)` and is scored on `validation_data` by the
    best epoch's `objective`; or, with `cv=K`, on K folds of `(x, y)`
    (stratified for classification, preprocessing fitted per fold) by the
    mean over the folds. Trials whose loss diverges are recorded as
    `diverged` and the sweep goes on. The trials are exported to
    `directory/trials.csv` and `directory/trials.json`.

    Under KerasTuner's chief/worker mode (`KERASTUNER_TUNER_ID`,
    `KERASTUNER_ORACLE_IP`, `KERASTUNER_ORACLE_PORT` set), the chief serves
    the oracle until the workers have run every trial, then returns the
    results; a worker runs trials and returns its view of them.

    Args:
        hypermodel: A `TabularHyperModel` (or a HyperModel with the same
            `build(hp, x_train=...)`, `fit` and `objectives`).
        x: Training features (all development rows with `cv`).
        y: Training targets.
        validation_data: `(x_val, y_val)`; must be `None` with `cv`.
            Defaults to `None`.
        tuner: One of `tuning.list_tuners()`: `"random"`, `"grid"`,
            `"bayesian"` or `"hyperband"`. Defaults to `"random"`.
        max_trials: Number of trials (a cap for Hyperband). Defaults to `10`.
        objective: Log key to optimise, one of `hypermodel.objectives`.
            Defaults to `"val_loss"`.
        directory: Folder of the sweep; the KerasTuner project goes to
            `directory/project_name`. Defaults to `"sweep"`.
        project_name: Defaults to `"tuner"`.
        cv: Number of cross-validation folds, or `None` for the validation
            split. Defaults to `None`.
        patience: Early-stopping patience within a trial, or `None`.
            Defaults to `None`.
        prune: Whether to stop trials worse than the median of earlier ones
            at the same epoch (random, grid and Bayesian search). Defaults to
            `False`.
        max_epochs: Epochs of Hyperband's longest round. Defaults to `None`:
            the epochs of the space's default configuration.
        seed: Seed of the oracle and of each trial's weights (trial `i`
            uses `seed + i`). Defaults to `42`.
        resume: Whether to continue the sweep already in
            `directory/project_name`. Defaults to `False`, which refuses an
            existing one.
        progress: Function called with one line per finished trial, or
            `None`. Defaults to `print`.
        epoch_budget: Stop starting trials once they have run this many
            epochs in total (`max_trials` still caps them), to compare
            tuners on the same budget. Defaults to `None`.
        num_initial_points: Random trials before Bayesian optimisation
            starts to model the objective. Defaults to `None`: a third of
            `max_trials` (see `create_tuner`); lower it when an
            `epoch_budget` ends the sweep sooner.

    Returns:
        A `SweepResult`.

    Raises:
        ValueError: Before any trial runs, if an argument is invalid (the
            message names it and what was received), or if a sweep already
            exists in the directory and `resume` is `False`.

    Example:

    ```python
    space = SearchSpace(optimizers=["adam", "sgd", "rmsprop"])
    hypermodel = TabularHyperModel(x_train, task="binary", space=space)
    result = run_sweep(hypermodel, x_train, y_train, (x_val, y_val),
                       tuner="bayesian", max_trials=20, objective="val_accuracy")
    result.trials.head()
    ```
    """
    valid = list(getattr(hypermodel, "objectives", [objective]))
    if objective not in valid:
        raise ValueError(
            f"Unknown objective {objective!r}: the models log {valid}. "
            f"Received: objective={objective!r}"
        )
    splits = None
    if cv is not None:
        if validation_data is not None:
            raise ValueError(
                "With `cv`, pass all development rows as `x, y` and no "
                "`validation_data`: each fold holds out its own rows. "
                f"Received: cv={cv!r} with validation_data"
            )
        stratify = getattr(hypermodel, "task", "regression") != "regression"
        splits = fold_indices(y, cv, stratify=stratify, seed=seed)
    elif validation_data is None:
        raise ValueError(
            "`validation_data` is required without `cv`: trials are scored on it. "
            "Received: validation_data=None"
        )
    project_dir = os.path.join(directory, project_name)
    if os.path.exists(os.path.join(project_dir, "oracle.json")) and not (
            resume or _is_worker()):
        raise ValueError(
            f"A sweep already exists in '{project_dir}'; pass resume=True "
            "(--resume) to continue it or choose a new directory. "
            f"Received: resume={resume!r}"
        )
    if max_epochs is None:
        max_epochs = _default_epochs(hypermodel)
    search = create_tuner(
        tuner, hypermodel, objective, directory=directory, project_name=project_name,
        max_trials=max_trials, max_epochs=max_epochs, seed=seed, patience=patience,
        splits=splits, prune=prune, progress=progress, epoch_budget=epoch_budget,
        num_initial_points=num_initial_points)
    keras.utils.set_random_seed(int(seed))
    with _quiet():
        search.search(x, np.asarray(y), validation_data=validation_data)
    records = read_records(project_dir)
    direction = objective_direction(objective)
    if not _is_worker():
        write_trials(records, directory, direction)
    return SweepResult(project_dir=project_dir, objective=objective,
                       direction=direction, records=records, tuner=search)


@contextlib.contextmanager
def _quiet():
    """Silences the per-trial tracebacks and retracing warnings of a search.

    KerasTuner prints the traceback of every failed trial (its private
    `keras_tuner_config.DEBUG`); the sweep records the failure instead (the traceback of
    an error goes to the trial's record). TensorFlow warns that new models
    retrace their functions, which is what a sweep does by design.
    """
    tensorflow_logger = logging.getLogger("tensorflow")
    saved = keras_tuner_config.DEBUG, tensorflow_logger.level
    keras_tuner_config.DEBUG = False
    tensorflow_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        keras_tuner_config.DEBUG = saved[0]
        tensorflow_logger.setLevel(saved[1])


def _is_worker():
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "")
    return "KERASTUNER_ORACLE_IP" in os.environ and "chief" not in tuner_id


def _default_epochs(hypermodel):
    return hypermodel.space.declare(keras_tuner.HyperParameters()).epochs


def _failure_summary(records):
    if not records:
        return "no trial ran."
    counts = {}
    for record in records:
        counts[record["status"]] = counts.get(record["status"], 0) + 1
    first = next((r["message"] for r in records if r.get("message")), "")
    return f"{counts}; first message: {first}"


def retrain_best(hypermodel, result, x, y, validation_data, seed=42, patience=None,
                 verbose=0):
    """Trains the best configuration of a sweep again, from scratch.

    Args:
        hypermodel: The sweep's HyperModel.
        result: The `SweepResult`.
        x: Training inputs.
        y: Training targets.
        validation_data: `(x_val, y_val)`, watched by early stopping.
        seed: Seed of the weights. Defaults to `42`.
        patience: Early-stopping patience on the sweep's objective (the best
            weights are restored), or `None`. Defaults to `None`.
        verbose: Keras `verbose` of `fit`. Defaults to `0`.

    Returns:
        The trained model and its history dict.
    """
    hp = result.best_hyperparameters
    keras.utils.set_random_seed(seed)
    model = hypermodel.build(hp)
    callbacks = [StopOnDivergence()]
    if patience is not None:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=result.objective, mode=result.direction, patience=patience,
            restore_best_weights=True))
    fit_kwargs = {}
    if "tuner/epochs" in hp.values:
        fit_kwargs["epochs"] = hp.values["tuner/epochs"]
    history = hypermodel.fit(hp, model, x, y, validation_data=validation_data,
                             callbacks=callbacks, verbose=verbose, **fit_kwargs)
    return model, history.history

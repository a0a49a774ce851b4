"""KerasTuner tuners that record every trial and survive diverging ones.

`create_tuner(name, hypermodel, ...)` returns one of KerasTuner's own
tuners (`RandomSearch`, `GridSearch`, `BayesianOptimization`, `Hyperband`)
whose `run_trial` is replaced by one that:

- trains on a validation split, or on K cross-validation folds (the score
  is the mean over the folds, with the spread recorded);
- fails a trial whose loss turns NaN or infinite (`TrialDiverged`) without
  stopping the sweep, unlike KerasTuner's default, which gives up after 3
  consecutive failed trials; 3 consecutive *errors* (exceptions other than
  a divergence, usually a bug) still stop it;
- optionally stops early (`EarlyStopping`) and prunes trials worse than the
  median of earlier ones (`MedianPruning`);
- writes a `record.json` per trial (`tuning.trial_records`) and prints one
  progress line per trial.

Everything else is KerasTuner: the oracles, the project directory, the
reload on `overwrite=False` that resumes an interrupted sweep, and the
chief/worker mode driven by `KERASTUNER_TUNER_ID`, `KERASTUNER_ORACLE_IP`
and `KERASTUNER_ORACLE_PORT`.

A trial costs little more than its bare build and fit: the two full
garbage collections KerasTuner runs before every trial (`_try_build`) skip
the objects alive when the search started (`gc.freeze`), some 500k with
TensorFlow loaded, which made each collection cost 0.3-0.8 s to free the
previous trial's few thousand.
"""

import contextlib
import datetime
import gc
import glob
import json
import math
import os
import time
import traceback

import keras
import keras_tuner
from keras_tuner.errors import FatalError

from keras_recipes.tuning.cv import cross_validate
from keras_recipes.tuning.divergence import StopOnDivergence
from keras_recipes.tuning.divergence import TrialDiverged
from keras_recipes.tuning.pruning import MedianPruning
from keras_recipes.tuning.search_space import flatten_values
from keras_recipes.tuning.trial_records import read_records
from keras_recipes.tuning.trial_records import write_record

# Never give up on failed trials in KerasTuner's oracle; errors are counted
# by the tuner instead (see `max_consecutive_errors`).
_NEVER = 10**9


def objective_direction(name):
    """Returns `"max"` for accuracy-like metrics and `"min"` otherwise.

    Example:

    >>> objective_direction("val_accuracy"), objective_direction("val_rmse")
    ('max', 'min')
    """
    maximised = ("accuracy", "auc", "precision", "recall", "f1", "r2")
    return "max" if name.endswith(maximised) else "min"


class _SweepTuner:
    """`run_trial`, records and progress shared by the sweep tuners."""

    # Hyperband resumes a trial from the previous round's weights.
    keeps_checkpoints = False

    def configure_sweep(self, patience=None, splits=None, prune=False,
                        progress=print, seed=None, epoch_budget=None,
                        max_consecutive_errors=3):
        self.patience = patience
        self.epoch_budget = epoch_budget
        self.seed = seed
        self.splits = splits
        self.prune = prune
        self.progress = progress
        self.max_consecutive_errors = max_consecutive_errors
        self.consecutive_errors = 0

    def _populate_initial_space(self):
        # KerasTuner's hook for declaring the space up front. Its default
        # builds one model per branch of every conditional scope (one per
        # optimizer); `SearchSpace.declare` registers all branches at once.
        space = getattr(self.hypermodel, "space", None)
        if space is None:
            super()._populate_initial_space()
            return
        hp = self.oracle.get_space()
        space.declare(hp)
        self.oracle.update_space(hp)

    def search(self, *fit_args, **fit_kwargs):
        with _collecting_new_objects_only():
            super().search(*fit_args, **fit_kwargs)

    @property
    def objective_name(self):
        return self.oracle.objective.name

    @property
    def direction(self):
        return self.oracle.objective.direction

    def run_trial(self, trial, x, y, validation_data=None):
        started = time.perf_counter()
        record = {
            "trial_id": trial.trial_id,
            "tuner_id": self.tuner_id,
            "started": datetime.datetime.now().isoformat(timespec="seconds"),
            "hyperparameters": flatten_values(trial.hyperparameters.values),
        }
        logs = []
        if self.seed is not None:
            # A trial's weights depend on its number only, not on what ran before.
            keras.utils.set_random_seed(int(self.seed) + _trial_number(trial.trial_id))
        try:
            if self.splits:
                result = self._cross_validate(trial, x, y, logs, record)
            else:
                result = self._fit(trial, x, y, validation_data, logs, record)
        except TrialDiverged as error:
            record.update(status="diverged", message=str(error))
            self.consecutive_errors = 0
            raise
        except Exception as error:
            record.update(status="failed", message=f"{type(error).__name__}: {error}",
                          traceback=traceback.format_exc())
            self.consecutive_errors += 1
            if self.consecutive_errors >= self.max_consecutive_errors:
                raise FatalError(
                    f"{self.consecutive_errors} consecutive trials raised an "
                    f"error; the last one: {record['message']}"
                ) from error
            raise
        else:
            self.consecutive_errors = 0
            record.setdefault("status", "completed")
            return result
        finally:
            record["seconds"] = time.perf_counter() - started
            record["epochs_run"] = sum(len(log.epochs) for log in logs)
            write_record(self.get_trial_dir(trial.trial_id), record)
            self._last_record = record

    def on_trial_end(self, trial):
        super().on_trial_end(trial)
        if self.progress is not None:
            self.progress(self._progress_line())
        if self.epoch_budget is not None:
            spent = sum(r.get("epochs_run", 0) for r in read_records(self.project_dir))
            if spent >= self.epoch_budget:
                # The oracle answers STOPPED once it holds max_trials trials.
                self.oracle.max_trials = len(self.oracle.trials)

    def _fit(self, trial, x, y, validation_data, logs, record):
        hp = trial.hyperparameters
        fit_kwargs = {}
        if "tuner/epochs" in hp.values:
            fit_kwargs["epochs"] = hp.values["tuner/epochs"]
            fit_kwargs["initial_epoch"] = hp.values["tuner/initial_epoch"]
        callbacks = self._callbacks(logs)
        pruning = None
        if self.prune:
            curves = [r["history"].get(self.objective_name, [])
                      for r in read_records(self.project_dir)
                      if r["status"] in ("completed", "pruned")
                      and r["trial_id"] != trial.trial_id]
            pruning = MedianPruning(self.objective_name, self.direction, history=curves)
            callbacks.append(pruning)
        if self.keeps_checkpoints:
            # Where Hyperband's next round loads the weights from.
            callbacks.append(_SaveBestWeights(
                self.objective_name, self.direction,
                self._get_checkpoint_fname(trial.trial_id)))
        model = self._try_build(hp)
        if self.keeps_checkpoints:
            with open(self._get_build_config_fname(trial.trial_id), "w") as stream:
                json.dump(model.get_build_config(), stream)
        history = self.hypermodel.fit(hp, model, x, y, validation_data=validation_data,
                                      callbacks=callbacks, **fit_kwargs).history
        record["history"] = history
        record["score"] = self._best(history)
        if pruning is not None and pruning.pruned_epoch is not None:
            record.update(status="pruned", pruned_epoch=pruning.pruned_epoch)
        return {self.objective_name: record["score"]}

    def _cross_validate(self, trial, x, y, logs, record):
        hp = trial.hyperparameters
        gc.collect()

        def fit_fold(x_train, y_train, x_val, y_val):
            keras.backend.clear_session()
            model = self.hypermodel.build(hp, x_train=x_train)
            return self.hypermodel.fit(hp, model, x_train, y_train,
                                       validation_data=(x_val, y_val),
                                       callbacks=self._callbacks(logs)).history

        result = cross_validate(fit_fold, x, y, self.splits, score=self._best)
        record.update(score=result.mean, score_std=result.std,
                      fold_scores=result.scores, history=result.histories[0],
                      fold_histories=result.histories)
        return {self.objective_name: result.mean,
                f"{self.objective_name}_std": result.std}

    def _callbacks(self, logs):
        log = _EpochLog()
        logs.append(log)
        callbacks = [log, StopOnDivergence()]
        if self.patience is not None:
            callbacks.append(keras.callbacks.EarlyStopping(
                monitor=self.objective_name, mode=self.direction,
                patience=self.patience))
        return callbacks

    def _best(self, history):
        values = [v for v in history.get(self.objective_name, []) if math.isfinite(v)]
        if not values:
            raise TrialDiverged(
                f"no finite {self.objective_name} in the history "
                f"(logged: {sorted(history)})")
        return max(values) if self.direction == "max" else min(values)

    def _progress_line(self):
        record = self._last_record
        records = read_records(self.project_dir)
        scores = [r["score"] for r in records
                  if r["status"] in ("completed", "pruned")]
        best = (max if self.direction == "max" else min)(scores) if scores else None
        total = self.oracle.max_trials or "?"
        number = len(glob.glob(os.path.join(self.project_dir, "trial_*", "record.json")))
        score = record.get("score")
        parts = [f"trial {number}/{total}", f"{record['status']:<9}",
                 f"{self.objective_name}={_format(score)}",
                 f"best={_format(best)}",
                 f"{record['epochs_run']} epochs", f"{record['seconds']:.1f}s",
                 _describe(record["hyperparameters"])]
        if "score_std" in record:
            parts[2] += f" ± {record['score_std']:.3f}"
        return "  ".join(parts)


class _EpochLog(keras.callbacks.Callback):
    """Counts the epochs a fit ran, even when it ends by an exception."""

    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_train_begin(self, logs=None):
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch)


class _SaveBestWeights(keras.callbacks.Callback):
    """Saves the weights at each epoch that improves the objective."""

    def __init__(self, objective, direction, path):
        super().__init__()
        self.objective = objective
        self.better = max if direction == "max" else min
        self.path = path

    def on_train_begin(self, logs=None):
        self.best = None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.objective)
        if value is None or not math.isfinite(float(value)):
            return
        if self.best is None or self.better(self.best, float(value)) != self.best:
            self.best = float(value)
            self.model.save_weights(self.path)


class RandomSweep(_SweepTuner, keras_tuner.RandomSearch):
    """`keras_tuner.RandomSearch` with the sweep's `run_trial`."""


class GridSweep(_SweepTuner, keras_tuner.GridSearch):
    """`keras_tuner.GridSearch` with the sweep's `run_trial`."""


class BayesianSweep(_SweepTuner, keras_tuner.BayesianOptimization):
    """`keras_tuner.BayesianOptimization` with the sweep's `run_trial`."""


class HyperbandSweep(_SweepTuner, keras_tuner.Hyperband):
    """`keras_tuner.Hyperband` with the sweep's `run_trial`."""

    keeps_checkpoints = True


_TUNERS = {
    "bayesian": BayesianSweep,
    "grid": GridSweep,
    "hyperband": HyperbandSweep,
    "random": RandomSweep,
}


def list_tuners():
    """Returns the tuner names `create_tuner` accepts, sorted.

    Example:

    >>> list_tuners()
    ['bayesian', 'grid', 'hyperband', 'random']
    """
    return sorted(_TUNERS)


def create_tuner(name, hypermodel, objective, directory, project_name="tuner",
                 max_trials=10, max_epochs=None, seed=None, patience=None,
                 splits=None, prune=False, progress=print, num_initial_points=None,
                 epoch_budget=None):
    """Creates a sweep tuner by name.

    Args:
        name: One of `list_tuners()`.
        hypermodel: A `keras_tuner.HyperModel` whose `build(hp, x_train=...)`
            and `fit` work like `TabularHyperModel`'s.
        objective: Log key to optimise, such as `"val_accuracy"`; its
            direction comes from `objective_direction`. A
            `keras_tuner.Objective` is used as given.
        directory: Parent folder of the KerasTuner project.
        project_name: Project folder name. Defaults to `"tuner"`.
        max_trials: Number of trials (a cap for `"hyperband"`). Defaults to
            `10`.
        max_epochs: Epochs of Hyperband's longest round. Defaults to `None`
            (required for `"hyperband"`, ignored otherwise).
        seed: Seed of the oracle. Defaults to `None`.
        patience: Early-stopping patience within a trial, or `None` for
            none. Defaults to `None`.
        splits: Cross-validation `(train, validation)` index pairs (see
            `cv.fold_indices`), or `None` to use `validation_data`.
            Defaults to `None`.
        prune: Whether to prune trials worse than the median of earlier
            ones (`MedianPruning`). Defaults to `False`.
        progress: Function called with one line per finished trial, or
            `None`. Defaults to `print`.
        num_initial_points: Random trials before Bayesian optimisation fits
            its Gaussian process. Defaults to `None`: a third of
            `max_trials`, at least 2 (KerasTuner's own default, 3 per
            searched dimension, exceeds most budgets of this space).
        epoch_budget: Stop starting trials once the trials have run this
            many epochs in total, so tuners can be compared on the same
            budget (in one process; not in chief/worker mode). Defaults to
            `None` (no budget but `max_trials`).

    Returns:
        A KerasTuner tuner. An existing project in `directory/project_name`
        is reloaded and continued (KerasTuner's `overwrite=False`).

    Raises:
        ValueError: If `name` is unknown, `max_trials` is not a positive
            integer, `"hyperband"` lacks `max_epochs` or is combined with
            `splits` or `prune`, or `prune` is combined with `splits`.
    """
    check_tuner_arguments(name, max_trials, max_epochs, splits, prune,
                          searched=getattr(getattr(hypermodel, "space", None), "names", ()))
    if isinstance(objective, str):
        objective = keras_tuner.Objective(objective, objective_direction(objective))
    common = dict(hypermodel=hypermodel, objective=objective, seed=seed,
                  directory=directory, project_name=project_name,
                  max_consecutive_failed_trials=_NEVER)
    if name == "hyperband":
        tuner = HyperbandSweep(max_epochs=max_epochs, factor=3, **common)
        # The oracle stops creating trials at its max_trials.
        tuner.oracle.max_trials = max_trials
    elif name == "bayesian":
        initial = num_initial_points or max(2, max_trials // 3)
        tuner = BayesianSweep(max_trials=max_trials, num_initial_points=initial,
                              **common)
    else:
        tuner = _TUNERS[name](max_trials=max_trials, **common)
    tuner.oracle.verbose = 0  # The sweep prints its own line per trial.
    tuner.configure_sweep(patience=patience, splits=splits, prune=prune,
                          progress=progress, seed=seed, epoch_budget=epoch_budget)
    return tuner


def check_tuner_arguments(name, max_trials, max_epochs=None, splits=None, prune=False,
                          searched=()):
    """Checks the arguments of `create_tuner` before anything runs.

    Callers that create files first (a run directory) call it before, so a
    bad setting fails before anything is written.

    Args:
        name, max_trials, max_epochs, splits, prune: As in `create_tuner`.
        searched: Names the search space declares (`SearchSpace.names`).
            Defaults to `()`.

    Raises:
        ValueError: As described in `create_tuner`, and if Hyperband is
            asked to search `epochs`, which it sets itself.
    """
    if name == "hyperband" and "epochs" in searched:
        raise ValueError(
            "Hyperband sets each trial's epochs itself; do not search 'epochs' "
            f"with it. Received: name={name!r} with 'epochs' in the space"
        )
    if name not in _TUNERS:
        raise ValueError(
            f"Unknown tuner {name!r}. Valid names: {', '.join(list_tuners())}."
        )
    if isinstance(max_trials, bool) or not isinstance(max_trials, int) or max_trials < 1:
        raise ValueError(
            f"`max_trials` must be a positive integer. Received: max_trials={max_trials!r}"
        )
    if name == "hyperband" and (splits or prune):
        raise ValueError(
            "Hyperband continues a trial from the weights of its previous round "
            "and prunes by design, so it takes neither cross-validation nor "
            f"median pruning. Received: splits={'K folds' if splits else None}, "
            f"prune={prune}"
        )
    if name == "hyperband" and not max_epochs:
        raise ValueError(
            "`max_epochs` is required by the 'hyperband' tuner. "
            f"Received: max_epochs={max_epochs!r}"
        )
    if prune and splits:
        raise ValueError(
            "Median pruning compares one validation curve per trial; it does not "
            "apply to cross-validated trials. Received: prune=True with splits"
        )


@contextlib.contextmanager
def _collecting_new_objects_only():
    """Makes garbage collections in the block skip the objects alive before it.

    The objects alive when the block starts are frozen (`gc.freeze`) and
    handed back to the collector when it ends, so garbage among them is
    only freed later, never lost; the garbage made in the block is freed as
    before. A freeze made by the caller is left alone.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _trial_number(trial_id):
    digits = "".join(character for character in str(trial_id) if character.isdigit())
    return int(digits or 0)


def _format(value):
    return "-" if value is None else f"{value:.4f}"


def _describe(values):
    parts = []
    for name, value in values.items():
        if isinstance(value, float):
            value = f"{value:.3g}"
        parts.append(f"{name}={value}")
    return " ".join(parts)

"""Optional experiment tracking of a recipe run: `--track mlflow`.

With `--track mlflow` a run logs its config as params, its per-epoch losses,
metrics and learning rate as MLflow metrics (step = epoch), its final
metrics, and as artifacts `report.md`, `plots/`, `config.json`,
`schema.json` and `model.keras`. The store is `MLFLOW_TRACKING_URI`, or by
default a local SQLite database `sqlite:///mlflow.db` in the working
directory (MLflow 3 deprecates the `./mlruns` file store). One MLflow
experiment per recipe, one MLflow run per run directory; browse them with
`mlflow ui --backend-store-uri sqlite:///mlflow.db`.

Install the extra first: `pip install "keras-recipes[mlflow]"`.
"""

import math
import os

import keras

from keras_recipes.callbacks import TensorBoardScalars

TRACKERS = ("none", "mlflow")
DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"


def check_tracker(name, value):
    """Config check of `--track`: a known tracker whose package is installed.

    Raises:
        ValueError: For an unknown tracker, or `mlflow` when it is not
            importable (with the command that installs it).
    """
    if value not in TRACKERS:
        raise ValueError(f"The '{name}' parameter must be one of {', '.join(TRACKERS)}. "
                         f"Got {value!r} instead.")
    if value == "mlflow":
        try:
            import mlflow  # noqa: F401
        except ImportError:
            raise ValueError(
                "--track mlflow needs the mlflow package: pip install "
                "\"keras-recipes[mlflow]\".") from None


def tracking_uri():
    """`MLFLOW_TRACKING_URI`, or `sqlite:///mlflow.db`."""
    return os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


class NoTracker:
    """The tracker of `--track none`: does nothing."""

    run_id = None

    def callbacks(self):
        """Keras callbacks to add to `fit`: none."""
        return []

    def log_history(self, history):
        """Logs a finished history dict: nothing."""

    def log_trials(self, records):
        """Logs a sweep's trials: nothing."""

    def finish(self, result):
        """Logs the finished run: nothing."""


class MlflowTracker(NoTracker):
    """Logs one recipe run to MLflow (see the module docstring).

    Args:
        recipe: The recipe's name; the MLflow experiment is named after it.
        config: The resolved config; its fields become params.
        run_dir: The run directory; its name is the MLflow run's name.
        uri: The tracking URI. Defaults to `None` (`tracking_uri()`).
    """

    def __init__(self, recipe, config, run_dir, uri=None):
        from mlflow.tracking import MlflowClient

        self.uri = uri or tracking_uri()
        self.client = MlflowClient(tracking_uri=self.uri)
        experiment = self.client.get_experiment_by_name(recipe)
        experiment_id = (experiment.experiment_id if experiment is not None
                         else self.client.create_experiment(recipe))
        self.experiment_id = experiment_id
        self.run_dir = run_dir
        run = self.client.create_run(
            experiment_id, run_name=os.path.basename(os.path.normpath(run_dir)),
            tags={"recipe": recipe, "run_dir": os.path.abspath(run_dir)})
        self.run_id = run.info.run_id
        self._log_params(self.run_id, config.to_dict())

    def _log_params(self, run_id, values):
        params = {key: str(value) for key, value in values.items()}
        for start in range(0, len(params), 100):  # MLflow takes at most 100 per batch.
            chunk = dict(list(params.items())[start:start + 100])
            self.client.log_batch(run_id, params=[_param(k, v) for k, v in chunk.items()])

    def callbacks(self):
        """A Keras callback logging every epoch's logs (losses, metrics, LR)."""
        return [_EpochLogger(self)]

    def log_metrics(self, values, step=None, run_id=None):
        """Logs the finite numbers of a dict as metrics (of `run_id`, default this run)."""
        from mlflow.entities import Metric

        stamp = _now_ms()
        metrics = [Metric(_metric_key(key), float(value), stamp, step or 0)
                   for key, value in values.items() if _is_number(value)]
        if metrics:
            self.client.log_batch(run_id or self.run_id, metrics=metrics)

    def log_history(self, history, run_id=None):
        """Logs a history dict (one list per key) epoch by epoch."""
        epochs = max((len(values) for values in history.values()), default=0)
        for epoch in range(epochs):
            self.log_metrics({key: values[epoch] for key, values in history.items()
                              if epoch < len(values)}, step=epoch, run_id=run_id)

    def log_trials(self, records):
        """Logs each sweep trial as an MLflow run nested under this one.

        A trial's run holds its hyperparameters as params, its per-epoch
        curves, its `score`, `seconds` and `epochs_run`, and its status as a
        tag; failed and diverged trials end as `FAILED`.
        """
        for record in records:
            trial = self.client.create_run(
                self.experiment_id, run_name=f"trial_{record['trial_id']}",
                tags={"mlflow.parentRunId": self.run_id, "status": record["status"]})
            trial_id = trial.info.run_id
            self._log_params(trial_id, record["hyperparameters"])
            self.log_history(record.get("history", {}), run_id=trial_id)
            self.log_metrics({key: record[key] for key in ("score", "seconds", "epochs_run")
                              if key in record}, run_id=trial_id)
            failed = record["status"] in ("failed", "diverged")
            self.client.set_terminated(trial_id, status="FAILED" if failed else "FINISHED")

    def finish(self, result):
        """Logs the final metrics and the run's files, and ends the MLflow run."""
        self.log_metrics(result.metrics)
        for name in ("report.md", "config.json", "schema.json", "metrics.json"):
            path = os.path.join(result.run_dir, name)
            if os.path.isfile(path):
                self.client.log_artifact(self.run_id, path)
        plots = os.path.join(result.run_dir, "plots")
        if os.path.isdir(plots) and os.listdir(plots):
            self.client.log_artifacts(self.run_id, plots, artifact_path="plots")
        model = os.path.join(result.run_dir, "model.keras")
        if os.path.isfile(model):
            self.client.log_artifact(self.run_id, model, artifact_path="model")
        self.client.set_terminated(self.run_id, status="FINISHED")


class _EpochLogger(keras.callbacks.Callback):
    def __init__(self, tracker):
        super().__init__()
        self.tracker = tracker

    def on_epoch_end(self, epoch, logs=None):
        self.tracker.log_metrics(logs or {}, step=epoch)


def start_tracking(track, recipe, config, run_dir):
    """Starts the tracker `--track` names.

    Args:
        track: `"none"` or `"mlflow"`.
        recipe: The recipe's name.
        config: The resolved config.
        run_dir: The run directory.

    Returns:
        A `NoTracker` or an `MlflowTracker`: add its `callbacks()` to `fit`
        and call its `finish(result)` at the end.
    """
    check_tracker("track", track)
    if track == "mlflow":
        return MlflowTracker(recipe, config, run_dir)
    return NoTracker()


def _param(key, value):
    from mlflow.entities import Param

    return Param(key, value[:6000])


def _metric_key(key):
    return "".join(c if c.isalnum() or c in "_-./ " else "_" for c in str(key))


def _is_number(value):
    if isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _now_ms():
    import time

    return int(time.time() * 1000)


def write_tensorboard_history(log_dir, history):
    """Writes a finished history dict as TensorBoard scalars, like Keras's callback.

    For fits that run no Keras callbacks (the full-batch L-BFGS path, the
    runs of an experiment, sweep trials): `loss` and the other training keys
    go to `log_dir/train`, the `val_` keys to `log_dir/validation`, each as
    `epoch_<name>` with step = epoch (see `TensorBoardScalars`).

    Args:
        log_dir: The `logs/` folder of the run.
        history: The Keras history dict.
    """
    TensorBoardScalars(log_dir).write_history(history)

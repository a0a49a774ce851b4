"""The experiment engine: arms x seeds, each run recorded atomically, resumable.

A comparison of training setups (optimizers, schedules, regularisers,
batch regimes) is an `Experiment`: a list of `Arm`s, each a name and a
function that trains one model from a seed, and the seeds every arm is
trained with. `run_experiment` trains every (arm, seed) pair that has no
record yet, writes one JSON record per run the moment it ends (so a killed
experiment loses only the run in progress, and `resume` is the default),
and returns a `Comparison` with the per-run rows, intervals over seeds and
paired differences against the reference arm.

Runs can go to several processes or machines: with `workers=N` (and the
command that re-runs the same program) the runs are dispatched through
KerasTuner's chief/worker mode on 127.0.0.1, and under KerasTuner's own
environment variables (`KERASTUNER_TUNER_ID`, `KERASTUNER_ORACLE_IP`,
`KERASTUNER_ORACLE_PORT`) across hosts that share the store directory
(see `keras_recipes.tuning.experiment_workers`).

Example:

>>> arms = [Arm("adam", lambda seed: fit_with_optimizer(build, data, "adam", seed=seed)),
...         Arm("sgd", lambda seed: fit_with_optimizer(build, data, "sgd", 0.1, seed=seed))]
>>> experiment = Experiment("optimizers", arms, seeds=[0, 1, 2], reference="adam",
...                         target=Target("val_accuracy", 0.95))
>>> comparison = run_experiment(experiment, "runs/mine/experiments")
>>> comparison.difference("test_accuracy", "sgd")["p_value"]
"""

import dataclasses
import math
import os
import re
import time
import typing

import keras
import numpy as np

from keras_recipes.callbacks.atomic_files import save_model
from keras_recipes.tuning import run_records
from keras_recipes.tuning.comparison import Comparison
from keras_recipes.tuning.compiled_models import reusing_compiled_models
from keras_recipes.tuning.statistics import lower_is_better

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+=-]*$")


@dataclasses.dataclass(frozen=True)
class Target:
    """A level of a history metric whose first epoch and second are recorded.

    Args:
        metric: History key, such as `"val_accuracy"`.
        value: The level to reach.
        mode: `"max"` (reach `value` or more) or `"min"` (`value` or less).
            Defaults to `"max"`.
    """

    metric: str
    value: float
    mode: str = "max"

    def __post_init__(self):
        if self.mode not in ("max", "min"):
            raise ValueError(
                f"The 'mode' parameter of Target must be 'max' or 'min'. "
                f"Got {self.mode!r} instead.")

    def first_epoch(self, history):
        """The first 1-based epoch reaching the target, or `None`."""
        values = np.asarray(history.get(self.metric, []), dtype="float64")
        reached = values >= self.value if self.mode == "max" else values <= self.value
        hits = np.flatnonzero(reached)
        return int(hits[0]) + 1 if len(hits) else None


@dataclasses.dataclass
class Arm:
    """One way of training: a name and how one run is trained from a seed.

    Args:
        name: Short name (letters, digits, `_.+=-`), unique in its
            experiment; it names the run's record file.
        train: A function `train(seed) -> TrainingRun` (see
            `fit_with_optimizer`), or any object with `history` (a Keras
            history dict), `model`, `seconds` and optionally `updates` and
            `diverged`. The engine seeds Keras, NumPy and Python with the
            seed before calling it.
        settings: What defines the arm (`{"learning_rate": 0.01}`), copied
            into every run's row; a resumed run whose record holds other
            settings is refused. Defaults to `{}`.
    """

    name: str
    train: typing.Callable
    settings: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Experiment:
    """Arms trained over shared seeds, and what to measure of each run.

    Args:
        name: Name of the experiment; its records live in `STORE/name/`.
        arms: The `Arm`s, in the order tables list them.
        seeds: The seeds every arm is trained with (a list of integers).
        evaluate: A function `evaluate(run) -> dict` of scalar measures of
            a trained run (test metrics, say), or `None`. Defaults to `None`.
        reference: Name of the arm that differences are taken against.
            Defaults to `None`: the first arm.
        primary: The headline measure that picks the best arm. Defaults to
            `"test_accuracy"`.
        target: A `Target` whose first epoch and second each run records,
            or `None`. Defaults to `None`.
        save_models: Whether to save each run's model beside its record
            (`comparison.model_path(arm, seed)`). Defaults to `False`.
        on_record: A function `on_record(arm_name, seed, record)` called in
            the process that trained a run, right after its record is
            written (say, to log its history to TensorBoard), or `None`.
            Defaults to `None`.
    """

    name: str
    arms: list
    seeds: list
    evaluate: typing.Optional[typing.Callable] = None
    reference: typing.Optional[str] = None
    primary: str = "test_accuracy"
    target: typing.Optional[Target] = None
    save_models: bool = False
    on_record: typing.Optional[typing.Callable] = None

    def __post_init__(self):
        _check_name("name", self.name)
        if not self.arms:
            raise ValueError("The 'arms' parameter of Experiment must hold at least "
                             "one Arm. Got an empty list instead.")
        names = [arm.name for arm in self.arms]
        for name in names:
            _check_name("arm name", name)
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"Arm names must be unique. Got {duplicates} more than once.")
        seeds = list(self.seeds)
        if not seeds or any(isinstance(s, bool) or not isinstance(s, (int, np.integer))
                            or s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
            raise ValueError("The 'seeds' parameter of Experiment must be a list of "
                             f"distinct non-negative integers. Got {self.seeds!r} instead.")
        self.seeds = [int(s) for s in seeds]
        if self.reference is None:
            self.reference = names[0]
        elif self.reference not in names:
            raise ValueError(f"The 'reference' parameter of Experiment must be one of "
                             f"the arms: {', '.join(names)}. Got {self.reference!r} instead.")

    @property
    def runs(self):
        """The (arm, seed) pairs, arm by arm."""
        return [(arm, seed) for arm in self.arms for seed in self.seeds]


def seed_list(first, count):
    """Returns `count` consecutive seeds from `first` (`--seeds N` means this)."""
    return [int(first) + index for index in range(int(count))]


def run_experiment(experiment, store_dir, workers=1, worker_command=None, progress=True):
    """Trains every run of an experiment that has no record yet.

    Runs that finished before (a killed or interrupted experiment) are read
    back from their records, not trained again; a record made with other
    arm settings is refused. Each new run is trained after
    `keras.utils.set_random_seed(seed)`, so on a CPU it gives the same
    numbers whether it runs first, last, resumed or on another worker.

    Args:
        experiment: The `Experiment`.
        store_dir: Directory of the records (`STORE/EXPERIMENT/ARM/seed-S.json`);
            created if needed.
        workers: Number of local worker processes. With more than one, the
            runs go through KerasTuner's chief/worker mode on 127.0.0.1 and
            `worker_command` must be given. Defaults to `1` (in this process).
        worker_command: The command (a list of strings) that re-runs this
            program with the same settings; each worker runs it with
            KerasTuner's worker environment. Defaults to `None`.
        progress: Whether to show one tqdm bar over the runs. Defaults to
            `True`.

    Returns:
        A `Comparison`.

    Raises:
        ValueError: If `workers` is not a positive integer, `workers > 1`
            comes without `worker_command`, or a finished run's record was
            made with other settings.
    """
    from keras_recipes.tuning import experiment_workers

    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"The 'workers' parameter must be a positive integer. "
                         f"Got {workers!r} instead.")
    directory = os.path.join(store_dir, experiment.name)
    os.makedirs(directory, exist_ok=True)
    records = run_records.read_all(directory, experiment)
    pending = [(arm, seed) for arm, seed in experiment.runs if (arm.name, seed) not in records]
    role = experiment_workers.distributed_role()
    if pending and (role or workers > 1):
        experiment_workers.dispatch(experiment, directory, pending, workers,
                                    worker_command, progress)
        records = run_records.wait_for_all(directory, experiment)
    elif pending:
        _run_serially(experiment, directory, pending, records, progress)
    return Comparison(experiment, [records[(a.name, s)] for a, s in experiment.runs],
                      directory)


def _run_serially(experiment, directory, pending, records, progress):
    from tqdm.auto import tqdm

    done = len(experiment.runs) - len(pending)
    with tqdm(total=len(experiment.runs), initial=done, desc=experiment.name,
              unit="run", disable=not progress, dynamic_ncols=True) as bar:
        with reusing_compiled_models():
            for arm, seed in pending:
                bar.set_postfix_str(f"{arm.name} seed {seed}")
                records[(arm.name, seed)] = execute_run(experiment, directory, arm, seed)
                bar.update(1)


def execute_run(experiment, directory, arm, seed):
    """Trains one (arm, seed) run, measures it and writes its record.

    Returns:
        The record dict (also written to `run_records.record_path`).
    """
    # Drop the previous runs' Keras state (layer names, graphs); skip the full
    # garbage collection, which costs more than a small fit.
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(seed)
    started = time.perf_counter()
    run = arm.train(seed)
    seconds = float(getattr(run, "seconds", None) or time.perf_counter() - started)
    history = {key: [float(v) for v in values] for key, values in run.history.items()}
    measures = dict(experiment.evaluate(run)) if experiment.evaluate else {}
    row = {"experiment": experiment.name, "arm": arm.name, "seed": seed,
           **arm.settings, **_history_measures(history, experiment.target),
           "train_seconds": seconds,
           "updates": getattr(run, "updates", None),
           "diverged": bool(getattr(run, "diverged", _diverged(history)) or False),
           **measures}
    record = {"row": row, "history": history, "settings": arm.settings}
    if experiment.save_models:
        save_model(run.model, run_records.model_path(directory, arm.name, seed))
    run_records.write_record(directory, arm.name, seed, record)
    if experiment.on_record is not None:
        experiment.on_record(arm.name, seed, record)
    return record


def _history_measures(history, target):
    measures = {"epochs": len(history.get("loss", next(iter(history.values()), [])))}
    for key, values in history.items():
        if key == "seconds" or not values:
            continue
        finite = [v for v in values if math.isfinite(v)]
        measures[f"final_{key}"] = values[-1]
        best = min if lower_is_better(key) else max
        measures[f"best_{key}"] = best(finite) if finite else math.nan
    if target is not None:
        epoch = target.first_epoch(history)
        seconds = history.get("seconds")
        measures["epochs_to_target"] = epoch
        measures["seconds_to_target"] = (seconds[epoch - 1]
                                         if epoch is not None and seconds else None)
    return measures


def _diverged(history):
    values = [*history.get("loss", []), *history.get("val_loss", [])]
    return any(not math.isfinite(v) for v in values)


def _check_name(what, name):
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise ValueError(
            f"The {what} must start with a letter or digit and hold only letters, "
            f"digits and _.+=- (it names files). Got {name!r} instead.")

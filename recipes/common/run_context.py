"""The life of one run: directory, seed, precision, saved artefacts, summary."""

import contextlib
import dataclasses
import os
import shutil
import sys

import keras
import numpy as np

from keras_recipes.callbacks.atomic_files import save_model
from keras_recipes.recipes.common import environment
from keras_recipes.recipes.common.runs import RunResult
from keras_recipes.recipes.common.runs import check_out_dir
from keras_recipes.recipes.common.runs import create_run_dir
from keras_recipes.recipes.common.runs import write_history_csv
from keras_recipes.recipes.common.runs import write_json
from keras_recipes.tuning.experiment_workers import distributed_role
from keras_recipes.tuning.experiment_workers import worker_name


@dataclasses.dataclass
class RunContext:
    """A started run: where it writes and what it runs on."""

    recipe: str
    run_dir: str
    config: object
    environment: dict
    shared_dir: str = None

    def __post_init__(self):
        if self.shared_dir is None:
            self.shared_dir = self.run_dir

    def path(self, name):
        """Path of a file in the run directory."""
        return os.path.join(self.run_dir, name)

    def path_shared(self, name):
        """Path in the directory every worker of the run shares (`--out`).

        It is the run directory itself, except in a KerasTuner worker,
        which writes its own files to `OUT/workers/ID/`.
        """
        return os.path.join(self.shared_dir, name)

    def plot_path(self, name):
        """Path of a PNG in the run's `plots/` folder."""
        return os.path.join(self.run_dir, "plots", f"{name}.png")

    def log(self, message):
        """Prints a progress message unless the run is silent."""
        if self.config.verbose:
            print(f"[{self.recipe}] {message}", flush=True)

    @property
    def fit_verbose(self):
        """Keras `verbose` for `fit`: 1 line per epoch, bars, or silence."""
        return {0: 0, 1: 2, 2: 1}[self.config.verbose]

    def save_history(self, history):
        """Writes `history.csv` from a Keras history dict."""
        write_history_csv(self.path("history.csv"), history)

    def save_and_verify_model(self, model, x_sample):
        """Saves `model.keras`, reloads it and checks its predictions agree.

        Args:
            model: The trained model.
            x_sample: Inputs to compare the two models' predictions on.

        Returns:
            The largest absolute prediction difference (0 when identical).

        Raises:
            RuntimeError: If the reloaded model predicts differently.
        """
        path = self.path("model.keras")
        save_model(model, path)
        reloaded = keras.saving.load_model(path)
        expected = model.predict(x_sample, verbose=0)
        actual = reloaded.predict(x_sample, verbose=0)
        difference = float(np.max(np.abs(np.asarray(expected) - np.asarray(actual))))
        if not difference <= 1e-5:
            raise RuntimeError(
                f"The reloaded {path} predicts differently from the trained "
                f"model (max abs difference {difference:.3g})."
            )
        return difference

    def finish(self, metrics, report, history=None):
        """Writes `metrics.json` and `report.md` and returns the `RunResult`."""
        write_json(self.path("metrics.json"), metrics)
        report.write()
        return RunResult(run_dir=self.run_dir, metrics=metrics, history=history or {})


# Runs started by this process, newest last: what `exit_on_error` removes
# when a run fails (see `_created_paths`).
_STARTED = []


def start_run(recipe, config, resume=False):
    """Creates the run directory, seeds everything and writes `config.json`.

    Args:
        recipe: The recipe's name.
        config: The resolved `RecipeConfig`.
        resume: Whether `config.out` may hold an interrupted run (one that
            this project wrote, with its marker). Defaults to `False`.

    Returns:
        A `RunContext`.

    Raises:
        ValueError: If `config.out` cannot take the run (see
            `runs.check_out_dir`); nothing is created then.
    """
    worker = worker_name()
    if worker:  # A KerasTuner worker of a comparison: it shares config.out.
        # Whichever process comes first creates the shared run folder.
        shared_dir = create_run_dir(recipe, config.out, resume=True)
        run_dir = create_run_dir(recipe, os.path.join(config.out, "workers", worker),
                                 resume=True)
    else:
        # The chief of KerasTuner's distributed mode meets its workers in --out.
        resume = resume or distributed_role() == "chief"
        out = config.out
        created = None if out is None else _created_paths(out)
        run_dir = shared_dir = create_run_dir(recipe, out, resume=resume)
        if created is None:
            created = (run_dir, None)
        _STARTED.append((run_dir, created, resume))
    environment.set_seed(config.seed)
    environment.configure_precision(config.precision)
    described = environment.describe_environment()
    write_json(os.path.join(run_dir, "config.json"), {
        "recipe": recipe, "config": config.to_dict(), "seed": config.seed,
        "environment": described,
    })
    context = RunContext(recipe, run_dir, config, described, shared_dir)
    context.log(f"run directory {run_dir}; {described['backend']} on "
                f"{described['device']} ({described['dtype_policy']})")
    return context


def check_out(recipe, config, resume=False):
    """Refuses a bad `--out` before any data is loaded or anything is written.

    Args:
        recipe: The recipe's name (a resumed folder must be one of its runs).
        config: The config; its `out` is checked.
        resume: Whether `out` may hold an interrupted run. Defaults to
            `False`.

    Raises:
        ValueError: As `runs.check_out_dir`.
    """
    if worker_name():
        return
    check_out_dir(config.out, recipe, resume=resume)


def _created_paths(out):
    """What creating `out` adds: `(topmost new folder, None)` or `(out, entries)`.

    A folder that does not exist yet is removed whole (with the parents the
    run creates); an existing empty one keeps itself and loses what the run
    put in it.
    """
    path = os.path.abspath(out)
    if os.path.isdir(path):
        return (out, set(os.listdir(path)))
    top = path
    while not os.path.exists(os.path.dirname(top)) and os.path.dirname(top) != top:
        top = os.path.dirname(top)
    return (top, None)


def _remove_failed_runs(since):
    """Removes what the failed runs started after `since` created; says what it did."""
    notes = []
    while len(_STARTED) > since:
        run_dir, (path, entries), resumed = _STARTED.pop()
        if resumed and entries:
            notes.append(f"the run in {run_dir} is kept for --resume")
            continue
        if entries is None:
            shutil.rmtree(path, ignore_errors=True)
        else:
            for entry in set(os.listdir(path)) - entries:
                target = os.path.join(path, entry)
                if os.path.isdir(target) and not os.path.islink(target):
                    shutil.rmtree(target, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.remove(target)
        notes.append(f"removed the files this run had written to {run_dir}")
    return "; ".join(notes)


def print_summary(result, keys):
    """Prints the headline metrics (numbers to 4 digits) and the report's path."""
    def shown(value):
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    print("  ".join(f"{k}={shown(result.metrics[k])}" for k in keys if k in result.metrics))
    if result.metrics.get("diverged"):
        print(f"WARNING: training diverged ({result.metrics.get('divergence', 'see the report')});"
              " these metrics describe a broken model. Lower --learning-rate and rerun.")
    print(f"Report: {result.report_path}")


def run_main(recipe, config_class, run, argv, summary_keys):
    """A recipe's `main`: parse the flags, run, print the summary; exit 2 on bad input.

    Args:
        recipe: The recipe's name.
        config_class: Its `Config`.
        run: Its `run(config) -> RunResult`.
        argv: Command-line arguments, or `None` for `sys.argv[1:]`.
        summary_keys: Metrics printed after the run.

    Returns:
        The `RunResult`.
    """
    from keras_recipes.recipes.common.config import parse_config

    config = parse_config(config_class, argv, prog=f"keras-recipes run {recipe}")
    with exit_on_error(recipe):
        result = run(config)
    print_summary(result, summary_keys)
    return result


@contextlib.contextmanager
def exit_on_error(recipe):
    """Turns a `ValueError` about bad input into a one-line message and exit 2.

    When a run started inside the block fails (with any exception), what it
    wrote is removed, so fixing the input and re-running with the same
    `--out` works; a resumed run is left as it was, for the next `--resume`.
    The message says which.
    """
    since = len(_STARTED)
    try:
        yield
    except ValueError as error:
        note = _remove_failed_runs(since)
        suffix = f" ({note})" if note else ""
        message = " ".join(str(error).split())
        print(f"keras-recipes {recipe}: error: {message}{suffix}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        kept = [run_dir for run_dir, _, _ in _STARTED[since:]]
        del _STARTED[since:]
        if kept:
            print(f"keras-recipes {recipe}: interrupted; the files in {', '.join(kept)} "
                  "are kept (recipes with --resume continue from them).", file=sys.stderr)
        raise
    except Exception:
        note = _remove_failed_runs(since)
        if note:
            print(f"keras-recipes {recipe}: the run failed; {note}.", file=sys.stderr)
        raise
    else:
        del _STARTED[since:]

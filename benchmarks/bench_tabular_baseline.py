"""Does tabular_classification's default MLP match scikit-learn's baselines?

The recipe's default run (`keras-recipes run tabular_classification`,
breast_cancer) is repeated over `--splits` seeds, 42, 43, ...: each seed
draws another stratified 70/15/15 split (and the network's weights). Every
run's report already carries the scikit-learn baselines fitted on its own
training rows (`baseline_*` in `metrics.json`), so the three models are
scored on the same test rows of every split.

It prints the test accuracy of the MLP, LogisticRegression and
HistGradientBoosting per split, then for the test accuracy and the test
log loss the mean with its Student-t 95% interval over the splits and the
differences MLP - LogisticRegression and MLP - HistGradientBoosting paired
over the splits (interval, paired t-test p-value, splits where the MLP is
better), with `keras_recipes.tuning`'s statistics. The
seed loop is this script's own: the experiment engine runs arms x seeds on
one dataset, and here every seed is another split. The goal: the MLP does
not lose to LogisticRegression by a resolved margin (the paired interval's
upper end is not below zero); `--strict` exits 1 when it does.

    KERAS_BACKEND=jax python benchmarks/bench_tabular_baseline.py [--splits 10]
        [--set units=16 --set dropout=0.1 ...] [--dataset breast_cancer] [--strict]
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402

from keras_recipes.recipes import tabular_classification as recipe  # noqa: E402
from keras_recipes.tuning import format_interval  # noqa: E402
from keras_recipes.tuning import mean_interval  # noqa: E402
from keras_recipes.tuning import paired_difference  # noqa: E402
from keras_recipes.tuning.statistics import lower_is_better  # noqa: E402

MEASURES = ("test_accuracy", "test_loss")
MODELS = {"MLP (recipe default)": "", "LogisticRegression": "baseline_logistic_regression_",
          "HistGradientBoosting": "baseline_hist_gradient_boosting_"}
MLP, REFERENCE = "MLP (recipe default)", "LogisticRegression"


def parse_setting(text):
    """`name=value` -> (name, value) with the value typed like the Config field."""
    name, separator, value = text.partition("=")
    fields = {field.name: field for field in recipe.Config.__dataclass_fields__.values()}
    if not separator or name not in fields:
        raise SystemExit(f"--set takes NAME=VALUE with NAME a field of the recipe's "
                         f"Config. Got {text!r} instead.")
    default = fields[name].default
    if isinstance(default, bool):
        return name, value.lower() in ("1", "true", "yes")
    for kind in (int, float):
        if isinstance(default, kind):
            return name, kind(value)
    return name, value


def run_split(seed, settings, store):
    config = recipe.Config(seed=seed, out=os.path.join(store, f"seed{seed}"), verbose=0,
                           **settings)
    started = time.perf_counter()
    metrics = recipe.run(config).metrics
    return {"seed": seed, "epochs": metrics["epochs_run"],
            "seconds": time.perf_counter() - started,
            **{(model, measure): metrics[prefix + measure]
               for model, prefix in MODELS.items() for measure in MEASURES}}


def print_splits(rows):
    print(f"\n| split seed | {' | '.join(MODELS)} | MLP epochs | seconds |")
    print("|---|" + "---|" * (len(MODELS) + 2))
    for row in rows:
        print(f"| {row['seed']} | "
              + " | ".join(f"{row[model, MEASURES[0]]:.3f}" for model in MODELS)
              + f" | {row['epochs']} | {row['seconds']:.0f} |")


def print_measure(rows, measure):
    """Prints each model's mean and interval, then the paired differences."""
    print(f"\n{measure} over {len(rows)} splits: mean [Student-t 95% interval]\n")
    for model in MODELS:
        print(f"- {model}: "
              f"{format_interval(mean_interval([r[model, measure] for r in rows]), 3)}")
    print(f"\nPaired over the same splits ({MLP} minus each baseline):\n")
    differences = {}
    for model in list(MODELS)[1:]:
        difference = paired_difference([r[MLP, measure] for r in rows],
                                       [r[model, measure] for r in rows],
                                       higher_is_better=not lower_is_better(measure))
        differences[model] = difference
        print(f"- MLP - {model}: {difference['mean']:+.4f} "
              f"[{difference['ci_low']:+.4f}, {difference['ci_high']:+.4f}], "
              f"p = {difference['p_value']:.3g} ({difference['test']}), MLP better on "
              f"{difference['better']} of {difference['n']} splits, "
              f"{'resolved' if difference['resolved'] else 'not resolved'}")
    return differences


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--set", action="append", default=[], dest="settings",
                        help="NAME=VALUE: a Config field of the recipe to change.")
    parser.add_argument("--store", default=None, help="Run directories (default: temp).")
    parser.add_argument("--strict", action="store_true",
                        help="Exit 1 when the MLP loses to LogisticRegression, resolved.")
    args = parser.parse_args()
    settings = dict(parse_setting(text) for text in args.settings)
    store = args.store or tempfile.mkdtemp(prefix="bench_tabular_baseline-")
    started, cpu = time.perf_counter(), time.process_time()
    print(f"tabular_classification default{' with ' + str(settings) if settings else ''}, "
          f"backend {keras.backend.backend()}, {args.splits} splits", flush=True)
    rows = []
    for seed in range(42, 42 + args.splits):
        rows.append(run_split(seed, settings, store))
        print(f"  seed {seed}: " + ", ".join(f"{model} {rows[-1][model, MEASURES[0]]:.3f}"
                                              for model in MODELS), flush=True)
    print_splits(rows)
    difference = print_measure(rows, MEASURES[0])[REFERENCE]
    for measure in MEASURES[1:]:
        print_measure(rows, measure)
    lost = difference["resolved"] and difference["mean"] < 0
    print(f"\nGoal: the MLP does not lose to {REFERENCE} by a resolved margin: "
          f"{'MISSED' if lost else 'met'}. Wall {time.perf_counter() - started:.0f} s, "
          f"CPU {time.process_time() - cpu:.0f} s. Runs: {store}")
    if args.strict and lost:
        raise SystemExit(f"The MLP loses to {REFERENCE} by {difference['mean']:+.4f}.")


if __name__ == "__main__":
    main()

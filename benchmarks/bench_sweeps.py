"""Overhead and memory of a hyperparameter sweep on a small CPU problem.

1. Overhead: a random sweep of `--trials` trials is timed, then the same
   configurations (read back from the trials) are built and fitted one after
   the other by hand, with the same data, epochs and seeds. The headline is
   the ratio of the sweep's wall time to the sum of the bare fits (target
   <= 1.10, issue 12): what KerasTuner, the trial records, the progress
   lines and the session clearing cost on top of the training itself (the
   bare fits clear the session without a garbage collection). The ratio of
   process CPU times is printed too, as an estimate less sensitive to other
   load on the machine. The two runs alternate order over `--repeats`,
   after an untimed one-trial sweep and fit that pay the process's one-time
   costs (imports, first traces), which would otherwise land on the first run.
2. Memory: a sweep of `--memory-trials` (30) one-epoch trials records the
   process's resident memory at the end of every trial; the growth from
   the end of trial 5 (after the first graphs and imports are warm) to the
   last trial must stay under 10%. KerasTuner clears the Keras session
   before each trial; this checks that nothing else accumulates. The same
   trials are then built and fitted bare (clear_session and gc.collect
   before each) as a baseline: Keras 3 with TensorFlow itself keeps a few MB
   per compiled-and-fitted model, which no sweep can give back.

    python benchmarks/bench_sweeps.py [--trials 8] [--epochs 5] [--repeats 2]
"""

import argparse
import gc
import os
import resource
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import keras_tuner  # noqa: E402
import numpy as np  # noqa: E402

from keras_recipes.tuning import SearchSpace  # noqa: E402
from keras_recipes.tuning import TabularHyperModel  # noqa: E402
from keras_recipes.tuning import run_sweep  # noqa: E402

TARGET_RATIO = 1.10
TARGET_GROWTH = 0.10
WARM_TRIAL = 5


def make_data(samples, features, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, features)).astype("float32")
    y = (x @ rng.normal(size=features) > 0).astype("int64")
    split = int(0.8 * samples)
    return (x[:split], y[:split]), (x[split:], y[split:])


def make_hypermodel(x_train, epochs):
    space = SearchSpace(optimizers=["adam", "sgd", "rmsprop"],
                        fixed={"epochs": epochs, "units": 64, "batch_size": 64})
    return TabularHyperModel(x_train, task="binary", space=space)


def timed_sweep(args, train, val, directory, trials, epochs, progress=None):
    hypermodel = make_hypermodel(train[0], epochs)
    start, start_cpu = time.perf_counter(), time.process_time()
    result = run_sweep(hypermodel, *train, val, tuner="random", max_trials=trials,
                       objective="val_accuracy", directory=directory, seed=args.seed,
                       progress=progress)
    return result, time.perf_counter() - start, time.process_time() - start_cpu


def timed_bare_fits(args, train, val, result, epochs):
    """Builds and fits each configuration of the sweep by hand."""
    hypermodel = make_hypermodel(train[0], epochs)
    start, start_cpu = time.perf_counter(), time.process_time()
    for record in result.records:
        hp = result.tuner.oracle.get_trial(record["trial_id"]).hyperparameters
        keras.backend.clear_session(free_memory=False)
        keras.utils.set_random_seed(args.seed + int(record["trial_id"]))
        model = hypermodel.build(hp)
        hypermodel.fit(hp, model, *train, validation_data=val)
    return time.perf_counter() - start, time.process_time() - start_cpu


def warm_up(args, train, val):
    """Runs a one-trial, one-epoch sweep and its bare fit, untimed."""
    with tempfile.TemporaryDirectory() as directory:
        result, _, _ = timed_sweep(args, train, val, directory, 1, 1, progress=None)
    timed_bare_fits(args, train, val, result, 1)


def resident_megabytes():
    """Current resident memory (psutil), else the peak (resource module)."""
    try:
        import psutil
    except ImportError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (2**20 if sys.platform == "darwin" else 2**10)
    return psutil.Process().memory_info().rss / 2**20


def overhead(args, train, val):
    """Median ratios (wall, CPU) of sweep time to bare-fit time over repeats."""
    ratios, cpu_ratios, result = [], [], None
    warm_up(args, train, val)
    for repeat in range(args.repeats):
        with tempfile.TemporaryDirectory() as directory:
            if repeat % 2:
                # Bare fits first; a seeded sweep draws the same configurations.
                bare, bare_cpu = timed_bare_fits(args, train, val, result, args.epochs)
                result, sweep, sweep_cpu = timed_sweep(args, train, val, directory,
                                                       args.trials, args.epochs)
            else:
                result, sweep, sweep_cpu = timed_sweep(args, train, val, directory,
                                                       args.trials, args.epochs)
                bare, bare_cpu = timed_bare_fits(args, train, val, result, args.epochs)
        ratios.append(sweep / bare)
        cpu_ratios.append(sweep_cpu / bare_cpu)
        print(f"repeat {repeat + 1}: sweep {sweep:.1f}s, bare fits {bare:.1f}s, "
              f"ratio {sweep / bare:.3f} (CPU {sweep_cpu / bare_cpu:.3f})", flush=True)
    return statistics.median(ratios), statistics.median(cpu_ratios)


def memory(args, train, val):
    """Resident-memory growth of a sweep, and of bare fits of its trials."""
    sweep_samples, bare_samples = [], []
    with tempfile.TemporaryDirectory() as directory:
        result, _, _ = timed_sweep(
            args, train, val, directory, args.memory_trials, 1,
            progress=lambda line: sweep_samples.append(resident_megabytes()))
    hypermodel = make_hypermodel(train[0], 1)
    for record in result.records:
        hp = result.tuner.oracle.get_trial(record["trial_id"]).hyperparameters
        keras.backend.clear_session()
        gc.collect()
        hypermodel.fit(hp, hypermodel.build(hp), *train, validation_data=val)
        bare_samples.append(resident_megabytes())
    print("resident MB by trial, sweep: "
          + " ".join(f"{value:.0f}" for value in sweep_samples))
    print("resident MB by fit, bare:    "
          + " ".join(f"{value:.0f}" for value in bare_samples))
    return [(samples[WARM_TRIAL - 1], samples[-1],
             (samples[-1] - samples[WARM_TRIAL - 1]) / samples[WARM_TRIAL - 1])
            for samples in (sweep_samples, bare_samples)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--memory-trials", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    train, val = make_data(args.samples, args.features, args.seed)
    print(f"keras {keras.__version__}, keras-tuner {keras_tuner.__version__}, "
          f"backend {keras.backend.backend()}; {args.trials} trials x "
          f"{args.epochs} epochs on {len(train[0])} rows")
    ratio, cpu_ratio = overhead(args, train, val)
    (warm, last, growth), (_, _, bare_growth) = memory(args, train, val)
    print(f"sweep / bare fits: {ratio:.3f} (median wall ratio; CPU {cpu_ratio:.3f}); "
          f"target <= {TARGET_RATIO:.2f}")
    print(f"resident memory over {args.memory_trials} trials: {warm:.0f} MB after "
          f"trial {WARM_TRIAL} -> {last:.0f} MB ({growth:+.1%}); target < {TARGET_GROWTH:.0%}"
          f" (bare build+fit+clear_session+gc of the same trials: {bare_growth:+.1%})")
    return 0 if ratio <= TARGET_RATIO and growth < TARGET_GROWTH else 1


if __name__ == "__main__":
    sys.exit(main())

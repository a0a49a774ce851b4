"""Overhead of the experiment engine over a hand-written loop of the same fits.

Trains the same arms x seeds twice within one process, alternating which
goes first on each repeat: once as a plain Python loop (seed, build,
compile, fit, score) and once through `run_experiment` (which adds the
per-run clear_session and seeding, the history measures, the atomic JSON
record of every run and the statistics of the returned comparison). The
headline figure is the median of the per-repeat wall-time ratios
(engine / loop); the ratio of process CPU times is printed too, as an
estimate less sensitive to other load on the machine. Target: <= 1.05.

    python benchmarks/bench_engine.py [--repeats 3] [--epochs 5]
"""

import argparse
import os
import resource
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_recipes.recipes.common.datasets import load_dataset  # noqa: E402
from keras_recipes.recipes.common.evaluation import test_measures  # noqa: E402
from keras_recipes.recipes.common.tabular import build_tabular_model  # noqa: E402
from keras_recipes.tuning import Arm  # noqa: E402
from keras_recipes.tuning import Experiment  # noqa: E402
from keras_recipes.tuning import Target  # noqa: E402
from keras_recipes.tuning import fit_with_optimizer  # noqa: E402
from keras_recipes.tuning import run_experiment  # noqa: E402

TARGET_RATIO = 1.05
ARMS = (("adam", 1e-3), ("sgd", 0.1), ("rmsprop", 1e-3))


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def train(dataset, optimizer, learning_rate, epochs):
    return fit_with_optimizer(lambda: build_tabular_model(dataset), dataset, optimizer,
                              learning_rate, epochs=epochs)


def plain_loop(dataset, seeds, epochs):
    scores = []
    for optimizer, learning_rate in ARMS:
        for seed in seeds:
            keras.utils.set_random_seed(seed)
            run = train(dataset, optimizer, learning_rate, epochs)
            scores.append(test_measures(run.model, dataset)["test_accuracy"])
    return scores


def engine(dataset, seeds, epochs, store):
    arms = [Arm(name, lambda seed, n=name, r=rate: train(dataset, n, r, epochs),
                {"learning_rate": rate}) for name, rate in ARMS]
    experiment = Experiment("bench", arms, seeds, reference="adam",
                            evaluate=lambda run: test_measures(run.model, dataset),
                            target=Target("val_accuracy", 0.9))
    comparison = run_experiment(experiment, store, progress=False)
    comparison.to_metrics(["test_accuracy"])
    return [row["test_accuracy"] for row in comparison.rows]


def timed(function, *args):
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = function(*args)
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    dataset = load_dataset("digits", seed=0)
    seeds = list(range(args.seeds))
    plain_loop(dataset, seeds[:1], 1)  # warm-up: imports, first tracing
    wall_ratios, cpu_ratios = [], []
    for repeat in range(args.repeats):
        with tempfile.TemporaryDirectory() as store:
            order = ["loop", "engine"] if repeat % 2 == 0 else ["engine", "loop"]
            results = {}
            for name in order:
                if name == "loop":
                    results[name] = timed(plain_loop, dataset, seeds, args.epochs)
                else:
                    results[name] = timed(engine, dataset, seeds, args.epochs, store)
        if not np.allclose(results["loop"][0], results["engine"][0]):
            raise SystemExit("The engine and the loop disagree on the test accuracies.")
        wall_ratios.append(results["engine"][1] / results["loop"][1])
        cpu_ratios.append(results["engine"][2] / results["loop"][2])
        print(f"repeat {repeat + 1}: loop {results['loop'][1]:.2f} s, engine "
              f"{results['engine'][1]:.2f} s (cpu {results['loop'][2]:.2f} / "
              f"{results['engine'][2]:.2f} s)")
    ratio = statistics.median(wall_ratios)
    print(f"engine / plain loop, {len(ARMS)} arms x {args.seeds} seeds x {args.epochs} "
          f"epochs: median wall ratio {ratio:.3f}, median CPU ratio "
          f"{statistics.median(cpu_ratios):.3f} (goal <= {TARGET_RATIO})")
    if ratio > TARGET_RATIO:
        print("above goal")


if __name__ == "__main__":
    main()

"""Overhead of the standard callback stack on a small CPU training run.

Times `model.fit` with the standard stack (NaN guard, early stopping, a
cosine learning rate schedule, best-model checkpoint, CSV log) against the
same fit with a constant learning rate and no callbacks. The two variants
run back to back within one process, alternating which goes first, so
drift in machine load hits both alike. The headline figure is the median of
the per-repeat wall-time ratios (stack / none); the ratio of the fastest
runs and the ratio of process CPU times are printed too, as estimates less
sensitive to other load on the machine. Target: <= 1.10.

    python benchmarks/bench_callbacks.py [--samples 20000] [--epochs 3]
"""

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_recipes.callbacks import AtomicCheckpoint  # noqa: E402
from keras_recipes.callbacks import EarlyStopping  # noqa: E402
from keras_recipes.callbacks import NaNGuard  # noqa: E402
from keras_recipes.callbacks import create_schedule  # noqa: E402

TARGET_RATIO = 1.10


def make_data(samples, features, seed):
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(samples, features)).astype("float32")
    logits = x @ rng.normal(size=(features, 10))
    return x, logits.argmax(axis=1)


def make_model(features, learning_rate, seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((features,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def standard_stack(run_dir):
    return [
        NaNGuard(verbose=0),
        EarlyStopping(monitor="val_loss", patience=100),
        AtomicCheckpoint(os.path.join(run_dir, "checkpoints"), keep_last=0),
        keras.callbacks.CSVLogger(os.path.join(run_dir, "history.csv")),
    ]


def timed_fit(args, x, y, with_callbacks, run_dir):
    steps = args.epochs * int(np.ceil(len(x) * 0.8 / args.batch_size))
    learning_rate = 1e-3
    callbacks = []
    if with_callbacks:
        learning_rate = create_schedule("cosine", 1e-3, total_steps=steps)
        callbacks = standard_stack(run_dir)
    model = make_model(x.shape[1], learning_rate, args.seed)
    start, start_cpu = time.perf_counter(), time.process_time()
    model.fit(
        x,
        y,
        batch_size=args.batch_size,
        epochs=args.epochs,
        validation_split=0.2,
        callbacks=callbacks,
        verbose=0,
    )
    return time.perf_counter() - start, time.process_time() - start_cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    x, y = make_data(args.samples, args.features, args.seed)
    times = {False: [], True: []}
    cpu_times = {False: [], True: []}
    with tempfile.TemporaryDirectory() as run_dir:
        timed_fit(args, x[:512], y[:512], True, run_dir)  # Warm up both paths.
        timed_fit(args, x[:512], y[:512], False, run_dir)
        for repeat in range(args.repeats):
            order = (False, True) if repeat % 2 == 0 else (True, False)
            for with_callbacks in order:
                seconds, cpu_seconds = timed_fit(args, x, y, with_callbacks, run_dir)
                times[with_callbacks].append(seconds)
                cpu_times[with_callbacks].append(cpu_seconds)
    ratios = [stack / none for stack, none in zip(times[True], times[False])]
    ratio = statistics.median(ratios)
    for label, key in (("no callbacks", False), ("standard stack", True)):
        seconds = ", ".join(f"{t:.2f}" for t in times[key])
        print(f"{label:>14}: {seconds} s")
    print(f"ratio of the fastest runs: {min(times[True]) / min(times[False]):.3f}")
    cpu_ratio = statistics.median(cpu_times[True]) / statistics.median(cpu_times[False])
    print(f"ratio of median CPU times: {cpu_ratio:.3f}")
    verdict = "OK" if ratio <= TARGET_RATIO else "ABOVE TARGET"
    print(f"ratio (median of paired runs): {ratio:.3f} "
          f"(target <= {TARGET_RATIO:.2f}): {verdict}")
    return ratio


if __name__ == "__main__":
    main()

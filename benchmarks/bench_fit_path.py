"""The library's fit path against a plain `model.fit`, on TensorFlow and JAX.

Each variant trains the same model in its own process (Keras picks its
backend once per process), one after another in this run: digits, the
64-64-10 MLP, Adam 1e-3, batch 32, 1,257 training rows, the remaining 540
rows scored after every epoch, until test accuracy reaches 0.97 (at most
60 epochs). Variants: a plain `model.fit` on TensorFlow (Keras' defaults),
and `fit_with_optimizer` (the library path) on TensorFlow and on JAX; on
JAX also a run inside an experiment (`reusing_compiled_models`, after one
untimed run of another seed), which is what every run of a comparison but
the first costs.

Figures and goals (issue 12):
- B1: seconds to 0.97 test accuracy, default library path / plain
  TensorFlow fit, with JAX's compilation cache cold and warm, and for a
  later run of an experiment. Goal <= 0.10. On a new process JAX traces and
  lowers every jitted function again even with a warm cache (its cache
  holds compiled programs, not traces), so the warm first epoch is the
  floor of a one-fit command; the reused run shows the floor without it.
- B5: steady epoch time of the default path / the FLOP floor, where the
  floor is 6 x weights x rows / the backend's measured float32 matmul rate.
  Goal <= 15.
The default path is JAX when it is installed (`recipes/common/backends.py`).

    python benchmarks/bench_fit_path.py [--repeats 2]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

GOAL_B1 = 0.10
GOAL_B5 = 15.0
TARGET_ACCURACY = 0.97
# (label, backend, path); JAX runs twice on one fresh compilation cache:
# cold (a first command), then warm (every later one).
VARIANTS = (("tensorflow plain", "tensorflow", "plain"),
            ("tensorflow library", "tensorflow", "library"),
            ("jax library cold", "jax", "library"),
            ("jax library warm", "jax", "library"),
            ("jax library reused", "jax", "reused"))


def measure(kind):
    """Runs in the child process: trains once and returns its timings."""
    import time

    import keras
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from keras_recipes.callbacks import ElapsedTime
    from keras_recipes.tuning import fit_with_optimizer
    from keras_recipes.tuning import reusing_compiled_models

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, train_size=1257, stratify=y, random_state=0)

    class Data:
        task = "multiclass"

    data = Data()
    data.x_train, data.y_train, data.x_val, data.y_val = x_train, y_train, x_test, y_test

    def build():
        return keras.Sequential([
            keras.Input((64,)), keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax")])

    class StopAtTarget(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs["val_accuracy"] >= TARGET_ACCURACY and not hasattr(self, "reached"):
                self.reached = logs["seconds"]
                self.cpu_reached = time.process_time() - cpu_started
                self.model.stop_training = True

    class EpochTimes(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.started)

    stop, times = StopAtTarget(), EpochTimes()
    keras.utils.set_random_seed(0)
    cpu_started = time.process_time()
    if kind == "plain":
        model = build()
        model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(x_train, y_train, batch_size=32, epochs=60, verbose=0,
                  validation_data=(x_test, y_test), callbacks=[ElapsedTime(), stop, times])
    elif kind == "library":
        model = fit_with_optimizer(build, data, "adam", 1e-3, epochs=60, batch_size=32,
                                   callbacks=[stop, times]).model
    else:
        with reusing_compiled_models():
            fit_with_optimizer(build, data, "adam", 1e-3, epochs=2, batch_size=32, seed=1)
            cpu_started = time.process_time()
            model = fit_with_optimizer(build, data, "adam", 1e-3, epochs=60, batch_size=32,
                                       callbacks=[stop, times], seed=0).model
    return {"seconds_to_target": getattr(stop, "reached", float("nan")),
            "cpu_to_target": getattr(stop, "cpu_reached", float("nan")),
            "epochs": len(times.times), "first_epoch": times.times[0],
            "steady_epoch": statistics.median(times.times[2:]),
            "weights": int(model.count_params()), "rows": len(x_train),
            "matmul_flops": matmul_rate()}


def matmul_rate(size=1024, repeats=20):
    """The backend's float32 matmul rate, in FLOP/s, on this machine."""
    import time

    import keras

    a = keras.random.normal((size, size))
    keras.ops.convert_to_numpy(keras.ops.matmul(a, a))  # Warm up.
    started = time.perf_counter()
    for _ in range(repeats):
        a = keras.ops.matmul(a, a) * (1.0 / size)
    keras.ops.convert_to_numpy(a)
    return 2 * size ** 3 * repeats / (time.perf_counter() - started)


def run_variant(backend, kind, cache):
    environment = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3",
                   "JAX_COMPILATION_CACHE_DIR": cache,
                   "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
                   "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0"}
    output = subprocess.run([sys.executable, __file__, "--child", kind], env=environment,
                            capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--child", choices=("plain", "library", "reused"))
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(measure(arguments.child)))
        return
    results = {label: [] for label, _, _ in VARIANTS}
    for _ in range(arguments.repeats):
        with tempfile.TemporaryDirectory() as cache:
            for label, backend, kind in VARIANTS:
                results[label].append(run_variant(backend, kind, cache))
    print(f"{'variant':<19} {'s to 0.97':>9} {'CPU s':>6} {'epochs':>6} "
          f"{'first s':>7} {'steady ms':>9} {'x floor':>7}")
    summary = {}
    for label, runs in results.items():
        row = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        floor = 6 * row["weights"] * row["rows"] / row["matmul_flops"]
        row["x_floor"] = row["steady_epoch"] / floor
        summary[label] = row
        print(f"{label:<19} {row['seconds_to_target']:>9.2f} "
              f"{row['cpu_to_target']:>6.2f} {row['epochs']:>6.0f} "
              f"{row['first_epoch']:>7.2f} {1000 * row['steady_epoch']:>9.1f} "
              f"{row['x_floor']:>7.0f}")
    plain = summary["tensorflow plain"]
    for label in ("jax library cold", "jax library warm", "jax library reused"):
        b1 = summary[label]["seconds_to_target"] / plain["seconds_to_target"]
        b1_cpu = summary[label]["cpu_to_target"] / plain["cpu_to_target"]
        print(f"B1 seconds to {TARGET_ACCURACY} test accuracy, {label} / plain TF fit: "
              f"{b1:.3f} (goal <= {GOAL_B1}); in CPU seconds {b1_cpu:.3f}")
    b5 = summary["jax library warm"]["x_floor"]
    print(f"B5 steady epoch / FLOP floor on the default path: {b5:.0f}x (goal <= {GOAL_B5:.0f}x)")


if __name__ == "__main__":
    main()

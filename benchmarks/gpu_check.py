"""Issue 12, item 8: every recipe's default run on a GPU, and image throughput.

Two parts, each printing a table and writing a CSV under `--out`:

1. **Recipes.** Every recipe of `list_recipes()` runs its default
   configuration unchanged through `keras-recipes run NAME` in its own
   process, `--workers` at a time on the one GPU (`--precision auto`: mixed
   precision on a GPU), the image recipes first, all within `--budget`
   seconds (a device machine is lent for minutes: a recipe still running
   then is stopped, one not started is listed as such). A row keeps the
   exit status, wall time, device and dtype policy the run recorded, and
   its headline test score.
2. **Throughput.** The registry's image models (`cnn`, the body of
   `image_augmentation`; `resnet`; `transfer` with a random
   MobileNetV3Small, the body of `transfer_learning --backbone`) train on
   generated data of CIFAR-10's shape (32x32x3, 10 classes) through the
   library's fit path, under each precision policy. Images per second come
   from the steady epochs (the first, which compiles, is left out). Model
   FLOP utilisation is 3 x the forward pass's FLOPs per image (XLA's cost
   analysis; the backward pass costs about twice the forward) x images/s,
   over the matmul rate measured on the same device in the policy's
   compute dtype, and over the bfloat16 rate (the chip's ceiling).

Keras has no FLOP counter and no device-throughput report, so this script
measures them itself. It runs on JAX (the device machine has no TensorFlow).
On a CPU, `--smoke` checks the script in a minute: smoke-sized recipe runs
and a few small batches.

    KERAS_BACKEND=jax python benchmarks/gpu_check.py --out OUT [--smoke]
        [--recipes a,b] [--workers 6] [--budget 300] [--skip-recipes]
"""

import argparse
import concurrent.futures
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

THROUGHPUT_MODELS = {"cnn": {}, "resnet": {},
                     "transfer": {"backbone": "mobilenet_v3_small"}}
POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")
COMPUTE_DTYPES = {"float32": "float32", "mixed_float16": "float16",
                  "mixed_bfloat16": "bfloat16"}
IMAGE_RECIPES = ("image_augmentation", "transfer_learning", "adversarial_robustness")
HEADLINE_METRICS = ("test_accuracy", "test_rmse", "best_score")
NO_RECORD = {"device": "", "dtype_policy": "", "metric": "", "value": ""}


def run_recipe(name, out_dir, smoke, timeout):
    """Runs one recipe's default in a fresh process and returns its row."""
    run_dir = os.path.join(out_dir, name)
    command = [sys.executable, "-m", "keras_recipes.recipes.common.cli", "run", name,
               "--backend", "jax", "--precision", "auto", "--verbose", "0",
               "--out", run_dir] + (["--smoke"] if smoke else [])
    started = time.perf_counter()
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        status = "ok" if finished.returncode == 0 else f"exit {finished.returncode}"
        lines = finished.stderr.strip().splitlines() or [""]
        error = "" if finished.returncode == 0 else lines[-1][:400]  # The exception.
    except subprocess.TimeoutExpired:
        status, error = f"stopped at {timeout} s (budget)", ""
    row = {"recipe": name, "status": status, "wall_s": round(time.perf_counter() - started, 1)}
    row.update(_run_record(run_dir))
    row["error"] = error
    return row


def _run_record(run_dir):
    """The device, dtype policy and headline score a run directory records."""
    record = dict(NO_RECORD)
    try:
        with open(os.path.join(run_dir, "config.json"), encoding="utf-8") as handle:
            environment = json.load(handle).get("environment", {})
        record["device"] = environment.get("device", "")
        record["dtype_policy"] = environment.get("dtype_policy", "")
        with open(os.path.join(run_dir, "metrics.json"), encoding="utf-8") as handle:
            metrics = json.load(handle)
    except (OSError, ValueError):
        return record
    record["metric"], record["value"] = headline(metrics)
    return record


def headline(metrics):
    """(name, value) of a run's headline score, from its `metrics.json`.

    A comparison reports its primary measure for the best arm (else the
    reference arm) as mean and 95% interval over seeds; a single run its
    test score.
    """
    arms, primary = metrics.get("arms"), metrics.get("primary")
    arm = metrics.get("best_arm") or metrics.get("reference")  # Some name no best arm.
    if isinstance(arms, dict) and arm in arms and primary in arms[arm]:
        summary = arms[arm][primary]
        return (f"{primary} of {arm}, mean [95% CI]",
                f"{summary['mean']:.4f} [{summary['ci_low']:.4f}, {summary['ci_high']:.4f}]")
    numbers = {key: value for key, value in metrics.items()
               if isinstance(value, (int, float)) and not isinstance(value, bool)
               and not key.startswith("baseline")}
    for key in (*HEADLINE_METRICS, *(key for key in numbers if "test_" in key)):
        if key in numbers:
            return key, round(float(numbers[key]), 4)
    return "", ""


def run_recipes(names, out_dir, smoke=False, workers=6, budget=300):
    """Runs the recipes `workers` at a time within `budget` seconds; returns their rows."""
    deadline = time.perf_counter() + budget

    def run_in_budget(name):
        remaining = int(deadline - time.perf_counter())
        if remaining < 5:
            return {"recipe": name, "status": "not started (budget)", "wall_s": 0.0,
                    **NO_RECORD, "error": ""}
        return run_recipe(name, out_dir, smoke, remaining)

    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run_in_budget, names))


def matmul_rate(dtype, size, repeats=10):
    """FLOP/s of a `size`-square matmul in `dtype` on the default device."""
    import jax
    import jax.numpy as jnp

    a = jax.random.normal(jax.random.PRNGKey(0), (size, size), dtype=dtype)
    b = jax.random.normal(jax.random.PRNGKey(1), (size, size), dtype=dtype)
    product = jax.jit(jnp.matmul)
    product(a, b).block_until_ready()
    started = time.perf_counter()
    for _ in range(repeats):
        result = product(a, b)
    result.block_until_ready()
    return 2 * size ** 3 * repeats / (time.perf_counter() - started)


def forward_flops_per_image(model, image_shape):
    """FLOPs of one image's forward pass, from XLA's cost analysis."""
    import jax
    import jax.numpy as jnp

    batch = jnp.zeros((8, *image_shape), "float32")
    analysis = jax.jit(lambda x: model(x, training=False)).lower(batch).cost_analysis()
    if isinstance(analysis, (list, tuple)):
        analysis = analysis[0]
    return float(analysis["flops"]) / 8


def measure_throughput(model_name, policy, images, batch_size, epochs, peaks):
    """Trains one registry model on generated images; returns its throughput row."""
    import keras
    import numpy as np

    from keras_recipes.models import create_model
    from keras_recipes.tuning import fit_with_optimizer

    class Data:
        task = "multiclass"

    random = np.random.default_rng(0)
    data = Data()
    data.x_train = random.random((images, 32, 32, 3), dtype="float32")
    data.y_train = random.integers(0, 10, images)
    data.x_val, data.y_val = data.x_train[:batch_size], data.y_train[:batch_size]
    keras.mixed_precision.set_global_policy(policy)
    try:
        model = create_model(model_name, (32, 32, 3), "multiclass", 10,
                             **THROUGHPUT_MODELS[model_name])
        run = fit_with_optimizer(model, data, "adam", 1e-3, epochs=epochs,
                                 batch_size=batch_size, seed=0)
        flops = forward_flops_per_image(model, (32, 32, 3))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    epoch_seconds = np.diff([0.0, *run.history["seconds"]])  # ElapsedTime's running total.
    images_per_second = images / statistics.median(epoch_seconds[1:])
    train_flops = 3 * flops * images_per_second
    return {"model": model_name, "policy": policy, "batch_size": batch_size,
            "params": model.count_params(), "gflops_per_image": round(flops / 1e9, 4),
            "first_epoch_s": round(float(epoch_seconds[0]), 2),
            "images_per_s": round(images_per_second),
            "tflops": round(train_flops / 1e12, 3),
            "mfu_same_dtype": round(train_flops / peaks[COMPUTE_DTYPES[policy]], 4),
            "mfu_bf16_peak": round(train_flops / peaks["bfloat16"], 4)}


def write_rows(path, rows):
    """Writes rows (dicts) as CSV, atomically, and prints them as a table."""
    if not rows:
        return
    columns = list(rows[0])
    with tempfile.NamedTemporaryFile("w", newline="", dir=os.path.dirname(path) or ".",
                                     delete=False, suffix=".tmp") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(handle.name, path)
    shown = [c for c in columns if c != "error"]
    print(" | ".join(shown))
    for row in rows:
        print(" | ".join(str(row[c]) for c in shown))
    for row in rows:
        if row.get("error"):
            print(f"{row['recipe']}: {row['error']}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="Folder for the CSVs.")
    parser.add_argument("--smoke", action="store_true", help="Tiny sizes, to check the script.")
    parser.add_argument("--recipes", default=None, help="Comma-separated names; default all.")
    parser.add_argument("--workers", type=int, default=6, help="Recipes run at once.")
    parser.add_argument("--budget", type=int, default=300, help="Seconds for all recipes.")
    parser.add_argument("--skip-recipes", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    arguments = parser.parse_args(argv)
    if os.environ.get("KERAS_BACKEND", "jax") != "jax":
        parser.error("runs on JAX: unset KERAS_BACKEND or set it to jax.")
    os.environ["KERAS_BACKEND"] = "jax"
    os.makedirs(arguments.out, exist_ok=True)

    import jax

    from keras_recipes.recipes.common.registry import list_recipes

    print(f"JAX {jax.__version__}, devices: {', '.join(map(str, jax.devices()))}", flush=True)
    if not arguments.skip_recipes:
        names = arguments.recipes.split(",") if arguments.recipes else sorted(
            list_recipes(), key=lambda name: (name not in IMAGE_RECIPES, name))
        started = time.perf_counter()
        runs_dir = tempfile.mkdtemp(prefix="gpu_check_runs-")  # $OUT returns few files.
        rows = run_recipes(names, runs_dir, arguments.smoke,
                           arguments.workers, arguments.budget)
        print(f"\n## Recipes' default runs ({time.perf_counter() - started:.0f} s, "
              f"{arguments.workers} at a time)")
        write_rows(os.path.join(arguments.out, "gpu_recipes.csv"), rows)
    if not arguments.skip_throughput:
        size = 512 if arguments.smoke else 8192
        peaks = {dtype: matmul_rate(dtype, size) for dtype in ("float32", "float16", "bfloat16")}
        print("\n## Measured matmul rates (TFLOP/s): "
              + ", ".join(f"{dtype} {rate / 1e12:.1f}" for dtype, rate in peaks.items()))
        images, batch, epochs = (64, 16, 2) if arguments.smoke else (20_480, 512, 3)
        rows = [measure_throughput(name, policy, images, batch, epochs, peaks)
                for name in THROUGHPUT_MODELS for policy in POLICIES]
        print("\n## Training throughput on CIFAR-10-shaped data")
        write_rows(os.path.join(arguments.out, "gpu_throughput.csv"), rows)


if __name__ == "__main__":
    main()

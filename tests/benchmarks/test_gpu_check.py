"""benchmarks/gpu_check.py, checked at CPU size (it runs on JAX only)."""

import csv
import importlib.util
import pathlib

import keras
import pytest

pytestmark = pytest.mark.skipif(keras.backend.backend() != "jax",
                                reason="gpu_check runs on JAX")

SCRIPT = pathlib.Path(__file__).parents[2] / "benchmarks" / "gpu_check.py"
spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
gpu_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gpu_check)


def test_a_recipe_row_records_status_device_and_headline(tmp_path):
    ok, unknown = gpu_check.run_recipes(["regression", "no_such_recipe"], str(tmp_path),
                                        smoke=True, workers=2, budget=300)
    assert ok["status"] == "ok" and ok["device"] == "CPU" and ok["dtype_policy"] == "float32"
    assert ok["metric"] == "test_rmse" and ok["value"] > 0
    assert unknown["status"] == "exit 2" and "no_such_recipe" in unknown["error"]
    gpu_check.write_rows(str(tmp_path / "rows.csv"), [ok, unknown])
    with open(tmp_path / "rows.csv") as handle:
        assert [row["recipe"] for row in csv.DictReader(handle)] == ["regression",
                                                                     "no_such_recipe"]


def test_recipes_past_the_budget_are_listed_as_not_started(tmp_path):
    (row,) = gpu_check.run_recipes(["regression"], str(tmp_path), smoke=True, budget=0)
    assert row["status"] == "not started (budget)" and row["metric"] == ""


def test_a_comparison_headline_is_the_best_arms_interval():
    summary = {"mean": 0.9, "ci_low": 0.85, "ci_high": 0.95}
    metrics = {"primary": "test_accuracy", "best_arm": None, "reference": "adam",
               "arms": {"adam": {"test_accuracy": summary}}}
    assert gpu_check.headline(metrics) == ("test_accuracy of adam, mean [95% CI]",
                                           "0.9000 [0.8500, 0.9500]")
    assert gpu_check.headline({"baseline_x_test_accuracy": 1.0, "cv_test_f1": 0.5}) == \
        ("cv_test_f1", 0.5)


def test_throughput_row_counts_images_and_flops():
    peaks = {"float32": 1e11, "float16": 1e11, "bfloat16": 1e11}
    row = gpu_check.measure_throughput("cnn", "float32", images=32, batch_size=16,
                                       epochs=2, peaks=peaks)
    assert row["images_per_s"] > 0 and row["params"] == 20042
    # Two 3x3 convolutions over 32x32 and 16x16 maps: about 10 MFLOP per image.
    assert 0.005 < row["gflops_per_image"] < 0.05
    assert 0 < row["mfu_same_dtype"] == row["mfu_bf16_peak"]
    assert keras.mixed_precision.global_policy().name == "float32"

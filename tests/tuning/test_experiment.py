"""The experiment engine: arms x seeds, records, resume, statistics, errors."""

import dataclasses
import json
import os

import keras
import numpy as np
import pytest

from keras_recipes.tuning import Arm
from keras_recipes.tuning import Experiment
from keras_recipes.tuning import Target
from keras_recipes.tuning import fit_with_optimizer
from keras_recipes.tuning import run_experiment
from keras_recipes.tuning import seed_list
from keras_recipes.tuning import run_records


@dataclasses.dataclass
class FakeRun:
    history: dict
    seconds: float = 0.01
    model: object = None


def noisy_arm(name, level, calls):
    """An arm whose accuracy curve rises to `level` plus seeded noise."""

    def train(seed):
        calls.append((name, seed))
        noise = np.random.normal(0, 0.01)  # seeded by the engine
        accuracy = [level * (1 - 0.5 ** epoch) + noise for epoch in range(1, 6)]
        return FakeRun({"loss": [1 - a for a in accuracy], "val_accuracy": accuracy,
                        "seconds": [0.1 * e for e in range(1, 6)]})

    return Arm(name, train, {"level": level})


def experiment(calls, seeds=(0, 1, 2), levels=(0.9, 0.95)):
    arms = [noisy_arm(f"arm{index}", level, calls) for index, level in enumerate(levels)]
    return Experiment("demo", arms, list(seeds), reference="arm0", primary="best_val_accuracy",
                      target=Target("val_accuracy", 0.8),
                      evaluate=lambda run: {"test_accuracy": run.history["val_accuracy"][-1]})


def test_every_arm_and_seed_runs_once_and_is_recorded(tmp_path):
    calls = []
    comparison = run_experiment(experiment(calls), tmp_path, progress=False)
    assert calls == [(f"arm{a}", s) for a in range(2) for s in range(3)]
    assert [(r["arm"], r["seed"]) for r in comparison.rows] == calls
    assert sorted(os.listdir(tmp_path / "demo" / "arm1")) == [
        "seed-0.json", "seed-1.json", "seed-2.json"]
    row = comparison.rows[0]
    assert row["level"] == 0.9 and row["epochs"] == 5 and row["diverged"] is False
    assert row["final_val_accuracy"] == row["test_accuracy"]
    assert row["best_loss"] == min(comparison.records[0]["history"]["loss"])
    assert row["epochs_to_target"] == 3 and row["seconds_to_target"] == pytest.approx(0.3)


def test_the_engine_seeds_each_run_so_results_do_not_depend_on_order(tmp_path):
    calls = []
    forward = run_experiment(experiment(calls), tmp_path / "a", progress=False)
    backward = run_experiment(experiment(calls, seeds=(2, 1, 0)), tmp_path / "b",
                              progress=False)
    assert forward.values("test_accuracy", "arm1") == backward.values("test_accuracy",
                                                                      "arm1")[::-1]


def test_resume_skips_finished_runs_and_gives_the_same_comparison(tmp_path):
    calls = []
    first = run_experiment(experiment(calls), tmp_path, progress=False)
    os.remove(run_records.record_path(tmp_path / "demo", "arm1", 2))  # "killed" mid-run
    calls.clear()
    resumed = run_experiment(experiment(calls), tmp_path, progress=False)
    assert calls == [("arm1", 2)]
    assert resumed.rows == first.rows


def test_a_store_of_another_experiment_is_refused(tmp_path):
    run_experiment(experiment([]), tmp_path, progress=False)
    with pytest.raises(ValueError, match="made with settings .*level.*another experiment"):
        run_experiment(experiment([], levels=(0.9, 0.5)), tmp_path, progress=False)


def test_statistics_compare_arms_over_shared_seeds(tmp_path):
    comparison = run_experiment(experiment([]), tmp_path, progress=False)
    better = comparison.difference("test_accuracy", "arm1")
    assert better["better"] == 3 and better["resolved"] and better["mean"] > 0
    assert comparison.best_arm() == "arm1"
    assert "resolved at 3 seeds" in comparison.verdicts("test_accuracy")[0]
    summary = comparison.summary("test_accuracy", "arm0")
    assert summary["ci_low"] < summary["mean"] < summary["ci_high"] and summary["n"] == 3


def test_metrics_follow_the_one_schema(tmp_path):
    metrics = run_experiment(experiment([]), tmp_path, progress=False).to_metrics(
        ["test_accuracy", "epochs_to_target"])
    assert metrics["reference"] == "arm0" and metrics["seeds"] == [0, 1, 2]
    assert metrics["best_arm"] == "arm1" and metrics["test"] == "paired t-test"
    for arm in ("arm0", "arm1"):
        assert set(metrics["arms"][arm]["test_accuracy"]) == {"mean", "std", "ci_low",
                                                              "ci_high", "n"}
        assert "level" not in metrics["arms"][arm]  # settings are not measures
    assert set(metrics["differences"]) == {"arm1"}
    assert {"mean", "ci_low", "ci_high", "p_value", "better", "n", "resolved"} <= set(
        metrics["differences"]["arm1"]["epochs_to_target"])
    json.dumps(metrics)


def test_a_failing_run_leaves_no_record_and_the_rest_can_resume(tmp_path):
    calls = []

    def broken(seed):
        raise RuntimeError("boom")

    bad = experiment(calls)
    bad.arms[1] = Arm("arm1", broken, {"level": 0.95})
    with pytest.raises(RuntimeError, match="boom"):
        run_experiment(bad, tmp_path, progress=False)
    assert len(os.listdir(tmp_path / "demo" / "arm0")) == 3
    assert not (tmp_path / "demo" / "arm1").exists()
    calls.clear()
    run_experiment(experiment(calls), tmp_path, progress=False)
    assert calls == [("arm1", 0), ("arm1", 1), ("arm1", 2)]


@pytest.mark.parametrize("arguments, message", [
    ({"arms": []}, "at least one Arm"),
    ({"seeds": []}, "distinct non-negative integers"),
    ({"seeds": [1, 1]}, "distinct non-negative integers"),
    ({"seeds": [-1]}, "distinct non-negative integers"),
    ({"reference": "nope"}, "must be one of the arms: a, b"),
    ({"name": "../up"}, "only letters"),
])
def test_bad_experiments_are_refused_by_name(arguments, message):
    settings = {"name": "x", "arms": [Arm("a", None), Arm("b", None)], "seeds": [0]}
    with pytest.raises(ValueError, match=message):
        Experiment(**{**settings, **arguments})


def test_duplicate_arm_names_and_bad_workers_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unique"):
        Experiment("x", [Arm("a", None), Arm("a", None)], [0])
    with pytest.raises(ValueError, match="'workers' parameter must be a positive integer"):
        run_experiment(experiment([]), tmp_path, workers=0)
    with pytest.raises(ValueError, match="worker_command"):
        run_experiment(experiment([]), tmp_path, workers=2)


def test_seed_list_counts_up_from_the_seed():
    assert seed_list(42, 3) == [42, 43, 44]


def test_real_fits_are_bit_equal_whatever_ran_before(tmp_path):
    """A Keras run gives the same numbers first, after other runs, or alone."""
    rng = np.random.default_rng(0)
    data = type("Data", (), {})()
    data.x_train = rng.normal(size=(64, 4)).astype("float32")
    data.y_train = (data.x_train[:, 0] > 0).astype("int64")
    data.x_val, data.y_val, data.task = data.x_train[:16], data.y_train[:16], "binary"

    def build():
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                                 keras.layers.Dense(1, activation="sigmoid")])

    def arm(name, optimizer):
        return Arm(name, lambda seed: fit_with_optimizer(build, data, optimizer, 0.05,
                                                         epochs=2, batch_size=16))

    both = Experiment("fits", [arm("adam", "adam"), arm("sgd", "sgd")], [0, 1])
    alone = Experiment("fits", [arm("sgd", "sgd")], [1])
    together = run_experiment(both, tmp_path / "both", progress=False)
    single = run_experiment(alone, tmp_path / "alone", progress=False)
    assert together.values("final_val_loss", "sgd")[1] == single.values("final_val_loss",
                                                                         "sgd")[0]


def test_the_learning_rate_search_picks_the_lowest_finite_loss_per_group(tmp_path):
    from keras_recipes.tuning import best_learning_rates
    from keras_recipes.tuning import learning_rate_search
    from keras_recipes.tuning import search_rows

    def make_arm(group, rate, name):
        def train(seed):
            loss = abs(np.log10(rate) + (2 if group == "adam" else 1))  # best 1e-2 / 1e-1
            if rate >= 1:
                loss = float("nan")  # diverged, though "lower" than nothing
            return FakeRun({"loss": [loss], "val_loss": [loss]})
        return Arm(name, train)

    grid = {"adam": [1e-3, 1e-2, 1e-1], "sgd": [1e-2, 1e-1, 1.0]}
    search = run_experiment(learning_rate_search(grid, make_arm, seed=0), tmp_path,
                            progress=False)
    assert best_learning_rates(search) == {"adam": 1e-2, "sgd": 1e-1}
    assert [row["learning_rate"] for row in search_rows(search, "sgd")] == grid["sgd"]
    assert search_rows(search, "sgd")[-1]["diverged"]
    assert learning_rate_search({"lbfgs": []}, make_arm, seed=0) is None

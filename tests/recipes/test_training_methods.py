"""Training regimes, each at its own tuned rate: full batch, batch size 1, mini-batches, L-BFGS."""

import json
import math
import os

import pandas as pd
import pytest

from keras_recipes.recipes import training_methods as recipe
from keras_recipes.recipes.common.datasets import load_dataset
from keras_recipes.recipes.common.optimizer_runs import learning_rate_grid

N = load_dataset("iris").sizes["train"]  # training rows of the default split
ARMS = ["full_batch", "stochastic", "mini_batch-b8", "mini_batch-b32", "lbfgs"]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    config = recipe.Config(
        dataset="iris", batch_sizes="8,32", epochs=2, stochastic_epochs=1, seeds=2,
        grid_size=2, verbose=0, out=str(tmp_path_factory.mktemp("methods") / "run"))
    return recipe.run(config)


def runs(result, experiment):
    frame = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    return frame[frame["experiment"] == experiment]


def test_every_method_is_trained_with_every_seed(result):
    rows = runs(result, "regimes")
    assert sorted(zip(rows["arm"], rows["seed"])) == sorted(
        (arm, seed) for arm in ARMS for seed in (42, 43))
    sizes = rows.groupby("arm")["batch_size"].first().to_dict()
    assert sizes == {"full_batch": N, "stochastic": 1, "mini_batch-b8": 8,
                     "mini_batch-b32": 32, "lbfgs": N}


def test_updates_follow_from_the_batch_size(result):
    updates = runs(result, "regimes").groupby("arm")["updates"].unique().to_dict()
    assert list(updates["full_batch"]) == [2]               # one update per epoch
    assert list(updates["stochastic"]) == [N]               # one per row, 1 epoch
    assert list(updates["mini_batch-b8"]) == [-(-N // 8) * 2]  # ceil(N / 8) * 2


def test_each_method_gets_its_own_learning_rate_search(result):
    search = runs(result, "learning_rate_search")
    grid = learning_rate_grid("sgd", 2)
    for arm in ARMS[:-1]:  # L-BFGS has no learning rate
        trials = search[search["arm"].str.rsplit("-lr", n=1).str[0] == arm]
        assert sorted(trials["learning_rate"]) == pytest.approx(grid)
        assert (trials["epochs"] == 1).all()  # ceil(0.3 x 2 epochs), ceil(0.3 x 1)
        best = trials.loc[trials["final_val_loss"].fillna(math.inf).idxmin(), "learning_rate"]
        assert result.metrics["tuned_learning_rates"][arm] == pytest.approx(best)
    assert result.metrics["tuned_learning_rates"]["lbfgs"] is None
    regimes = runs(result, "regimes")
    for arm, rate in result.metrics["tuned_learning_rates"].items():
        used = regimes[regimes["arm"] == arm]["learning_rate"]
        assert used.isna().all() if rate is None else list(used) == pytest.approx([rate] * 2)


def test_metrics_follow_the_comparison_schema(result):
    metrics = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert metrics["reference"] == "mini_batch-b8"
    assert sorted(metrics["arms"]) == sorted(ARMS)
    for arm in ARMS:
        summary = metrics["arms"][arm]["test_accuracy"]
        assert 0 <= summary["mean"] <= 1 and summary["n"] == 2
        assert summary["ci_low"] <= summary["mean"] <= summary["ci_high"]
        assert metrics["arms"][arm]["update_rate"]["mean"] > 0
    assert sorted(metrics["differences"]) == sorted(set(ARMS) - {"mini_batch-b8"})
    difference = metrics["differences"]["full_batch"]["test_accuracy"]
    assert {"mean", "ci_low", "ci_high", "p_value", "better", "n", "resolved"} <= set(difference)
    assert metrics["best_method"] in ARMS
    assert os.path.exists(os.path.join(result.run_dir, "model.keras"))


def test_report_shows_intervals_paired_differences_and_plots(result):
    report = open(result.report_path).read()
    assert "Student-t 95% interval" in report
    assert "| arm | measure | difference vs mini_batch-b8 | p_value | seeds better |" in report
    assert "| arm | optimizer | batch_size | learning_rate | epoch_budget | final_loss" in report
    assert "LogisticRegression" in report
    for plot in ("loss_vs_epoch", "loss_vs_seconds", "val_loss_vs_seconds",
                 "learning_rate_search", "regimes_test_accuracy"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


def test_lbfgs_as_the_optimizer_trains_full_batch_only(tmp_path):
    config = recipe.Config(dataset="iris", optimizer="lbfgs", epochs=3, seeds=2,
                           verbose=0, out=str(tmp_path / "run"))
    methods = recipe.list_methods(config, N)
    assert [(m.name, m.optimizer, m.batch_size) for m in methods] == [("lbfgs", "lbfgs", N)]
    result = recipe.run(config)
    assert list(result.metrics["arms"]) == ["lbfgs"]
    assert result.metrics["tuned_learning_rates"] == {"lbfgs": None}
    assert set(pd.read_csv(os.path.join(result.run_dir, "runs.csv"))["experiment"]) == {
        "regimes"}


def test_a_shared_learning_rate_replaces_the_search():
    config = recipe.Config(learning_rate=0.05)
    methods = recipe.list_methods(config, 100)
    assert recipe.tuned_rates(config, None, methods) == {
        "full_batch": 0.05, "stochastic": 0.05, "mini_batch-b32": 0.05, "lbfgs": None}


def test_without_the_reference_only_the_chosen_regimes_run():
    config = recipe.Config(regimes="mini_batch", batch_sizes="16", lbfgs_reference=False)
    assert [m.name for m in recipe.list_methods(config, 100)] == ["mini_batch-b16"]


def test_batch_sizes_capped_at_the_training_set_are_not_run_twice():
    config = recipe.Config(regimes="full_batch,mini_batch", batch_sizes="64,128,256",
                           lbfgs_reference=False)
    assert [(m.name, m.batch_size) for m in recipe.list_methods(config, 100)] == [
        ("full_batch", 100), ("mini_batch-b64", 64)]


@pytest.mark.parametrize("overrides, message", [
    ({"regimes": "full_batch,minibatch"}, "'regimes' parameter.*mini_batch.*unknown: minibatch"),
    ({"batch_sizes": "16,0"}, "'batch_sizes' parameter.*Got '16,0'"),
    ({"batch_sizes": "big"}, "'batch_sizes' parameter"),
    ({"optimizer": "adamm"}, "'optimizer' parameter must be one of.*lbfgs"),
    ({"learning_rate": 0.0}, "'learning_rate' parameter must be a positive number"),
    ({"seeds": 0}, "'seeds' parameter must be a positive integer"),
    ({"search_fraction": 0.0}, r"'search_fraction' parameter must be in \(0, 1\]"),
])
def test_bad_settings_are_refused_before_training(overrides, message):
    with pytest.raises(ValueError, match=message):
        recipe.Config(**overrides)


def test_a_bad_flag_exits_with_usage_before_the_run_directory(tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as error:
        recipe.main(["--regimes", "batch", "--out", str(out)])
    assert error.value.code == 2
    assert "full_batch, mini_batch, stochastic" in capsys.readouterr().err
    assert not out.exists()

"""Training regimes: full batch, batch size 1, mini-batches and the L-BFGS reference."""

import os

import pytest

from keras_recipes.recipes import training_methods as recipe
from keras_recipes.recipes.common.datasets import load_dataset

N = load_dataset("iris").sizes["train"]  # training rows of the default split


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    config = recipe.Config(
        dataset="iris", batch_sizes="8,32", epochs=2, stochastic_epochs=1, seeds=2,
        verbose=0, out=str(tmp_path_factory.mktemp("methods") / "run"))
    return recipe.run(config)


def table_rows(report, header_start):
    lines = report.splitlines()
    start = lines.index(next(line for line in lines if line.startswith(header_start)))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_one_row_per_method_with_its_batch_size(result):
    rows = table_rows(open(result.report_path).read(), "| method | batch_size")
    assert [(row[0], row[1]) for row in rows] == [
        (f"full_batch b={N}", str(N)), ("stochastic b=1", "1"), ("mini_batch b=8", "8"),
        ("mini_batch b=32", "32"), ("lbfgs (full batch)", str(N))]


def test_updates_follow_from_the_batch_size(result):
    rows = {row[0]: row for row in table_rows(open(result.report_path).read(),
                                              "| method | batch_size")}
    assert rows[f"full_batch b={N}"][3].split()[0] == "2"                # one update per epoch
    assert rows["stochastic b=1"][3].split()[0] == str(N)                # one per row, 1 epoch
    assert rows["mini_batch b=8"][3].split()[0] == str(-(-N // 8) * 2)   # ceil(N / 8) * 2


def test_metrics_per_method(result):
    metrics = result.metrics
    for key in (f"full_batch_b{N}", "stochastic_b1", "mini_batch_b8", "mini_batch_b32",
                "lbfgs_full_batch"):
        assert 0 <= metrics[f"{key}_test_accuracy_mean"] <= 1
        assert metrics[f"{key}_updates_per_second_mean"] > 0
    assert metrics["best_method"] in {f"full_batch b={N}", "stochastic b=1", "mini_batch b=8",
                                      "mini_batch b=32", "lbfgs (full batch)"}
    for plot in ("loss_vs_epoch", "loss_vs_seconds", "val_loss_vs_seconds"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


def test_lbfgs_as_the_optimizer_trains_full_batch_only(tmp_path):
    config = recipe.Config(dataset="iris", optimizer="lbfgs", epochs=3, seeds=1,
                           verbose=0, out=str(tmp_path / "run"))
    methods = recipe.list_methods(config, N)
    assert [(m.regime, m.optimizer, m.batch_size) for m in methods] == [
        ("full_batch", "lbfgs", N)]
    result = recipe.run(config)
    assert list(k for k in result.metrics if k.endswith("_test_accuracy_mean")) == [
        "lbfgs_full_batch_test_accuracy_mean"]


def test_without_the_reference_only_the_chosen_regimes_run():
    config = recipe.Config(regimes="mini_batch", batch_sizes="16", lbfgs_reference=False)
    assert [m.label for m in recipe.list_methods(config, 100)] == ["mini_batch b=16"]


def test_batch_sizes_capped_at_the_training_set_are_not_run_twice():
    config = recipe.Config(regimes="mini_batch", batch_sizes="64,128,256",
                           lbfgs_reference=False)
    assert [m.label for m in recipe.list_methods(config, 100)] == [
        "mini_batch b=64", "mini_batch b=100"]


@pytest.mark.parametrize("overrides, message", [
    ({"regimes": "full_batch,minibatch"}, "'regimes' parameter.*mini_batch.*unknown: minibatch"),
    ({"batch_sizes": "16,0"}, "'batch_sizes' parameter.*Got '16,0'"),
    ({"batch_sizes": "big"}, "'batch_sizes' parameter"),
    ({"optimizer": "adamm"}, "'optimizer' parameter must be one of.*lbfgs"),
    ({"learning_rate": 0.0}, "'learning_rate' parameter must be positive"),
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

"""The seed-stability recipe: sources varied alone, the decomposition, seeds needed."""

import math
import os

import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes import seed_stability as recipe


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed_stability") / "run"
    return recipe.run(recipe.Config(smoke=True, out=str(out), verbose=0,
                                    sources="all,order,split,variant"))


def test_each_source_is_varied_alone_and_fixed_sources_repeat_exactly():
    config = recipe.Config(epochs=1, units=4, depth=1, verbose=0)
    dataset = recipe.load_data(config, 42)
    base = {"init": 42, "order": 42, "dropout": 42, "split": 42}

    def outputs(seeds):
        run = recipe.train_run(config, dataset, seeds, 0.5)
        return recipe.predict_all(run.model, dataset.x_test)

    reference = outputs(base)
    np.testing.assert_array_equal(outputs(base), reference)
    for source in ("init", "order", "dropout"):
        assert not np.array_equal(outputs({**base, source: 43}), reference), source


def test_detectable_difference_formula():
    # Paired, n = 20, sd 1: (t(0.975, 19) + t(0.8, 19)) / sqrt(20).
    assert recipe.detectable_difference(1.0, 20) == pytest.approx(0.6606, abs=1e-3)
    assert recipe.detectable_difference(1.0, 5) > recipe.detectable_difference(1.0, 10)
    assert recipe.detectable_difference(1.0, 10, paired=False) == pytest.approx(
        1.325, abs=1e-3)


def test_report_has_the_decomposition_the_seeds_table_and_both_ab_tests(result):
    metrics = result.metrics
    assert metrics["reference"] == "all" and len(metrics["seeds"]) == 2
    assert [row["arm"] for row in metrics["decomposition"]] == ["all", "order", "split",
                                                                 "variant"]
    assert [row["seeds"] for row in metrics["seeds_needed"]] == [3, 5, 10, 20]
    assert metrics["one_seed_ab"]["mcnemar"]["test"] == "McNemar's exact test"
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert len(runs) == 4 * 2
    # The split arm changes the test rows; the order arm keeps them.
    assert runs.groupby("arm")["varies"].first()["split"] == "split"
    report = open(result.report_path).read()
    for heading in ("What moves the score", "How many seeds a comparison needs",
                    "McNemar's exact test", "Paired differences against **all**"):
        assert heading in report
    assert os.path.getsize(os.path.join(result.run_dir, "plots",
                                         "seed_distribution.png")) > 0


def test_std_interval_covers_the_sample_std():
    sd, low, high = recipe.std_interval([0.9, 0.92, 0.95, 0.91, 0.93])
    assert low < sd < high and math.isclose(sd, np.std([0.9, 0.92, 0.95, 0.91, 0.93],
                                                       ddof=1))

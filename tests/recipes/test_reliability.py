"""The reliability diagram is drawn on a Figure and saved as a PNG."""

import numpy as np

from keras_recipes.recipes.common.reliability import plot_reliability


def test_reliability_diagram_of_binary_and_multiclass_models(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    confident = np.where(y == 1, 0.9, 0.1) + rng.normal(0, 0.05, 200)
    path = plot_reliability({"sharp": np.clip(confident, 0, 1), "flat": np.full(200, 0.5)},
                            y, str(tmp_path / "binary.png"), bins=5)
    assert (tmp_path / "binary.png").stat().st_size > 0 and path.endswith("binary.png")
    y3 = rng.integers(0, 3, 60)
    p3 = rng.dirichlet(np.ones(3), 60)
    plot_reliability({"random": p3}, y3, str(tmp_path / "multi.png"))
    assert (tmp_path / "multi.png").stat().st_size > 0

import numpy as np
import pytest

from keras_recipes.recipes.common.variant_plots import plot_layer_values
from keras_recipes.recipes.common.variant_plots import plot_variant_bars


def test_plot_variant_bars_writes_a_png_and_tolerates_missing_values(tmp_path):
    values = {"none": {"gap": [0.4, 0.5], "acc": [0.9, 0.92]},
              "l2": {"gap": [0.1, np.nan]},
              "single": {"gap": [0.2], "acc": [0.95]}}
    path = plot_variant_bars(values, str(tmp_path / "bars.png"),
                             {"gap": "gap", "acc": "accuracy"}, title="t")
    assert path.endswith("bars.png") and (tmp_path / "bars.png").stat().st_size > 0


def test_plot_variant_bars_needs_a_panel(tmp_path):
    with pytest.raises(ValueError, match="'panels'"):
        plot_variant_bars({"none": {"gap": [1.0]}}, str(tmp_path / "b.png"), {})


@pytest.mark.parametrize("log_y", [True, False])
def test_plot_layer_values_accepts_one_or_several_runs(tmp_path, log_y):
    norms = {"sigmoid": [{"dense_0": 1e-6, "head": 0.9}, {"dense_0": 2e-6, "head": 1.1}],
             "relu": {"dense_0": 1.0, "head": 2.0}}
    path = plot_layer_values(norms, str(tmp_path / "norms.png"), "norm", log_y=log_y)
    assert (tmp_path / "norms.png").stat().st_size > 0 and path.endswith("norms.png")

"""The distribution-shift recipe: shifts of a known size, and the detection table."""

import numpy as np
import pytest

from keras_recipes.recipes import distribution_shift as recipe


@pytest.fixture(scope="module")
def dataset():
    return recipe.load_data(recipe.Config(verbose=0), 0)


def test_covariate_shift_moves_only_the_chosen_features_by_their_training_spread(dataset):
    shifted, labels = recipe.covariate_rows(dataset, 2.0, np.array([3, 7]))
    moved = shifted - dataset.x_test
    spread = dataset.x_train[:, [3, 7]].std(axis=0)
    np.testing.assert_allclose(moved[:, [3, 7]], np.broadcast_to(2 * spread, (len(labels), 2)),
                               rtol=1e-4)
    assert not np.delete(moved, [3, 7], axis=1).any()


def test_label_shift_changes_the_class_shares_without_duplicating_rows(dataset):
    rng = np.random.default_rng(0)
    same_x, same_y = recipe.label_rows(dataset, 0.0, rng)
    assert len(same_y) == len(dataset.y_test)
    x, y = recipe.label_rows(dataset, 0.6, rng)
    before = np.mean(dataset.y_test == 0)
    assert np.mean(y == 0) == pytest.approx(0.4 * before + 0.6, abs=0.03)
    assert len(np.unique(x, axis=0)) == len(x) < len(dataset.y_test)


def test_sizes_are_validated_before_anything_runs():
    with pytest.raises(ValueError, match="'covariate_sizes'.*increasing.*Got '1,0.5'"):
        recipe.Config(covariate_sizes="1,0.5")
    with pytest.raises(ValueError, match="'label_sizes'.*below 1"):
        recipe.Config(label_sizes="0,1")


def test_smoke_report_has_every_check_at_every_size(tmp_path):
    result = recipe.run(recipe.Config(smoke=True, verbose=0, out=str(tmp_path / "run")))
    rows = result.metrics["detection"]
    assert [(row["shift"], row["size"]) for row in rows] == [
        ("covariate_one", 0), ("covariate_one", 2), ("covariate_several", 0),
        ("covariate_several", 2), ("label", 0), ("label", 0.6)]
    assert {"feature_tests", "psi", "domain_classifier", "outputs"} <= set(rows[0])
    # Two training standard deviations on one feature: the KS test sees it every time.
    assert rows[1]["feature_tests"].startswith("1")

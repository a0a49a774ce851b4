import numpy as np
import pytest

from keras_recipes.recipes.common.datasets import describe_dataset
from keras_recipes.recipes.common.datasets import list_datasets
from keras_recipes.recipes.common.datasets import load_dataset
from keras_recipes.recipes.common.splits import holdout_indices


@pytest.mark.parametrize("name", list_datasets())
def test_every_bundled_dataset_loads_and_splits_70_15_15(name):
    data = load_dataset(name, seed=0)
    sizes = data.sizes
    total = sum(sizes.values())
    assert abs(sizes["train"] / total - 0.70) < 0.02
    assert abs(sizes["test"] / total - 0.15) < 0.02
    assert data.x_train.dtype == np.float32
    assert data.x_train.shape[1] == len(data.feature_names)
    assert describe_dataset(name)
    if data.task == "regression":
        assert data.class_names is None
    else:
        assert data.num_classes == len(np.unique(data.y_train))
        assert set(np.unique(data.y_test)) == set(range(data.num_classes))


def test_classification_split_is_stratified():
    data = load_dataset("breast_cancer", seed=3)
    fractions = [np.mean(y) for y in (data.y_train, data.y_val, data.y_test)]
    assert max(fractions) - min(fractions) < 0.03


def test_same_seed_same_split_other_seed_other_split():
    a, b, c = (load_dataset("wine", seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_test, c.x_test)


def test_list_datasets_filters_by_task():
    assert "diabetes" in list_datasets("regression")
    assert "diabetes" not in list_datasets("classification")
    assert set(list_datasets("binary")) <= set(list_datasets("classification"))


def test_unknown_dataset_lists_the_valid_names():
    with pytest.raises(ValueError, match="breast_cancer.*--csv"):
        load_dataset("mnist_typo")


def test_too_few_rows_for_a_split_is_refused():
    with pytest.raises(ValueError, match="10 rows"):
        holdout_indices(np.arange(10) % 2, stratify=True)
    with pytest.raises(ValueError, match="test_fraction"):
        holdout_indices(np.zeros(100), stratify=False, test_fraction=1.5)

"""Averaging, voting, bagging and stacking ensembles on tiny data."""

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.models import StackingEnsemble
from keras_recipes.models import average_ensemble
from keras_recipes.models import bagging_members
from keras_recipes.models import bootstrap_indices
from keras_recipes.models import build_cnn
from keras_recipes.models import predict_members
from keras_recipes.models import task_loss
from keras_recipes.models import vote_ensemble
from keras_recipes.tuning import fold_indices


def predict(model, x):
    return keras.ops.convert_to_numpy(
        model(keras.tree.map_structure(keras.ops.convert_to_tensor, x), training=False))


@pytest.fixture(scope="module")
def text_dataset(tmp_path_factory):
    """A CSV with a numeric block and a string column, loaded like a user's CSV."""
    from keras_recipes.recipes.common.csv_data import load_csv

    rng = np.random.default_rng(0)
    rows = 120
    size = rng.normal(0, 1, rows)
    colour = rng.choice(["red", "green", "blue"], rows)
    frame = pd.DataFrame({"size": size, "weight": rng.normal(3, 1, rows), "colour": colour,
                          "label": np.where(size + (colour == "red") > 0.3, "big", "small")})
    path = tmp_path_factory.mktemp("csv") / "messy.csv"
    frame.to_csv(path, index=False)
    return load_csv(str(path), "label", task="classification")


def tabular_members(dataset, count=3, epochs=2):
    from keras_recipes.recipes.common.tabular import build_tabular_model

    members = []
    for seed in range(count):
        keras.utils.set_random_seed(seed)
        model = build_tabular_model(dataset, units=8, depth=1)
        model.compile("adam", task_loss(dataset.task))
        model.fit(dataset.x_train, dataset.y_train, epochs=epochs, verbose=0)
        members.append(model)
    return members


@pytest.mark.tensorflow_only  # Its members read text columns (TensorFlow string tensors).
def test_average_of_tabular_members_with_text_saves_reloads_and_predicts_the_mean(
        text_dataset, tmp_path):
    members = tabular_members(text_dataset)
    ensemble = average_ensemble(members)
    expected = predict_members(members, text_dataset.x_test).mean(axis=0)
    np.testing.assert_allclose(predict(ensemble, text_dataset.x_test), expected, atol=1e-6)
    path = str(tmp_path / "ensemble.keras")
    ensemble.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(predict(reloaded, text_dataset.x_test),
                                  predict(ensemble, text_dataset.x_test))
    # Raw rows, an unseen category included, go straight in.
    import tensorflow as tf

    raw = {"numeric": np.array([[0.5, 3.0], [-1.0, 2.0]], "float32"),
           "colour": tf.constant([["red"], ["purple"]])}
    assert reloaded.predict(raw, verbose=0).shape == (2, 1)


def test_average_and_vote_of_image_members_reload_identically(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.random((24, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 3, 24)
    members = []
    for seed in range(3):
        keras.utils.set_random_seed(seed)
        model = build_cnn((8, 8, 1), task="multiclass", num_classes=3, filters=4, depth=1)
        model.compile("adam", task_loss("multiclass"))
        model.fit(x, y, epochs=1, verbose=0)
        members.append(model)
    for build in (average_ensemble, vote_ensemble):
        ensemble = build(members)
        path = str(tmp_path / f"{build.__name__}.keras")
        ensemble.save(path)
        reloaded = keras.saving.load_model(path)
        np.testing.assert_array_equal(predict(reloaded, x), predict(ensemble, x))
    probabilities = predict_members(members, x)
    np.testing.assert_allclose(predict(average_ensemble(members), x),
                               probabilities.mean(axis=0), atol=1e-6)
    votes = predict(vote_ensemble(members), x)
    np.testing.assert_allclose(votes.sum(axis=1), 1.0, atol=1e-5)
    member_classes = probabilities.argmax(axis=-1)  # (members, rows)
    for row in range(len(x)):
        counts = np.bincount(member_classes[:, row], minlength=3)
        assert counts[votes[row].argmax()] == counts.max()


def test_vote_of_binary_members_is_the_share_voting_positive():
    inputs = keras.Input((1,))
    members = [keras.Model(inputs, keras.layers.Lambda(lambda t, c=c: t * 0 + c)(inputs))
               for c in (0.9, 0.6, 0.2)]
    votes = predict(vote_ensemble(members), np.zeros((2, 1), "float32"))
    np.testing.assert_allclose(votes, 2 / 3, atol=1e-3)


def test_members_with_other_inputs_are_refused():
    a = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    b = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="same inputs"):
        average_ensemble([a, b])
    with pytest.raises(ValueError, match="non-empty list of Keras models"):
        average_ensemble([])


def test_bootstrap_keeps_class_counts_and_bagging_trains_on_resamples():
    y = np.array([0] * 30 + [1] * 10)
    rows = bootstrap_indices(y, seed=0)
    assert len(rows) == 40 and np.bincount(y[rows]).tolist() == [30, 10]
    assert 0.5 < len(np.unique(rows)) / 40 < 0.8
    assert not np.array_equal(rows, bootstrap_indices(y, seed=1))
    seen = []

    def train(x, y_part, seed):
        seen.append((len(np.unique(x[:, 0])), seed))
        return keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])

    x = np.arange(40, dtype="float32").reshape(-1, 1)
    assert len(bagging_members(train, x, y, count=3, seed=5)) == 3
    assert [s for _, s in seen] == [5, 6, 7] and all(unique < 40 for unique, _ in seen)


@pytest.mark.tensorflow_only  # Its members read text columns (TensorFlow string tensors).
def test_stacking_learns_from_out_of_fold_probabilities(text_dataset):
    def train(units):
        def fit(x, y, seed):
            from keras_recipes.recipes.common.tabular import build_tabular_model

            model = build_tabular_model(text_dataset, units=units, depth=1)
            model.compile(keras.optimizers.Adam(0.05), task_loss(text_dataset.task))
            model.fit(x, y, epochs=5, verbose=0)
            return model
        return fit

    folds = fold_indices(text_dataset.y_train, folds=3, seed=0)
    stack = StackingEnsemble({"narrow": train(4), "wide": train(16)}, folds)
    stack.fit(text_dataset.x_train, text_dataset.y_train, seed=0)
    assert stack.out_of_fold.shape == (len(text_dataset.y_train), 2)
    assert {len(models) for models in stack.fold_models.values()} == {3}
    probabilities = stack.predict_proba(text_dataset.x_test)
    assert probabilities.shape == (len(text_dataset.y_test), 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    accuracy = np.mean(probabilities.argmax(axis=1) == text_dataset.y_test)
    assert accuracy >= 0.7
    with pytest.raises(ValueError, match="exactly once"):
        StackingEnsemble([train(4)], folds[:2]).fit(text_dataset.x_train,
                                                    text_dataset.y_train)

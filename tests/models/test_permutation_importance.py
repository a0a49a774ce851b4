"""Permutation importance of a Keras model finds the one informative column."""

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.models import build_tabular_preprocessing
from keras_recipes.models import create_model
from keras_recipes.models.permutation_importance import KerasEstimator
from keras_recipes.models.permutation_importance import permutation_importance


def informative_rows(count=300, seed=0):
    """Four numeric columns; only `signal` decides the class."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(count, 4)), columns=["noise_a", "signal",
                                                               "noise_b", "noise_c"])
    return frame.astype("float32"), (frame["signal"] > 0).to_numpy("int64")


def trained(model, x, y, epochs=30):
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy")
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    return model


def test_the_informative_column_is_the_most_important():
    frame, y = informative_rows()
    model = trained(create_model("mlp", input_shape=(4,), task="binary", units=16, depth=1),
                    frame.to_numpy(), y)
    test, y_test = informative_rows(120, seed=1)
    importances = permutation_importance(model, test, y_test, task="binary", repeats=3)
    assert list(importances["feature"]) == list(test.columns)
    ranked = importances.sort_values("importance", ascending=False)
    assert ranked["feature"].iloc[0] == "signal"
    assert ranked["importance"].iloc[0] > 5 * max(ranked["importance"].iloc[1:].max(), 0.01)
    accuracy = permutation_importance(model, test.to_numpy(), y_test, task="binary",
                                      metric="accuracy", repeats=3,
                                      feature_names=list(test.columns))
    assert accuracy["baseline_score"].iloc[0] > 0.9
    assert accuracy.sort_values("importance").feature.iloc[-1] == "signal"


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="Keras feeds string inputs as TensorFlow tensors only.")
def test_text_columns_are_permuted_by_name_like_any_other():
    import tensorflow as tf

    rng = np.random.default_rng(0)

    def text_rows(count, seed):
        rng = np.random.default_rng(seed)
        frame = pd.DataFrame({"size": rng.normal(size=count).astype("float32"),
                              "colour": rng.choice(["red", "blue", "green"], count)})
        return frame, (frame["colour"] == "red").to_numpy("int64")

    def to_inputs(frame):
        return {"numeric": frame[["size"]].to_numpy("float32"),
                "colour": tf.constant(frame["colour"].to_numpy(str).reshape(-1, 1))}

    frame, y = text_rows(300, 0)
    preprocessing = build_tabular_preprocessing(to_inputs(frame), ["colour"])
    model = trained(create_model("mlp", task="binary", preprocessing=preprocessing, units=8,
                                 depth=1), to_inputs(frame), y)
    test, y_test = text_rows(100, int(rng.integers(1, 100)))
    importances = permutation_importance(model, test, y_test, "binary", to_inputs=to_inputs)
    assert importances.set_index("feature")["importance"].idxmax() == "colour"


def test_the_estimator_scores_like_scikit_learn_and_refuses_bad_settings():
    frame, y = informative_rows(50)
    model = create_model("mlp", input_shape=(4,), task="multiclass", num_classes=3, units=4)
    estimator = KerasEstimator(model, "multiclass").fit()
    probabilities = estimator.predict_proba(frame)
    assert probabilities.shape == (50, 3) and estimator.predict(frame).shape == (50,)
    assert estimator.score(frame, y) < 0
    with pytest.raises(ValueError, match="'task'.*Got 'ranking'"):
        permutation_importance(model, frame, y, task="ranking")
    with pytest.raises(ValueError, match="'metric'.*mse for task 'regression'"):
        permutation_importance(model, frame, y, task="regression", metric="accuracy")
    with pytest.raises(ValueError, match="one target per row of 'x' \\(50\\). Got 3"):
        permutation_importance(model, frame, y[:3], task="multiclass")

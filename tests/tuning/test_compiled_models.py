"""A reused compiled model trains exactly like a fresh build of the same seed."""

import keras
import numpy as np
import pytest

from keras_recipes.tuning import build_compiled_state
from keras_recipes.tuning import compile_or_reuse
from keras_recipes.tuning import reusing_compiled_models
from keras_recipes.tuning import speed_options

ROWS = np.random.default_rng(0).normal(size=(101, 5)).astype("float32")
LABELS = (ROWS[:, 0] + ROWS[:, 1] > 0).astype("int32")


def build_model(units=8):
    normalizer = keras.layers.Normalization()
    normalizer.adapt(ROWS)
    inputs = keras.Input((5,))
    hidden = keras.layers.Dense(units, activation="relu")(normalizer(inputs))
    hidden = keras.layers.Dropout(0.3)(hidden)
    outputs = keras.layers.Dense(2, activation="softmax")(hidden)
    return keras.Model(inputs, outputs)


def train(seed, units=8, learning_rate=0.01, clear=True):
    """One run as the engine makes it: clear, seed, build, compile, fit."""
    if clear:
        keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(seed)
    model = compile_or_reuse(
        build_model(units), keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy", metrics=["accuracy"],
        **speed_options(len(ROWS), 16))
    build_compiled_state(model, ROWS, LABELS)
    history = model.fit(ROWS, LABELS, batch_size=16, epochs=3, verbose=0,
                        validation_data=(ROWS[:30], LABELS[:30])).history
    return model, history, [weight.copy() for weight in model.get_weights()]


def test_a_reused_model_is_bit_equal_to_a_fresh_build_of_the_same_seed():
    _, fresh_history, fresh_weights = train(seed=3)
    with reusing_compiled_models():
        first, _, _ = train(seed=2)
        reused, reused_history, reused_weights = train(seed=3, learning_rate=0.01)
    assert reused is first  # Nothing was compiled or traced again.
    assert reused_history == fresh_history
    assert all(np.array_equal(a, b) for a, b in zip(fresh_weights, reused_weights))


def test_the_learning_rate_is_reset_without_a_new_model():
    _, fresh_history, _ = train(seed=4, learning_rate=0.05)
    with reusing_compiled_models():
        first, _, _ = train(seed=4, learning_rate=0.01)
        reused, reused_history, _ = train(seed=4, learning_rate=0.05)
    assert reused is first
    assert reused_history == fresh_history


def test_runs_in_one_session_share_the_model_although_their_optimizers_are_renamed():
    _, fresh_history, fresh_weights = train(seed=3)
    with reusing_compiled_models():
        first, _, _ = train(seed=2)
        # Without clear_session the new optimizer is named `adam_1`.
        reused, reused_history, reused_weights = train(seed=3, clear=False)
    assert reused is first
    assert reused_history == fresh_history
    assert all(np.array_equal(a, b) for a, b in zip(fresh_weights, reused_weights))


def test_another_architecture_or_no_scope_compiles_its_own_model():
    with reusing_compiled_models():
        narrow, _, _ = train(seed=0, units=8)
        wide, _, _ = train(seed=0, units=16)
    assert wide is not narrow
    outside, _, _ = train(seed=0)
    again, _, _ = train(seed=0)
    assert outside is not again  # Outside the scope a returned model is never reused.


def test_capacity_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="'capacity' parameter"):
        with reusing_compiled_models(capacity=0):
            pass

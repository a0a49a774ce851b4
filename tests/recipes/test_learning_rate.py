import types

import keras
import numpy as np
import pytest

from keras_recipes.callbacks.lr_finder import DEFAULT_RULE
from keras_recipes.recipes.common.learning_rate import choose_learning_rate


def context(tmp_path):
    messages = []
    return types.SimpleNamespace(plot_path=lambda name: str(tmp_path / f"{name}.png"),
                                 log=messages.append, messages=messages)


def model_and_data():
    rng = np.random.RandomState(0)
    x = rng.normal(size=(256, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 1))).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(1e-3), loss="mse")
    return model, x, y


def test_a_number_is_used_as_given(tmp_path):
    model, x, y = model_and_data()
    assert choose_learning_rate("0.01", model, x, y, 32, context(tmp_path)) == 0.01


@pytest.mark.parametrize("rule", [None, "steepest", "minimum/10"])
def test_auto_uses_the_validated_rule(rule, tmp_path):
    model, x, y = model_and_data()
    run = context(tmp_path)
    options = {} if rule is None else {"rule": rule}
    chosen = choose_learning_rate("auto", model, x, y, 32, run, **options)
    keras.utils.set_random_seed(0)
    fresh, _, _ = model_and_data()
    from keras_recipes.callbacks import find_learning_rate
    _, finder = find_learning_rate(fresh, x, y, batch_size=32)
    assert chosen == pytest.approx(finder.suggestion(rule or DEFAULT_RULE), rel=1e-6)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == \
        pytest.approx(chosen)
    assert f"(rule {rule or DEFAULT_RULE})" in run.messages[-1]
    assert (tmp_path / "lr_finder.png").exists()

"""The residual MLP builder: same layers with or without shortcuts, zero-init blocks."""

import keras
import numpy as np
import pytest

from keras_recipes.models import build_residual_mlp


def test_plain_and_residual_have_the_same_layers_and_weights():
    residual = build_residual_mlp((5,), "multiclass", 3, units=4, blocks=3)
    plain = build_residual_mlp((5,), "multiclass", 3, units=4, blocks=3, residual=False)
    dense = [layer.name for layer in residual.layers if isinstance(layer, keras.layers.Dense)]
    assert dense == ["stem"] + [f"block{b}_dense{i}" for b in range(3) for i in range(2)] + \
        ["head"]
    assert residual.count_params() == plain.count_params()
    assert [l.name for l in residual.layers if isinstance(l, keras.layers.Add)] == [
        "block0_add", "block1_add", "block2_add"]
    assert not any(isinstance(l, keras.layers.Add) for l in plain.layers)
    assert (residual.name, plain.name) == ("residual_mlp", "plain_mlp")


def test_zero_init_blocks_start_as_the_identity():
    model = build_residual_mlp((5,), "regression", units=4, blocks=2, zero_init_residual=True)
    for block in range(2):
        assert not np.any(keras.ops.convert_to_numpy(
            model.get_layer(f"block{block}_dense1").kernel))
    x = np.random.default_rng(0).normal(size=(6, 5)).astype("float32")
    # Each block adds zero, so the blocks pass the stem's (non-negative) output through.
    stem = keras.Model(model.input, model.get_layer("stem_activation").output)
    last = keras.Model(model.input, model.get_layer("block1_output").output)
    np.testing.assert_allclose(last.predict(x, verbose=0), stem.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)


def test_zero_init_with_batch_norm_zeroes_the_last_scale():
    model = build_residual_mlp((5,), "binary", units=4, blocks=1, batch_norm=True,
                               zero_init_residual=True)
    gamma = keras.ops.convert_to_numpy(model.get_layer("block0_dense1_batch_norm").gamma)
    assert not np.any(gamma)
    assert np.all(keras.ops.convert_to_numpy(model.get_layer("block0_dense0_batch_norm").gamma))


@pytest.mark.parametrize("options, message", [
    ({"blocks": 0}, "'blocks' option must be an integer >= 1"),
    ({"layers_per_block": 0}, "'layers_per_block' option"),
    ({"residual": "yes"}, "'residual' option must be True or False"),
    ({"residual": False, "zero_init_residual": True}, "'zero_init_residual' option needs"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        build_residual_mlp((5,), "binary", **options)

import keras
import numpy as np

from keras_recipes.models import build_mlp


def test_layers_follow_options():
    model = build_mlp(
        input_shape=(5,), task="regression", units=7, depth=3, dropout=0.2,
        activation="gelu", kernel_initializer="he_uniform", l2=1e-3, batch_norm=True,
    )
    dense = [layer for layer in model.layers if layer.name.startswith("dense_")]
    assert [layer.units for layer in dense] == [7, 7, 7]
    assert not dense[0].use_bias
    assert isinstance(dense[0].kernel_initializer, keras.initializers.HeUniform)
    assert dense[0].kernel_regularizer.l2 == 1e-3
    assert len([l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]) == 3
    assert model.get_layer("dropout_2").rate == 0.2
    assert model.get_layer("activation_0").activation.__name__ == "gelu"


def test_depth_zero_is_linear():
    model = build_mlp(input_shape=(5,), task="binary", depth=0)
    assert [layer.name for layer in model.layers] == ["inputs", "head"]
    assert model.predict(np.zeros((2, 5)), verbose=0).shape == (2, 1)

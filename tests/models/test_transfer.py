import keras
import numpy as np
import pytest

from keras_recipes.models import build_transfer


def test_small_grey_images_are_made_rgb_and_resized():
    model = build_transfer((8, 8, 1), "multiclass", 3)
    assert model.get_layer("to_rgb").output.shape[1:] == (8, 8, 3)
    assert model.get_layer("resize").output.shape[1:] == (32, 32, 3)
    assert model.get_layer("backbone").trainable  # fresh weights train


def test_large_images_are_not_resized():
    model = build_transfer((40, 36, 3), "binary")
    assert "resize" not in {layer.name for layer in model.layers}


def test_efficientnet_backbone_and_image_size():
    model = build_transfer((8, 8, 3), "regression", backbone="efficientnet_b0", image_size=48)
    assert model.get_layer("resize").output.shape[1:] == (48, 48, 3)
    assert model.get_layer("backbone").name == "backbone"
    assert model.predict(np.zeros((1, 8, 8, 3)), verbose=0).shape == (1, 1)


def test_local_weights_file_is_loaded_and_frozen(tmp_path):
    source = build_transfer((32, 32, 3), "binary")
    path = str(tmp_path / "backbone.weights.h5")
    source.get_layer("backbone").save_weights(path)
    model = build_transfer((32, 32, 3), "binary", weights=path)
    backbone = model.get_layer("backbone")
    assert not backbone.trainable
    for expected, loaded in zip(source.get_layer("backbone").weights, backbone.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded), keras.ops.convert_to_numpy(expected))


def test_missing_weights_file_is_named():
    with pytest.raises(ValueError, match="No such file: weights='missing.h5'"):
        build_transfer((32, 32, 3), "binary", weights="missing.h5")


def test_unknown_backbone_lists_valid_values():
    with pytest.raises(ValueError, match="efficientnet_b0, mobilenet_v3_small.*'resnet50'"):
        build_transfer((32, 32, 3), "binary", backbone="resnet50")


def test_channels_must_be_one_or_three():
    with pytest.raises(ValueError, match=r"1 or 3 channels.*\(32, 32, 4\)"):
        build_transfer((32, 32, 4), "binary")


def test_image_size_below_minimum():
    with pytest.raises(ValueError, match="image_size=16"):
        build_transfer((32, 32, 3), "binary", image_size=16)


def test_variable_size_images_need_image_size():
    inputs = keras.Input((None, None, 3))
    preprocessing = keras.Model(inputs, inputs)
    with pytest.raises(ValueError, match="'image_size' option is needed"):
        build_transfer(task="binary", preprocessing=preprocessing)
    model = build_transfer(task="binary", preprocessing=preprocessing, image_size=32)
    assert model.get_layer("resize").output.shape[1:] == (32, 32, 3)

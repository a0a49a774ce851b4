import keras

from keras_recipes.models import build_resnet


def test_stages_halve_resolution_and_double_filters():
    model = build_resnet((16, 16, 3), "multiclass", 4, filters=4, depth=3, blocks_per_stage=2)
    assert model.get_layer("stage0_block1_add").output.shape[1:] == (16, 16, 4)
    assert model.get_layer("stage1_block0_add").output.shape[1:] == (8, 8, 8)
    assert model.get_layer("stage2_block1_add").output.shape[1:] == (4, 4, 16)


def test_shortcut_projection_only_when_shape_changes():
    model = build_resnet((8, 8, 3), "binary", filters=4, depth=2, blocks_per_stage=2)
    names = {layer.name for layer in model.layers}
    assert "stage1_block0_shortcut_conv" in names
    assert "stage0_block0_shortcut_conv" not in names
    assert "stage1_block1_shortcut_conv" not in names


def test_without_batch_norm_convolutions_have_bias():
    model = build_resnet((8, 8, 3), "binary", filters=2, depth=1, batch_norm=False)
    assert model.get_layer("stem_conv").use_bias
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)

import keras

from keras_recipes.models import build_augmentation
from keras_recipes.models import build_cnn


def test_filters_double_per_block():
    model = build_cnn((8, 8, 1), "multiclass", 3, filters=4, depth=3, kernel_size=5)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [conv.filters for conv in convs] == [4, 8, 16]
    assert convs[0].kernel_size == (5, 5)


def test_pooling_never_shrinks_below_one_pixel():
    model = build_cnn((4, 4, 1), "binary", filters=2, depth=4)
    assert model.get_layer("pool_3").output.shape[1:3] == (1, 1)


def test_options_reach_layers():
    model = build_cnn(
        (8, 8, 3), "binary", filters=2, activation="elu", kernel_initializer="orthogonal",
        l1=1e-4, batch_norm=True, dropout=0.3,
    )
    conv = model.get_layer("conv_0")
    assert isinstance(conv.kernel_initializer, keras.initializers.Orthogonal)
    assert conv.kernel_regularizer.l1 == 1e-4
    assert model.get_layer("activation_0").activation.__name__ == "elu"
    assert model.get_layer("dropout").rate == 0.3
    assert isinstance(model.get_layer("batch_norm_1"), keras.layers.BatchNormalization)


def test_augmentation_sits_inside_the_model():
    model = build_cnn((8, 8, 3), "binary", filters=2, augmentation=build_augmentation(seed=0))
    assert model.layers[1].name == "augmentation"

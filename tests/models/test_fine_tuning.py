import keras
import pytest

from keras_recipes.models import build_mlp
from keras_recipes.models import build_transfer
from keras_recipes.models import freeze_backbone
from keras_recipes.models import unfreeze


@pytest.fixture(scope="module")
def model():
    return build_transfer((32, 32, 3), "binary")


def test_freeze_backbone_leaves_only_the_head(model):
    freeze_backbone(model)
    assert [w.path for w in model.trainable_weights] == ["head/kernel", "head/bias"]


def test_unfreeze_top_layers_keeps_batch_norm_frozen(model):
    freeze_backbone(model)
    unfreeze(model, top_n_layers=15)
    layers = model.get_layer("backbone").layers
    assert not any(layer.trainable for layer in layers[:-15])
    top = layers[-15:]
    assert any(layer.trainable and layer.weights for layer in top)
    for layer in top:
        is_batch_norm = isinstance(layer, keras.layers.BatchNormalization)
        assert layer.trainable != is_batch_norm


def test_model_without_backbone():
    with pytest.raises(ValueError, match="'backbone' layer"):
        freeze_backbone(build_mlp((3,), "binary"))


def test_bad_top_n_layers(model):
    with pytest.raises(ValueError, match="top_n_layers=0"):
        unfreeze(model, 0)

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_recipes.models import build_augmentation
from keras_recipes.models import build_label_mixing
from keras_recipes.models import build_rand_augment

IMAGES = np.random.default_rng(0).uniform(size=(4, 12, 12, 3)).astype("float32")


def augment(layer, images=IMAGES):
    return keras.ops.convert_to_numpy(layer(images, training=True))


def test_layers_follow_flags():
    augmentation = build_augmentation(flip=False, contrast=False, crop=True)
    assert [layer.name for layer in augmentation.layers] == ["rotation", "zoom", "translation", "crop"]


def test_factors_scale_with_strength():
    augmentation = build_augmentation(strength=0.5)
    assert augmentation.get_layer("rotation").factor == (-0.1, 0.1)
    assert augmentation.get_layer("zoom").height_factor == pytest.approx(0.15)
    assert augmentation.get_layer("translation").width_factor == pytest.approx(0.1)


def test_strength_zero_is_identity():
    np.testing.assert_array_equal(augment(build_augmentation(strength=0)), IMAGES)


def test_random_in_training_identity_in_inference():
    augmentation = build_augmentation(seed=1)
    assert np.abs(augment(augmentation) - IMAGES).max() > 0.1
    np.testing.assert_array_equal(augmentation(IMAGES, training=False), IMAGES)


def test_seed_makes_it_reproducible():
    np.testing.assert_array_equal(
        augment(build_augmentation(seed=3)), augment(build_augmentation(seed=3))
    )


@pytest.mark.parametrize("strength", [-0.1, 1.5, "high"])
def test_bad_strength(strength):
    with pytest.raises(ValueError, match=r"'strength'.*\[0, 1\]"):
        build_augmentation(strength)


def test_rand_augment_keeps_range():
    output = augment(build_rand_augment(strength=0.5, seed=0))
    assert output.shape == IMAGES.shape
    assert output.min() >= 0 and output.max() <= 1


@pytest.mark.tensorflow_only  # A tf.data map runs TensorFlow ops.
@pytest.mark.parametrize("method", ["mixup", "cutmix"])
def test_label_mixing_gives_soft_labels_in_tf_data(method):
    mix = build_label_mixing(num_classes=3, method=method, strength=0.5, seed=0)
    data = tf.data.Dataset.from_tensor_slices((IMAGES, [0, 1, 2, 0])).batch(4).map(mix)
    images, labels = next(iter(data))
    assert images.shape == IMAGES.shape
    assert labels.shape == (4, 3)
    np.testing.assert_allclose(labels.numpy().sum(axis=1), 1, rtol=1e-5)


def test_label_mixing_unknown_method():
    with pytest.raises(ValueError, match="mixup, cutmix.*Received: method='mosaic'"):
        build_label_mixing(3, method="mosaic")

import keras
import pytest

from keras_recipes.models import options


@pytest.mark.parametrize("name", options.ACTIVATIONS)
def test_every_activation_is_known_to_keras(name):
    assert callable(keras.activations.get(options.check_activation(name)))


@pytest.mark.parametrize("name", sorted(options.INITIALIZERS))
def test_every_initializer_is_known_to_keras(name):
    keras.initializers.get(options.check_initializer(name))


def test_xavier_is_glorot():
    assert options.check_initializer("xavier_normal") == "glorot_normal"


def test_bad_activation_lists_valid_values():
    with pytest.raises(ValueError, match="'activation'.*gelu.*Received: activation='mish'"):
        options.check_activation("mish")


def test_bad_initializer_lists_valid_values():
    with pytest.raises(ValueError, match="'kernel_initializer'.*he_normal.*'zeros'"):
        options.check_initializer("zeros")


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "3"])
def test_bad_int(value):
    with pytest.raises(ValueError, match=r"'units'.*>= 1. Received: units="):
        options.check_int("units", value, 1)


@pytest.mark.parametrize("value", [-0.1, 1.0, "0.5", None])
def test_bad_rate(value):
    with pytest.raises(ValueError, match=r"'dropout'.*\[0, 1\)"):
        options.check_rate("dropout", value)


def test_regularizer():
    assert options.check_regularizer(0, 0.0) is None
    regularizer = options.check_regularizer(0.0, 1e-4)
    assert isinstance(regularizer, keras.regularizers.L1L2)
    with pytest.raises(ValueError, match="Received: l1=-1"):
        options.check_regularizer(-1, 0)


def test_bool_and_layer():
    with pytest.raises(ValueError, match="batch_norm=1"):
        options.check_bool("batch_norm", 1)
    with pytest.raises(TypeError, match="'augmentation'"):
        options.check_layer("augmentation", "flip")

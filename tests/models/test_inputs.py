import keras
import pytest

from keras_recipes.models.inputs import model_inputs


def test_creates_named_input():
    inputs, features = model_inputs((4, 3), None, rank=2)
    assert inputs is features
    assert inputs.shape == (None, 4, 3)


def test_variable_length_only_when_allowed():
    inputs, _ = model_inputs((None, 3), None, rank=2, allow_none=True)
    assert inputs.shape == (None, None, 3)
    with pytest.raises(ValueError, match=r"Received: input_shape=\(None, 3\)"):
        model_inputs((None, 3), None, rank=2)


@pytest.mark.parametrize("input_shape", [None, (4,), (4, 3, 2), (4, -3), "4,3"])
def test_bad_input_shape(input_shape):
    with pytest.raises(ValueError, match="'input_shape'.*2 positive sizes"):
        model_inputs(input_shape, None, rank=2)


def test_preprocessing_must_be_functional():
    with pytest.raises(TypeError, match="'preprocessing'"):
        model_inputs(None, keras.layers.Dense(3), rank=1)


def test_preprocessing_output_rank_is_checked():
    inputs = keras.Input((4, 4, 1))
    with pytest.raises(ValueError, match=r"samples with 1 axes.*\(None, 4, 4, 1\)"):
        model_inputs(None, keras.Model(inputs, inputs), rank=1)


def test_sequential_preprocessing_is_refused_with_a_hint():
    sequential = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(TypeError, match=r"keras.Model\(seq.inputs, seq.outputs\)"):
        model_inputs(None, sequential, rank=1)

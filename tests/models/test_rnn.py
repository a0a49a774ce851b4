import keras
import pytest

from keras_recipes.models import build_rnn


@pytest.mark.parametrize("cell, layer_class", [("lstm", keras.layers.LSTM), ("gru", keras.layers.GRU)])
def test_cell_choice_and_stacking(cell, layer_class):
    model = build_rnn((None, 3), "regression", cell=cell, units=5, depth=2, dropout=0.1)
    first, last = model.get_layer(f"{cell}_0"), model.get_layer(f"{cell}_1")
    assert isinstance(first, layer_class)
    assert first.return_sequences and not last.return_sequences
    assert last.units == 5
    assert model.input.shape == (None, None, 3)


def test_unknown_cell_lists_valid_values():
    with pytest.raises(ValueError, match="'cell'.*gru, lstm.*Received: cell='rnn'"):
        build_rnn((4, 3), "binary", cell="rnn")


def test_univariate_sequence_needs_a_feature_axis():
    with pytest.raises(ValueError, match=r"input_shape=\(10,\)"):
        build_rnn((10,), "binary")

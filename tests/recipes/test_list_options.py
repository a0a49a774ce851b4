import pytest

from keras_recipes.recipes.common.list_options import parse_names
from keras_recipes.recipes.common.list_options import parse_pairs

VALID = ("none", "l2", "dropout")


def test_parse_names_keeps_order_and_drops_duplicates_and_spaces():
    assert parse_names(" dropout, none,dropout ", VALID, "variants") == ["dropout", "none"]
    assert parse_names(["l2"], VALID, "variants") == ["l2"]


@pytest.mark.parametrize("text", ["none,lasso", "", " , "])
def test_parse_names_refuses_unknown_or_empty_lists_naming_the_parameter(text):
    with pytest.raises(ValueError, match="'variants' parameter.*none, l2, dropout"):
        parse_names(text, VALID, "variants")


def test_parse_names_lists_the_unknown_names():
    with pytest.raises(ValueError, match=r"unknown: lasso"):
        parse_names("none,lasso", VALID, "variants")


def test_parse_pairs():
    pairs = parse_pairs("relu:he_normal, tanh : glorot_uniform,relu:he_normal",
                        ("relu", "tanh"), ("he_normal", "glorot_uniform"), "pairs")
    assert pairs == [("relu", "he_normal"), ("tanh", "glorot_uniform")]


@pytest.mark.parametrize("text, message", [
    ("relu", "activation:initializer pairs"),
    ("relu:he_normal:x", "activation:initializer pairs"),
    ("", "activation:initializer pairs"),
    ("swish:he_normal", "unknown activation 'swish'.*Valid activations: relu"),
    ("relu:zeros", "unknown initializer 'zeros'.*Valid initializers: he_normal"),
])
def test_parse_pairs_refuses_bad_items(text, message):
    with pytest.raises(ValueError, match=message):
        parse_pairs(text, ("relu",), ("he_normal",), "pairs",
                    names=("activation", "initializer"))

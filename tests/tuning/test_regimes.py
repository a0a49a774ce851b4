import pytest

from keras_recipes.tuning import describe_regime
from keras_recipes.tuning import list_regimes
from keras_recipes.tuning import resolve_batch_size


def test_list_regimes():
    assert list_regimes() == ["full_batch", "mini_batch", "stochastic"]


@pytest.mark.parametrize("regime", list_regimes())
def test_every_regime_has_a_description_and_a_batch_size(regime):
    assert describe_regime(regime)
    assert 1 <= resolve_batch_size(regime, n_samples=100) <= 100


@pytest.mark.parametrize(
    "regime, batch_size, expected",
    [
        ("full_batch", None, 500),
        ("stochastic", None, 1),
        ("mini_batch", None, 32),
        ("mini_batch", 64, 64),
        ("mini_batch", 1000, 500),
    ],
)
def test_resolve_batch_size(regime, batch_size, expected):
    assert resolve_batch_size(regime, n_samples=500, batch_size=batch_size) == expected


def test_mini_batch_default_is_capped_by_small_data():
    assert resolve_batch_size("mini_batch", n_samples=10) == 10


@pytest.mark.parametrize("call", [describe_regime, lambda name: resolve_batch_size(name, 10)])
def test_unknown_regime_lists_the_regimes(call):
    with pytest.raises(ValueError, match="Received: regime='batch'") as info:
        call("batch")
    for regime in list_regimes():
        assert repr(regime) in str(info.value)


@pytest.mark.parametrize("regime", ["full_batch", "stochastic"])
def test_batch_size_is_rejected_where_the_regime_fixes_it(regime):
    with pytest.raises(ValueError, match="applies only to the 'mini_batch' regime"):
        resolve_batch_size(regime, n_samples=100, batch_size=16)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"n_samples": 0}, "Received: n_samples=0"),
        ({"n_samples": 10.0}, "Received: n_samples=10.0"),
        ({"n_samples": True}, "Received: n_samples=True"),
        ({"n_samples": 10, "batch_size": 0}, "Received: batch_size=0"),
        ({"n_samples": 10, "batch_size": -4}, "Received: batch_size=-4"),
    ],
)
def test_rejects_bad_sizes(arguments, message):
    with pytest.raises(ValueError, match=message):
        resolve_batch_size("mini_batch", **arguments)

import numpy as np
import pytest
from keras import ops

from keras_recipes.callbacks import OneCycle


def rates(schedule, steps):
    return np.array([float(ops.convert_to_numpy(schedule(s))) for s in range(steps)])


@pytest.mark.parametrize("anneal_strategy", ["cos", "linear"])
def test_peak_at_warmup_step(anneal_strategy):
    schedule = OneCycle(
        0.1, total_steps=100, warmup_fraction=0.25, anneal_strategy=anneal_strategy
    )
    values = rates(schedule, 120)
    assert schedule.warmup_steps == 25
    assert int(np.argmax(values)) == 25
    assert values[25] == pytest.approx(0.1)
    assert values[0] == pytest.approx(0.1 / 25)
    assert np.all(np.diff(values[:26]) > 0)
    assert np.all(np.diff(values[25:101]) < 0)
    assert values[100] == pytest.approx(0.1 / 25 / 1e4, rel=1e-3)
    assert np.allclose(values[100:], values[100])


def test_config_round_trip():
    schedule = OneCycle(0.05, 40, warmup_fraction=0.4, anneal_strategy="linear")
    clone = OneCycle.from_config(schedule.get_config())
    assert np.allclose(rates(schedule, 45), rates(clone, 45))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"maximal_learning_rate": 0.0}, "maximal_learning_rate"),
        ({"total_steps": 1}, "total_steps"),
        ({"warmup_fraction": 1.0}, "warmup_fraction"),
        ({"div_factor": 0.5}, "div_factor"),
        ({"anneal_strategy": "exp"}, "anneal_strategy"),
    ],
)
def test_invalid_arguments(kwargs, name):
    arguments = {"maximal_learning_rate": 0.1, "total_steps": 10, **kwargs}
    with pytest.raises(ValueError, match=f"Received: .*{name}="):
        OneCycle(**arguments)

import numpy as np
import pytest
from keras import ops

from keras_recipes.callbacks import CyclicalLearningRate


def rates(schedule, steps):
    return np.array([float(ops.convert_to_numpy(schedule(s))) for s in range(steps)])


def test_triangular_cycles():
    values = rates(CyclicalLearningRate(0.1, 1.0, step_size=4), 17)
    assert values[0] == pytest.approx(0.1)
    assert values[4] == pytest.approx(1.0)
    assert values[8] == pytest.approx(0.1)
    assert values[12] == pytest.approx(1.0)
    assert values[2] == pytest.approx(0.55)


def test_triangular2_halves_amplitude():
    values = rates(CyclicalLearningRate(0.0, 1.0, step_size=4, mode="triangular2"), 21)
    assert values[4] == pytest.approx(1.0)
    assert values[12] == pytest.approx(0.5)
    assert values[20] == pytest.approx(0.25)


def test_exp_range_decays():
    values = rates(
        CyclicalLearningRate(0.0, 1.0, step_size=4, mode="exp_range", gamma=0.9), 13
    )
    assert values[4] == pytest.approx(0.9**4)
    assert values[12] == pytest.approx(0.9**12)


def test_config_round_trip():
    schedule = CyclicalLearningRate(1e-3, 1e-2, 5, mode="exp_range", gamma=0.99)
    clone = CyclicalLearningRate.from_config(schedule.get_config())
    assert np.allclose(rates(schedule, 30), rates(clone, 30))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"maximal_learning_rate": 0.01}, "maximal_learning_rate"),
        ({"step_size": 0}, "step_size"),
        ({"mode": "sine"}, "mode"),
        ({"gamma": 1.5}, "gamma"),
    ],
)
def test_invalid_arguments(kwargs, name):
    arguments = {
        "initial_learning_rate": 0.1,
        "maximal_learning_rate": 1.0,
        "step_size": 4,
        **kwargs,
    }
    with pytest.raises(ValueError, match=f"Received: .*{name}="):
        CyclicalLearningRate(**arguments)

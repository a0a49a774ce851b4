import keras
import numpy as np
import pytest
from keras import ops

from keras_recipes.callbacks import LinearWarmup
from keras_recipes.callbacks import OneCycle


def rates(schedule, steps):
    return np.array([float(ops.convert_to_numpy(schedule(s))) for s in range(steps)])


def test_warms_up_then_runs_the_shifted_schedule():
    decay = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    values = rates(LinearWarmup(decay, warmup_steps=5), 20)
    assert np.allclose(values[:6], [0.0, 0.02, 0.04, 0.06, 0.08, 0.1])
    assert np.allclose(values[5:], rates(decay, 15))


def test_constant_rate():
    values = rates(LinearWarmup(0.01, warmup_steps=4, initial_learning_rate=0.001), 8)
    assert values[0] == pytest.approx(0.001)
    assert np.allclose(values[4:], 0.01)


@pytest.mark.parametrize("inner", [0.01, OneCycle(0.1, 50)])
def test_config_round_trip(inner):
    schedule = LinearWarmup(inner, warmup_steps=3)
    config = schedule.get_config()
    clone = LinearWarmup.from_config(config)
    assert np.allclose(rates(schedule, 60), rates(clone, 60))


def test_invalid_arguments():
    with pytest.raises(ValueError, match="Received: warmup_steps=0"):
        LinearWarmup(0.1, warmup_steps=0)
    with pytest.raises(ValueError, match="Received: schedule="):
        LinearWarmup("fast", warmup_steps=3)

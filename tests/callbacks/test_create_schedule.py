import keras
import numpy as np
import pytest
from keras import ops

from keras_recipes.callbacks import create_schedule
from keras_recipes.callbacks import list_schedules

TOTAL_STEPS = 90


def rate_at(optimizer, step):
    optimizer.iterations.assign(step)
    return float(ops.convert_to_numpy(optimizer.learning_rate))


@pytest.mark.parametrize("name", list_schedules())
@pytest.mark.parametrize("warmup_steps", [0, 10])
def test_schedule_survives_saving(name, warmup_steps, make_model, tmp_path):
    schedule = create_schedule(name, 0.01, TOTAL_STEPS, warmup_steps=warmup_steps)
    if not isinstance(schedule, float):
        clone = type(schedule).from_config(schedule.get_config())
        for step in (0, 7, 45, 89):
            assert float(ops.convert_to_numpy(clone(step))) == pytest.approx(
                float(ops.convert_to_numpy(schedule(step)))
            )
    model = make_model(keras.optimizers.Adam(schedule))
    model.optimizer.build(model.trainable_variables)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    for step in (0, 5, 10, 44, 89, 120):
        assert rate_at(loaded.optimizer, step) == pytest.approx(
            rate_at(model.optimizer, step), rel=1e-5
        )


@pytest.mark.parametrize("name", list_schedules())
def test_schedule_shape(name):
    schedule = create_schedule(name, 0.01, TOTAL_STEPS, warmup_steps=10)
    values = [float(ops.convert_to_numpy(schedule(s))) for s in range(TOTAL_STEPS)]
    assert values[0] < values[10]
    assert max(values) == pytest.approx(0.01, rel=1e-3)
    assert np.all(np.isfinite(values))
    assert min(values[10:]) > 0, "the rate reaches zero after warmup, so training stalls"


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Valid names: .*one_cycle"):
        create_schedule("warp", 0.01, 100)


def test_invalid_warmup():
    with pytest.raises(ValueError, match="Received: warmup_steps=100"):
        create_schedule("cosine", 0.01, 100, warmup_steps=100)

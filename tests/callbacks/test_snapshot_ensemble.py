"""SnapshotEnsemble keeps one set of weights per finished cosine-restart cycle."""

import keras
import numpy as np
import pytest

from keras_recipes.callbacks import SnapshotEnsemble
from keras_recipes.callbacks import create_schedule
from keras_recipes.models import average_ensemble


def model_with(learning_rate):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate, momentum=0.9), loss="mse")
    return model


def test_one_snapshot_per_cycle_of_keras_cosine_restarts(regression_data):
    x, y = regression_data  # 64 rows, batch 16: 4 steps per epoch
    schedule = keras.optimizers.schedules.CosineDecayRestarts(0.05, first_decay_steps=8,
                                                              t_mul=1.0)
    model = model_with(schedule)
    snapshots = SnapshotEnsemble()
    model.fit(x, y, batch_size=16, epochs=7, callbacks=[snapshots], verbose=0)
    # 28 steps: cycles end at 8, 16, 24; the cycle cut short at 28 is not kept.
    assert snapshots.snapshot_steps == [8, 16, 24]
    members = snapshots.member_models()
    assert len(members) == 3
    assert not np.allclose(members[0].get_weights()[0], members[2].get_weights()[0])
    ensemble = average_ensemble(members)
    assert ensemble.predict(x, verbose=0).shape == (64, 1)
    # Re-used across fit() calls: the list starts again.
    model.fit(x, y, batch_size=16, epochs=2, callbacks=[snapshots], verbose=0)
    assert snapshots.snapshot_steps == [32]


def test_growing_cycles_from_the_schedule_registry(regression_data):
    x, y = regression_data
    schedule = create_schedule("cosine_restarts", 0.05, total_steps=28)  # 4, 8, 16 steps
    model = model_with(schedule)
    snapshots = SnapshotEnsemble(max_snapshots=2)
    model.fit(x, y, batch_size=16, epochs=7, callbacks=[snapshots], verbose=0)
    assert snapshots.snapshot_steps == [12, 28]


def test_explicit_cycles_and_refusals(regression_data):
    x, y = regression_data
    snapshots = SnapshotEnsemble(cycle_steps=4)
    model = model_with(0.01)
    model.fit(x, y, batch_size=16, epochs=3, callbacks=[snapshots], verbose=0)
    assert snapshots.snapshot_steps == [4, 8, 12]
    with pytest.raises(ValueError, match="CosineDecayRestarts"):
        model.fit(x, y, batch_size=16, epochs=1, callbacks=[SnapshotEnsemble()], verbose=0)
    with pytest.raises(ValueError, match="cycle_steps"):
        SnapshotEnsemble(cycle_steps=0)

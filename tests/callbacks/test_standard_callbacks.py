import csv

import keras
from tqdm.keras import TqdmCallback

from keras_recipes.callbacks import AtomicCheckpoint
from keras_recipes.callbacks import EarlyStopping
from keras_recipes.callbacks import LearningRateLogger
from keras_recipes.callbacks import NaNGuard
from keras_recipes.callbacks import TimeBudget
from keras_recipes.callbacks import TrainingCheckpoint
from keras_recipes.callbacks import create_schedule
from keras_recipes.callbacks import resume_training
from keras_recipes.callbacks import standard_callbacks


def test_default_stack(tmp_path):
    types = [type(c) for c in standard_callbacks(tmp_path)]
    assert types == [
        NaNGuard,
        LearningRateLogger,
        EarlyStopping,
        AtomicCheckpoint,
        keras.callbacks.CSVLogger,
    ]


def test_full_stack_order(tmp_path):
    callbacks = standard_callbacks(
        tmp_path, resume=True, time_budget=60, progress=True
    )
    last_three = [type(c) for c in callbacks][-3:]
    assert last_three == [TimeBudget, TqdmCallback, TrainingCheckpoint]
    tracked = [type(c) for c in callbacks[-1].callbacks]
    assert tracked == [EarlyStopping, AtomicCheckpoint, TimeBudget]


def test_run_and_resume(regression_data, make_model, tmp_path):
    x, y = regression_data

    def run(epochs):
        model = make_model(
            keras.optimizers.Adam(create_schedule("cosine", 0.01, total_steps=8 * 4))
        )
        callbacks = standard_callbacks(
            tmp_path, monitor="val_loss", patience=20, resume=True
        )
        initial_epoch = resume_training(model, callbacks)
        model.fit(
            x, y, batch_size=16, validation_split=0.25, epochs=epochs,
            initial_epoch=initial_epoch, verbose=0, callbacks=callbacks,
        )
        return initial_epoch

    assert run(epochs=3) == 0
    assert run(epochs=5) == 3
    with open(tmp_path / "history.csv") as file:
        rows = list(csv.DictReader(file))
    assert [int(row["epoch"]) for row in rows] == [0, 1, 2, 3, 4]
    assert "learning_rate" in rows[0]
    assert (tmp_path / "checkpoints" / "best.keras").exists()
    assert (tmp_path / "checkpoints" / "epoch-0005.keras").exists()

import keras
import pytest

from keras_recipes.callbacks import resume_training


def test_requires_a_training_checkpoint(make_model):
    with pytest.raises(ValueError, match="holds no TrainingCheckpoint.*CSVLogger"):
        resume_training(make_model(), [keras.callbacks.CSVLogger("history.csv")])

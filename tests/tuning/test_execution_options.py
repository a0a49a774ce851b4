"""speed_options: several batches per call unless a callback needs each one."""

import keras

from keras_recipes.callbacks import LRFinder
from keras_recipes.callbacks import NaNGuard
from keras_recipes.tuning import speed_options
from keras_recipes.tuning.execution_options import MAX_STEPS_PER_EXECUTION


class CountsBatches(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        pass


MULTI_STEP = keras.backend.backend() != "torch"  # Keras refuses it on PyTorch.


def test_steps_per_execution_covers_an_epoch_up_to_the_cap():
    assert speed_options(100, 32)["steps_per_execution"] == (4 if MULTI_STEP else 1)
    assert speed_options(10_000, 32)["steps_per_execution"] == (
        MAX_STEPS_PER_EXECUTION if MULTI_STEP else 1)


def test_a_callback_with_batch_hooks_gets_every_batch():
    assert speed_options(1000, 10, [CountsBatches()])["steps_per_execution"] == 1
    assert speed_options(1000, 10, [LRFinder()])["steps_per_execution"] == 1


def test_callbacks_that_handle_multi_step_calls_keep_them():
    callbacks = [NaNGuard(), keras.callbacks.TerminateOnNaN(), keras.callbacks.History()]
    assert (speed_options(1000, 10, callbacks)["steps_per_execution"] > 1) == MULTI_STEP


def test_jit_compile_only_where_it_is_the_fast_path():
    assert speed_options(10, 2)["jit_compile"] == (keras.backend.backend() == "jax")

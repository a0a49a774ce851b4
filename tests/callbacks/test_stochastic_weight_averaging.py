import keras
import numpy as np
import pytest

from keras_recipes.callbacks import StochasticWeightAveraging


class RecordWeights(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def test_averages_weights_from_the_start_epoch(regression_data, make_model):
    x, y = regression_data
    model = make_model()
    recorder = RecordWeights()
    swa = StochasticWeightAveraging(start_epoch=2)
    model.fit(x, y, batch_size=16, epochs=5, verbose=0, callbacks=[recorder, swa])
    assert swa.averaged_epochs == 3
    for index, weight in enumerate(model.get_weights()):
        expected = np.mean([epoch[index] for epoch in recorder.weights[2:]], axis=0)
        np.testing.assert_allclose(weight, expected, rtol=1e-5, atol=1e-7)


def test_recomputes_batchnorm_statistics(regression_data, make_model):
    x, y = regression_data
    x = x * 3.0 + 5.0
    model = make_model(batchnorm=True)
    swa = StochasticWeightAveraging(start_epoch=1, batchnorm_data=x, batch_size=16)
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[swa])
    batchnorm = model.layers[0]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(batchnorm.moving_mean), x.mean(axis=0), rtol=1e-4
    )
    batch_variances = [x[i : i + 16].var(axis=0) for i in range(0, 64, 16)]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(batchnorm.moving_variance),
        np.mean(batch_variances, axis=0),
        rtol=1e-3,
    )
    assert batchnorm.momentum == pytest.approx(0.99)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="Received: start_epoch=-1"):
        StochasticWeightAveraging(start_epoch=-1)


def test_state_carries_the_running_average_across_a_resume(regression_data, make_model):
    x, y = regression_data
    whole = StochasticWeightAveraging(start_epoch=1)
    model = make_model()
    recorder = RecordWeights()
    model.fit(x, y, batch_size=16, epochs=4, verbose=0, callbacks=[recorder, whole])

    first = StochasticWeightAveraging(start_epoch=1)
    resumed = make_model()
    resumed.set_weights(recorder.weights[0])  # As after epoch 1 ...
    first.set_state({"averaged_epochs": 0, "average": None})
    first.on_train_begin()
    for weights in recorder.weights[1:3]:  # ... then epochs 2 and 3 averaged, saved.
        resumed.set_weights(weights)
        first.set_model(resumed)
        first.on_epoch_end(1)
    state = first.get_state()
    assert state["averaged_epochs"] == 2

    second = StochasticWeightAveraging(start_epoch=1)
    second.set_state(state)
    second.set_model(resumed)
    second.on_train_begin()  # fit() resets; the restored state survives it.
    resumed.set_weights(recorder.weights[3])
    second.on_epoch_end(3)
    second.on_train_end()
    assert second.averaged_epochs == 3
    for mine, theirs in zip(resumed.get_weights(), model.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-7)

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

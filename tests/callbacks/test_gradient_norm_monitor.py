import numpy as np
import pytest

from keras_recipes.callbacks import GradientNormMonitor


def test_logs_global_and_per_layer_norms(regression_data, make_model):
    x, y = regression_data
    monitor = GradientNormMonitor(x[:32], y[:32], per_layer=True)
    history = make_model().fit(x, y, epochs=3, verbose=0, callbacks=[monitor])
    logged = history.history
    assert len(logged["gradient_norm"]) == 3
    for epoch in range(3):
        per_layer = [
            logged["gradient_norm/hidden"][epoch],
            logged["gradient_norm/output"][epoch],
        ]
        expected = np.linalg.norm(per_layer)
        assert logged["gradient_norm"][epoch] == pytest.approx(expected)


def test_warns_on_exploding_and_vanishing_gradients(regression_data, make_model):
    x, y = regression_data
    model = make_model()
    exploding = GradientNormMonitor(
        x, y, vanishing_threshold=0, exploding_threshold=1e-6
    )
    with pytest.warns(UserWarning, match="exploding gradients"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[exploding])
    vanishing = GradientNormMonitor(
        x, y, vanishing_threshold=1e5, exploding_threshold=1e6
    )
    with pytest.warns(UserWarning, match="vanishing gradients"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[vanishing])


def test_invalid_thresholds(regression_data):
    x, y = regression_data
    with pytest.raises(ValueError, match="Received: vanishing_threshold=1"):
        GradientNormMonitor(x, y, vanishing_threshold=1, exploding_threshold=0.5)

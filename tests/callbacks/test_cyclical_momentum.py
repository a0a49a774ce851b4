import keras
import numpy as np
import pytest

from keras_recipes.callbacks import CyclicalMomentum
from keras_recipes.callbacks import OneCycle


def test_momentum_moves_inversely_to_the_rate():
    schedule = OneCycle(0.1, total_steps=40, warmup_fraction=0.25)
    callback = CyclicalMomentum(schedule, max_momentum=0.95, min_momentum=0.85)
    assert callback.momentum_at(0) == pytest.approx(0.95)
    assert callback.momentum_at(10) == pytest.approx(0.85)
    assert callback.momentum_at(5) == pytest.approx(0.9, abs=0.01)
    assert callback.momentum_at(39) == pytest.approx(0.95)


@pytest.mark.parametrize(
    "optimizer, attribute",
    [(keras.optimizers.SGD, "momentum"), (keras.optimizers.Adam, "beta_1")],
)
@pytest.mark.tensorflow_only  # JAX's compiled step cannot read a changed momentum; the callback refuses JAX.
def test_compiled_train_step_uses_the_cycled_value(
    optimizer, attribute, regression_data, make_model, flat_weights, tmp_path
):
    """Cycling at a constant 0.5 must train exactly like a fixed 0.5."""
    x, y = regression_data
    schedule = OneCycle(0.05, total_steps=12)
    results = []
    for start, callbacks in [
        (0.5, []),
        (0.9, [CyclicalMomentum(schedule, max_momentum=0.5, min_momentum=0.5)]),
    ]:
        keras.utils.set_random_seed(0)
        model = make_model(optimizer(schedule, **{attribute: start}))
        model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=callbacks)
        results.append(flat_weights(model))
        # The optimizer's config keeps a plain float, so the model saves.
        assert isinstance(getattr(model.optimizer, attribute), float)
        model.save(tmp_path / "model.keras")
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


@pytest.mark.tensorflow_only  # JAX's compiled step cannot read a changed momentum; the callback refuses JAX.
def test_requires_momentum(regression_data, make_model):
    x, y = regression_data
    schedule = OneCycle(0.05, 8)
    model = make_model(keras.optimizers.SGD(schedule))
    with pytest.raises(ValueError, match="non-zero `momentum`"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[CyclicalMomentum(schedule)])


def test_invalid_range():
    with pytest.raises(ValueError, match="Received: min_momentum=0.9"):
        CyclicalMomentum(OneCycle(0.1, 10), max_momentum=0.8, min_momentum=0.9)

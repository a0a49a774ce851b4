import keras
import numpy as np

from keras_recipes.callbacks import find_learning_rate
from keras_recipes.callbacks._model_state import restore_snapshot
from keras_recipes.callbacks._model_state import take_snapshot


def sweep_best_learning_rate(model, x, y, rates, epochs):
    """The rate with the lowest final training loss, each run from `model`."""
    start = take_snapshot(model)
    final_losses = []
    for rate in rates:
        restore_snapshot(model, start)
        model.optimizer.learning_rate = float(rate)
        history = model.fit(x, y, batch_size=32, epochs=epochs, verbose=0)
        final_losses.append(history.history["loss"][-1])
    restore_snapshot(model, start)
    final_losses = np.nan_to_num(final_losses, nan=np.inf)
    return float(rates[int(np.argmin(final_losses))])


def test_suggestion_is_near_the_best_rate_of_a_sweep(tmp_path):
    """The known-good rate comes from an honest sweep, not a guess."""
    rng = np.random.RandomState(0)
    x = rng.normal(size=(256, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 1)) + 0.1 * rng.normal(size=(256, 1))).astype(
        "float32"
    )
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(keras.optimizers.SGD(0.01), loss="mse")
    best = sweep_best_learning_rate(
        model, x, y, rates=10 ** np.arange(-3.0, 0.6, 0.5), epochs=5
    )
    suggested, finder = find_learning_rate(
        model, x, y, batch_size=32, plot_path=tmp_path / "finder.png"
    )
    # The grid steps by 3.2x. The default rule lands within 3x of a grid's
    # best on 8 of 8 measured pairs and 21 of 24 range tests, missing by up
    # to 11x (benchmarks/bench_lr_rules.py); the best here is the lowest
    # training loss after 5 epochs, which favours high rates: allow two grid
    # steps (10x).
    assert best / 10 <= suggested <= best * 10, (suggested, best)
    assert finder.suggestion() == suggested
    assert (tmp_path / "finder.png").exists()

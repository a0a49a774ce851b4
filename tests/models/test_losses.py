"""Losses by name: every registered name trains, takes integer labels and reloads."""

import keras
import numpy as np
import pytest

from keras_recipes.models import OneHotLabels
from keras_recipes.models import create_loss
from keras_recipes.models import list_losses

LABELS = {"binary": np.array([0, 1, 1, 0]), "multiclass": np.array([0, 2, 1, 2]),
          "regression": np.array([0.5, -1.0, 2.0, 0.0], "float32")}
OUTPUTS = {"binary": np.array([[0.2], [0.7], [0.9], [0.4]], "float32"),
           "multiclass": np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3],
                                   [0.2, 0.2, 0.6]], "float32"),
           "regression": np.array([[0.4], [1.0], [2.5], [0.1]], "float32")}


def value(loss, task):
    return float(keras.ops.convert_to_numpy(loss(LABELS[task], OUTPUTS[task])))


@pytest.mark.parametrize("task, name", [(task, name) for task in LABELS
                                        for name in list_losses(task)])
def test_every_loss_takes_the_task_labels_and_survives_a_config_round_trip(task, name):
    loss = create_loss(name, task, num_classes=3 if task == "multiclass" else None)
    clone = keras.losses.deserialize(keras.losses.serialize(loss))
    assert np.isfinite(value(loss, task)) and value(clone, task) == pytest.approx(
        value(loss, task))


def test_smoothed_sparse_crossentropy_equals_the_one_hot_formula():
    loss = create_loss("crossentropy", "multiclass", num_classes=3, label_smoothing=0.3)
    targets = 0.7 * np.eye(3)[LABELS["multiclass"]] + 0.1
    expected = -np.mean(np.sum(targets * np.log(OUTPUTS["multiclass"]), axis=1))
    assert value(loss, "multiclass") == pytest.approx(expected, rel=1e-5)
    plain = create_loss("crossentropy", "multiclass", num_classes=3)
    assert isinstance(plain, keras.losses.SparseCategoricalCrossentropy)


def test_focal_loss_down_weights_easy_rows_and_is_crossentropy_at_gamma_zero():
    crossentropy = value(create_loss("crossentropy", "multiclass", num_classes=3),
                         "multiclass")
    assert value(create_loss("focal", "multiclass", num_classes=3, gamma=0.0),
                 "multiclass") == pytest.approx(crossentropy, rel=1e-5)
    assert value(create_loss("focal", "multiclass", num_classes=3), "multiclass") < \
        crossentropy
    assert value(create_loss("focal", "binary"), "binary") < value(
        create_loss("crossentropy", "binary"), "binary")


def test_huber_is_quadratic_near_the_target_and_linear_far_from_it():
    loss = create_loss("huber", "regression", delta=1.0)
    near = float(loss(np.array([0.0]), np.array([[0.5]])))
    far = float(loss(np.array([0.0]), np.array([[10.0]])))
    assert near == pytest.approx(0.125) and far == pytest.approx(9.5)


def test_a_model_compiled_with_a_one_hot_loss_trains_saves_and_reloads(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    model.compile("adam", loss=create_loss("focal", "multiclass", num_classes=3))
    x, y = np.random.default_rng(0).normal(size=(32, 4)), np.arange(32) % 3
    history = model.fit(x, y, epochs=3, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    path = str(tmp_path / "model.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert isinstance(reloaded.loss, OneHotLabels)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)


@pytest.mark.parametrize("arguments, message", [
    ({"name": "hinge", "task": "binary"}, "'name' parameter.*crossentropy, focal.*'hinge'"),
    ({"name": "mse", "task": "binary"}, "'name' parameter.*binary task"),
    ({"name": "mse", "task": "ranking"}, "'task' parameter.*'ranking'"),
    ({"name": "crossentropy", "task": "binary", "label_smoothing": 1.0},
     r"'label_smoothing' parameter must be a number in \[0, 1\)"),
    ({"name": "focal", "task": "binary", "gamma": -1}, "'gamma' parameter.*>= 0"),
    ({"name": "huber", "task": "regression", "delta": 0}, "'delta' parameter.*> 0"),
    ({"name": "focal", "task": "multiclass"}, "'num_classes'"),
])
def test_bad_arguments_are_refused_by_name(arguments, message):
    with pytest.raises(ValueError, match=message):
        create_loss(**arguments)


def test_one_hot_labels_refuses_a_loss_name_and_too_few_classes():
    with pytest.raises(ValueError, match="'loss' parameter of OneHotLabels"):
        OneHotLabels("categorical_crossentropy", 3)
    with pytest.raises(ValueError, match="'num_classes' parameter of OneHotLabels"):
        OneHotLabels(keras.losses.CategoricalCrossentropy(), 1)

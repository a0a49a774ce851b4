import keras
import numpy as np
import pytest

from keras_recipes.models import create_model
from keras_recipes.models import list_models
from keras_recipes.models import model_options
from keras_recipes.models import task_loss
from keras_recipes.models import task_metrics

# Tiny inputs and options per registered model; a new model needs an entry.
SMALL = {
    "cnn": ((8, 8, 1), {"filters": 4, "batch_norm": True, "dropout": 0.1}),
    "mlp": ((6,), {"units": 4}),
    "residual_mlp": ((6,), {"units": 4, "blocks": 2}),
    "resnet": ((8, 8, 3), {"filters": 4, "depth": 2, "blocks_per_stage": 1}),
    "rnn": ((5, 2), {"units": 4, "cell": "gru"}),
    "transfer": ((8, 8, 1), {}),
}
TASKS = [("binary", 2), ("multiclass", 3), ("regression", None)]


def labels(task, rows):
    if task == "regression":
        return np.linspace(-1, 1, rows).astype("float32")
    return np.arange(rows) % (2 if task == "binary" else 3)


@pytest.mark.parametrize("task, num_classes", TASKS)
@pytest.mark.parametrize("name", list_models())
def test_builds_trains_saves_and_reloads(name, task, num_classes, tmp_path):
    input_shape, options = SMALL[name]
    model = create_model(name, input_shape, task, num_classes, **options)
    # Eager steps on TensorFlow, where tracing a graph costs more than two
    # steps of a tiny model; on JAX every eager op is compiled on its own,
    # which took 4 min for the MobileNet body on a cold cache.
    model.compile("adam", task_loss(task), metrics=task_metrics(task),
                  run_eagerly=keras.backend.backend() == "tensorflow")
    x = np.random.default_rng(0).uniform(size=(4, *input_shape)).astype("float32")
    model.fit(x, labels(task, 4), batch_size=2, epochs=1, verbose=0)
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-6)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown model 'vit'. Valid names: .*mlp"):
        create_model("vit", (4,), "binary")


def test_unknown_option_is_named_with_valid_ones():
    with pytest.raises(ValueError, match="Unknown option.*filters.*'mlp'. Valid options: units"):
        create_model("mlp", (4,), "binary", filters=3)


def test_model_options_lists_defaults():
    assert model_options("mlp")["units"] == 64
    assert model_options("rnn")["cell"] == "lstm"


@pytest.mark.parametrize("name", list_models())
def test_bad_option_value_is_named(name):
    with pytest.raises(ValueError, match="'dropout'.*Received: dropout=2"):
        create_model(name, SMALL[name][0], "binary", dropout=2)


@pytest.mark.parametrize("name", list_models())
def test_preprocessing_inputs_become_model_inputs(name):
    input_shape, options = SMALL[name]
    inputs = keras.Input(input_shape, name="raw")
    preprocessing = keras.Model(inputs, keras.layers.Rescaling(0.5)(inputs))
    model = create_model(name, task="binary", preprocessing=preprocessing, **options)
    assert model.input is inputs


def test_bad_input_shape():
    with pytest.raises(ValueError, match=r"'input_shape'.*Received: input_shape=\(4, 0\)"):
        create_model("mlp", (4, 0), "binary")


def test_task_is_required():
    with pytest.raises(ValueError, match="Received: task=None"):
        create_model("mlp", (4,))

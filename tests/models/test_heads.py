import keras
import pytest

from keras_recipes.models import task_head
from keras_recipes.models import task_loss
from keras_recipes.models import task_metrics


@pytest.mark.parametrize(
    "task, num_classes, units, activation",
    [
        ("binary", 2, 1, "sigmoid"),
        ("binary", None, 1, "sigmoid"),
        ("multiclass", 4, 4, "softmax"),
        ("regression", None, 1, "linear"),
    ],
)
def test_head_units_activation_and_float32(task, num_classes, units, activation):
    keras.config.set_dtype_policy("mixed_float16")
    try:
        outputs = task_head(keras.Input((3,)), task, num_classes)
    finally:
        keras.config.set_dtype_policy("float32")
    head = outputs._keras_history.operation
    assert outputs.shape == (None, units)
    assert head.activation.__name__ == activation
    assert outputs.dtype == "float32"


def test_losses():
    assert task_loss("binary") == "binary_crossentropy"
    assert task_loss("multiclass") == "sparse_categorical_crossentropy"
    assert task_loss("regression") == "mse"


def test_metrics():
    assert task_metrics("binary") == ["accuracy"]
    assert task_metrics("multiclass") == ["accuracy"]
    mae, rmse = task_metrics("regression")
    assert mae == "mae"
    assert isinstance(rmse, keras.metrics.RootMeanSquaredError)
    assert rmse.name == "rmse"
    assert task_metrics("regression")[1] is not rmse


@pytest.mark.parametrize("function", [task_loss, task_metrics])
def test_unknown_task(function):
    with pytest.raises(ValueError, match="'task'.*Received: task='ranking'"):
        function("ranking")


@pytest.mark.parametrize(
    "task, num_classes", [("multiclass", None), ("multiclass", 1), ("binary", 3)]
)
def test_bad_num_classes(task, num_classes):
    with pytest.raises(ValueError, match=f"num_classes={num_classes}"):
        task_head(keras.Input((3,)), task, num_classes)

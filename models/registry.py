"""The model registry: `list_models()` and `create_model()`."""

import inspect

from keras_recipes.models.cnn import build_cnn
from keras_recipes.models.mlp import build_mlp
from keras_recipes.models.residual_mlp import build_residual_mlp
from keras_recipes.models.resnet import build_resnet
from keras_recipes.models.rnn import build_rnn
from keras_recipes.models.transfer import build_transfer

_BUILDERS = {
    "cnn": build_cnn,
    "mlp": build_mlp,
    "residual_mlp": build_residual_mlp,
    "resnet": build_resnet,
    "rnn": build_rnn,
    "transfer": build_transfer,
}


def list_models():
    """Returns the names of the registered model builders, sorted.

    Example:

    >>> "mlp" in list_models()
    True
    """
    return sorted(_BUILDERS)


def model_options(name):
    """Returns the options a model builder accepts, with their defaults.

    Args:
        name: A name from `list_models()`.

    Returns:
        A dict `{option: default}`.

    Raises:
        ValueError: If `name` is not registered.
    """
    parameters = inspect.signature(_builder(name)).parameters.values()
    return {
        parameter.name: parameter.default
        for parameter in parameters
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }


def create_model(
    name,
    input_shape=None,
    task=None,
    num_classes=None,
    preprocessing=None,
    **options,
):
    """Creates an uncompiled model from the registry.

    Args:
        name: A name from `list_models()`.
        input_shape: Shape of one sample, without the batch axis. Ignored
            when `preprocessing` is given. Defaults to `None`.
        task: `"binary"`, `"multiclass"` or `"regression"`. Defaults to
            `None`, which is refused.
        num_classes: Number of classes: `None` or 2 for binary, `>= 2` for
            multiclass, ignored for regression. Defaults to `None`.
        preprocessing: `None`, or a functional `keras.Model` whose inputs
            become the model's inputs and whose output feeds the model's
            body (see `build_tabular_preprocessing`). Defaults to `None`.
        **options: Options of the builder; `model_options(name)` lists them
            with their defaults.

    Returns:
        An uncompiled functional `keras.Model`. Compile it with
        `task_loss(task)` and `task_metrics(task)`.

    Raises:
        ValueError: If `name`, an option name, or an argument is invalid.

    Example:

    ```python
    model = create_model("mlp", input_shape=(30,), task="binary", units=32)
    model.compile(
        optimizer="adam", loss=task_loss("binary"),
        metrics=task_metrics("binary"),
    )
    ```
    """
    valid = model_options(name)
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ValueError(
            f"Unknown option(s) {', '.join(unknown)} for model '{name}'. "
            f"Valid options: {', '.join(valid)}."
        )
    return _builder(name)(
        input_shape=input_shape,
        task=task,
        num_classes=num_classes,
        preprocessing=preprocessing,
        **options,
    )


def _builder(name):
    """Returns the builder registered as `name`."""
    if name not in _BUILDERS:
        raise ValueError(
            f"Unknown model {name!r}. Valid names: {', '.join(list_models())}."
        )
    return _BUILDERS[name]

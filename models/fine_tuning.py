"""Freezing and unfreezing the backbone of a transfer-learning model."""

import keras

from keras_recipes.models.options import check_int
from keras_recipes.models.transfer import BACKBONE_NAME


def freeze_backbone(model):
    """Freezes the backbone of a model built by `build_transfer`.

    Recompile the model afterwards: Keras reads `trainable` at compile time.

    Args:
        model: A model with a sub-model named `"backbone"`.

    Raises:
        ValueError: If `model` has no backbone.
    """
    _backbone(model).trainable = False


def unfreeze(model, top_n_layers):
    """Makes the top layers of a transfer-learning backbone trainable.

    The standard Keras fine-tuning recipe: after the new head has been
    trained on a frozen backbone, unfreeze the last `top_n_layers` layers
    of the backbone and train again with a low learning rate. The
    BatchNormalization layers stay frozen (and the backbone runs in
    inference mode, see `build_transfer`), so their statistics are not
    destroyed by small batches. Recompile the model afterwards.

    Args:
        model: A model with a sub-model named `"backbone"`.
        top_n_layers: Number of backbone layers, counted from its output,
            to make trainable (BatchNormalization layers among them stay
            frozen).

    Raises:
        ValueError: If `model` has no backbone or `top_n_layers` is not an
            integer >= 1.

    Example:

    ```python
    unfreeze(model, top_n_layers=20)
    model.compile(optimizer=keras.optimizers.Adam(1e-5), loss=..., metrics=...)
    ```
    """
    top_n_layers = check_int("top_n_layers", top_n_layers, 1)
    backbone = _backbone(model)
    backbone.trainable = True
    for layer in backbone.layers[:-top_n_layers]:
        layer.trainable = False
    for layer in backbone.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False


def _backbone(model):
    """Returns the backbone sub-model of `model`."""
    names = [layer.name for layer in getattr(model, "layers", ())]
    if BACKBONE_NAME not in names:
        raise ValueError(
            f"The 'model' parameter must have a '{BACKBONE_NAME}' layer "
            f"(built by build_transfer). Received: model={model!r}"
        )
    return model.get_layer(BACKBONE_NAME)

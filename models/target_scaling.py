"""Standardised regression targets, undone by the model's last layer.

A network with default initialisation and learning rate suits a target of
unit scale; a raw target such as disease progression (25 to 346) would need
thousands of steps just to move the output bias. `add_target_scaling`
appends `output * std + mean` of the training target, so the network learns
the standardised target while the model as a whole (trained, saved,
reloaded) predicts in the original units.
"""

import keras
import numpy as np


def add_target_scaling(model, y_train):
    """Appends `output * std + mean` of the training target to a model.

    Args:
        model: A functional regression model with one linear output.
        y_train: The training targets whose mean and standard deviation are
            stored in the new layer (a constant target gets `std = 1`).

    Returns:
        A functional `keras.Model` with the same inputs whose output is in
        the units of `y_train`.

    Example:

    >>> model = add_target_scaling(build_tabular_model(dataset), dataset.y_train)
    """
    mean = float(np.mean(y_train))
    std = float(np.std(y_train)) or 1.0
    outputs = keras.layers.Rescaling(
        scale=std, offset=mean, dtype="float32", name="target_scale")(model.output)
    return keras.Model(model.input, outputs, name=model.name)

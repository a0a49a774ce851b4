"""In-memory copies of a model's weights and its optimizer's state."""

import numpy as np
from keras import ops


def take_snapshot(model):
    """Returns copies of the model's weights and its optimizer's variables."""
    optimizer = getattr(model, "optimizer", None)
    optimizer_values = []
    if optimizer is not None:
        optimizer_values = [
            ops.convert_to_numpy(variable) for variable in optimizer.variables
        ]
    return model.get_weights(), optimizer_values


def restore_snapshot(model, snapshot):
    """Puts back the weights and optimizer variables of `take_snapshot`."""
    weights, optimizer_values = snapshot
    model.set_weights(weights)
    if optimizer_values:
        for variable, value in zip(model.optimizer.variables, optimizer_values):
            variable.assign(value)


def weights_are_finite(model):
    """Whether every weight of `model` is finite (no NaN, no infinity)."""
    return all(np.isfinite(weight).all() for weight in model.get_weights())

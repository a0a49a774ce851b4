"""In-memory copies of a model's weights and its optimizer's state."""

import numpy as np
from keras import ops


def sync_variables(model):
    """Makes the model's variables current, so a callback may read or write
    them in the middle of an epoch.

    The JAX trainer keeps the training state apart from the variables during
    an epoch; `jax_state_sync()` writes it back and makes the next step read
    the variables again. Other backends train on the variables directly.
    """
    sync = getattr(model, "jax_state_sync", None)
    if sync is not None:
        sync()


def take_snapshot(model):
    """Returns copies of the model's weights and its optimizer's variables."""
    sync_variables(model)
    optimizer = getattr(model, "optimizer", None)
    optimizer_values = []
    if optimizer is not None:
        optimizer_values = [
            np.array(ops.convert_to_numpy(variable))
            for variable in optimizer.variables
        ]
    return model.get_weights(), optimizer_values


def restore_snapshot(model, snapshot):
    """Puts back the weights and optimizer variables of `take_snapshot`."""
    weights, optimizer_values = snapshot
    sync_variables(model)
    model.set_weights(weights)
    if optimizer_values:
        for variable, value in zip(model.optimizer.variables, optimizer_values):
            variable.assign(value)


def weights_are_finite(model):
    """Whether every weight of `model` is finite (no NaN, no infinity)."""
    return all(np.isfinite(weight).all() for weight in model.get_weights())

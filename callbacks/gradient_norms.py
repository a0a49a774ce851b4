"""Per-layer gradient norms of a model's loss on one batch."""

import keras
import numpy as np
from keras import ops


def gradient_norms(model, x, y, sample_weight=None):
    """Returns the L2 norm of the loss gradient for each layer with weights.

    The loss is the model's compiled loss (plus any regularization losses)
    on the batch `(x, y)`, computed in inference mode (`training=False`):
    dropout is off and BatchNormalization uses its moving statistics and
    keeps them unchanged, so the probe does not disturb training. Layers are
    the model's top-level layers (a nested model counts as one layer).

    Computing gradients is the one place in `keras_recipes.callbacks` that
    needs the backend itself: a private function dispatches to
    `tf.GradientTape`, `jax.grad` or `torch.autograd.grad`, importing the
    backend lazily. The TensorFlow path is tested; the JAX and PyTorch paths
    follow Keras's own trainers.

    Args:
        model: A compiled Keras model.
        x: A batch of inputs (array or tensor).
        y: The matching targets.
        sample_weight: Optional per-sample weights. Defaults to `None`.

    Returns:
        A dict mapping layer names to floats, in layer order.

    Example:

    ```python
    norms = gradient_norms(model, x_train[:256], y_train[:256])
    global_norm = sum(n**2 for n in norms.values()) ** 0.5
    ```
    """
    variables = model.trainable_variables
    gradients = _loss_gradients(model, x, y, sample_weight, variables)
    squared = {
        variable.path: 0.0
        if gradient is None
        else float(ops.convert_to_numpy(ops.sum(ops.square(gradient))))
        for variable, gradient in zip(variables, gradients)
    }
    norms = {}
    for layer in model.layers:
        if layer.trainable_weights:
            total = sum(squared.get(v.path, 0.0) for v in layer.trainable_weights)
            norms[layer.name] = float(np.sqrt(total))
    return norms


def _loss_gradients(model, x, y, sample_weight, variables):
    """Gradients of the model's loss on `(x, y)` w.r.t. `variables`."""

    def loss_of_current_weights():
        y_pred = model(x, training=False)
        return model.compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False
        )

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = loss_of_current_weights()
        return tape.gradient(loss, variables)
    if backend == "jax":
        import jax

        def loss_of(values):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return loss_of_current_weights()

        return jax.grad(loss_of)([variable.value for variable in variables])
    if backend == "torch":
        import torch

        loss = loss_of_current_weights()
        return torch.autograd.grad(
            loss, [variable.value for variable in variables], allow_unused=True
        )
    raise ValueError(
        f"gradient_norms does not support the '{backend}' backend. "
        "Supported: tensorflow, jax, torch."
    )

"""Gradients of a model's loss or outputs with respect to its inputs.

Keras 3 has no backend-agnostic gradient op, so this module holds the one
place where the library asks a backend for a gradient: one small branch per
backend (TensorFlow `GradientTape`, JAX `jax.grad` over
`model.stateless_call`, PyTorch autograd). Attacks (`fgsm`, `pgd`) and
attributions (integrated gradients, saliency) are written on top of
`input_gradients` and `output_gradients` with `keras.ops` and NumPy only;
`tensor_gradients` takes the same kind of gradient on backend tensors
inside a compiled train step (adversarial training).

The model runs in inference mode (`training=False`: dropout off, batch
normalisation on its moving statistics), and samples do not interact, so
the gradient of the summed loss with respect to a batch is, row by row, the
gradient of each sample's own loss.

Example:

>>> gradients = input_gradients(model, x_test, y_test)
>>> gradients.shape == x_test.shape
True
"""

import numbers
import weakref

import keras
import numpy as np

DEFAULT_LOSS = "sparse_categorical_crossentropy"


def input_gradients(model, x, y, loss=None):
    """Returns the gradient of the loss with respect to the inputs.

    The loss is computed per sample (no reduction) and summed over the
    batch, so row `i` of the result is the gradient of sample `i`'s own
    loss with respect to `x[i]`.

    Args:
        model: A built `keras.Model` with one array input.
        x: Inputs, an array of shape `(batch, ...)`; cast to `float32`.
        y: Targets for `x`, as the loss expects them (integer class labels
            for `"sparse_categorical_crossentropy"`).
        loss: A loss name, a `keras.losses.Loss` or a function
            `loss(y_true, y_pred)` returning per-sample losses. Defaults to
            `None`: the model's compiled loss, or
            `"sparse_categorical_crossentropy"` for an uncompiled model.

    Returns:
        A `float32` NumPy array shaped like `x`.

    Raises:
        ValueError: If `x` and `y` hold different numbers of samples, the
            loss name is unknown, or the backend is not supported.
        TypeError: If `x` is not an array or `loss` is not a loss.

    Example:

    >>> gradients = input_gradients(model, x_test, y_test)
    >>> x_adversarial = np.clip(x_test + 0.1 * np.sign(gradients), 0, 1)
    """
    x = _as_input_array(x)
    y = np.asarray(y)
    if len(y) != len(x):
        raise ValueError(
            "The 'y' parameter must hold one target per sample of 'x' "
            f"({len(x)}). Received: {len(y)} targets."
        )
    objective = summed_loss(model, loss)
    return _gradient(model, x, objective, y, key=("loss", objective.loss))


def output_gradients(model, x, output_index):
    """Returns the gradient of one output column with respect to the inputs.

    Row `i` of the result is the gradient of `model(x)[i, output_index]`
    (a class probability for a softmax head, the logit for a linear one)
    with respect to `x[i]`: a saliency map, or the integrand of integrated
    gradients.

    Args:
        model: A built `keras.Model` with one array input and outputs of
            shape `(batch, units)`.
        x: Inputs, an array of shape `(batch, ...)`; cast to `float32`.
        output_index: Column of the output, in `[0, units)`.

    Returns:
        A `float32` NumPy array shaped like `x`.

    Raises:
        ValueError: If `output_index` is not a column of the output, or the
            backend is not supported.
        TypeError: If `x` is not an array.

    Example:

    >>> saliency = np.abs(output_gradients(model, images, output_index=3))
    """
    x = _as_input_array(x)
    units = model.output_shape[-1]
    if (isinstance(output_index, bool) or not isinstance(output_index, numbers.Integral)
            or not 0 <= output_index < units):
        raise ValueError(
            f"The 'output_index' parameter must be an integer in [0, {units}) "
            f"(the model has {units} output columns). Received: "
            f"output_index={output_index!r}"
        )

    column = int(output_index)

    def objective(predictions, targets):
        return keras.ops.sum(predictions[:, column])

    return _gradient(model, x, objective, np.zeros(len(x)), key=("output", column))


def summed_loss(model, loss=None):
    """Returns `objective(predictions, targets)`: the per-sample loss, summed.

    Targets of rank one less than single-column predictions (binary labels
    of shape `(batch,)` against a sigmoid head) get a last axis, so they
    are not broadcast against the predictions.

    Args:
        model: The model whose compiled loss is the default.
        loss: See `input_gradients`. Defaults to `None`.

    Returns:
        A function of `(predictions, targets)` returning a scalar tensor; its
        `loss` attribute is the per-sample loss function.

    Raises:
        ValueError: If the loss name is unknown.
        TypeError: If `loss` is not a loss.
    """
    per_sample_loss = _per_sample_loss(model, loss)

    def objective(predictions, targets):
        if len(targets.shape) == len(predictions.shape) - 1 and predictions.shape[-1] == 1:
            targets = keras.ops.expand_dims(targets, -1)
        return keras.ops.sum(per_sample_loss(targets, predictions))

    objective.loss = per_sample_loss
    return objective


def tensor_gradients(function, x):
    """Returns the gradient of a scalar `function(x)` with respect to a tensor.

    Unlike `input_gradients` (NumPy in, NumPy out), this works on backend
    tensors inside traced code, such as a model's `compute_loss` during
    `fit` (a `tf.function`, a `jax.jit` step or a PyTorch step), where the
    weights are whatever the trainer holds at that point.

    Args:
        function: A function of one tensor returning a scalar tensor.
        x: A backend tensor.

    Returns:
        A backend tensor shaped like `x`.

    Raises:
        ValueError: If the backend is not supported.

    Example:

    >>> gradient = tensor_gradients(lambda v: keras.ops.sum(v ** 2), x)
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(x)
            value = function(x)
        return tape.gradient(value, x)
    if backend == "jax":
        import jax

        return jax.grad(function)(x)
    if backend == "torch":
        import torch

        with torch.enable_grad():
            inputs = x.detach().requires_grad_(True)
            return torch.autograd.grad(function(inputs), inputs)[0]
    raise ValueError(
        "Input gradients support the backends jax, tensorflow, torch. "
        f"Received: backend={backend!r}"
    )


def _gradient(model, x, objective, targets, key):
    """Gradient of `objective(model(x, training=False), targets)` w.r.t. `x`.

    `key` names the objective, so that a backend may reuse a compiled
    gradient function for the same model and objective.
    """
    backend = keras.backend.backend()
    branches = {
        "tensorflow": _tensorflow_gradient,
        "jax": _jax_gradient,
        "torch": _torch_gradient,
    }
    if backend not in branches:
        raise ValueError(
            "Input gradients support the backends "
            f"{', '.join(sorted(branches))}. Received: backend={backend!r}"
        )
    gradients = branches[backend](model, x, objective, targets, key)
    return np.asarray(gradients, dtype="float32")


def _tensorflow_gradient(model, x, objective, targets, key):
    import tensorflow as tf

    inputs = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        value = objective(model(inputs, training=False), tf.convert_to_tensor(targets))
    return tape.gradient(value, inputs).numpy()


# model -> {objective key: jitted gradient}; compiled once per input shape
# instead of dispatching (and compiling) every operation eagerly.
_JAX_GRADIENTS = weakref.WeakKeyDictionary()


def _jax_gradient(model, x, objective, targets, key):
    import jax

    functions = _JAX_GRADIENTS.setdefault(model, {})
    if key not in functions:
        model_ref = weakref.ref(model)  # The cache must not keep the model alive.

        def value(trainable, non_trainable, inputs, targets):
            predictions, _ = model_ref().stateless_call(
                trainable, non_trainable, inputs, training=False)
            return objective(predictions, targets)

        functions[key] = jax.jit(jax.grad(value, argnums=2))
    trainable = [variable.value for variable in model.trainable_variables]
    non_trainable = [variable.value for variable in model.non_trainable_variables]
    return functions[key](trainable, non_trainable, x, targets)


def _torch_gradient(model, x, objective, targets, key):
    import torch

    device = keras.ops.convert_to_tensor(np.zeros(1)).device
    inputs = torch.tensor(x, device=device, requires_grad=True)
    targets = torch.as_tensor(targets, device=device)
    with torch.enable_grad():
        value = objective(model(inputs, training=False), targets)
        # autograd.grad, not backward(): the weights' .grad stay untouched.
        (gradients,) = torch.autograd.grad(value, inputs)
    return gradients.detach().cpu().numpy()


def _as_input_array(x):
    if isinstance(x, dict) or not hasattr(x, "shape"):
        raise TypeError(
            "The 'x' parameter must be one array of model inputs (input "
            f"gradients need numeric inputs). Received: {type(x).__name__}"
        )
    x = np.asarray(x, dtype="float32")
    if x.ndim < 2:
        raise ValueError(
            "The 'x' parameter must have a batch axis and at least one "
            f"feature axis. Received: shape={x.shape}"
        )
    return x


def _per_sample_loss(model, loss):
    """A function `(y_true, y_pred) -> per-sample losses`, unreduced."""
    if loss is None:
        loss = getattr(model, "loss", None) or DEFAULT_LOSS
    if isinstance(loss, str):
        resolved = keras.losses.get(loss)
        if isinstance(resolved, keras.losses.Loss):
            return resolved.call
        return resolved
    if isinstance(loss, keras.losses.Loss):
        return loss.call
    if callable(loss):
        return loss
    raise TypeError(
        "The 'loss' parameter must be a loss name, a keras.losses.Loss or a "
        f"function (y_true, y_pred). Received: {type(loss).__name__}"
    )

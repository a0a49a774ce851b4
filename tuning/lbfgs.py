"""Full-batch L-BFGS training of a compiled Keras model.

Keras has no L-BFGS optimizer (its optimizers take one gradient step per
batch; L-BFGS needs the whole objective, a line search and a curvature
memory), so this module is written by hand: the trainable weights are
flattened into one float64 vector, Keras computes the loss and its gradient
over the whole training set, and `scipy.optimize.minimize(method="L-BFGS-B")`
does the quasi-Newton steps.
"""

import math
import numbers

import keras
import numpy as np
from scipy import optimize


def fit_lbfgs(
    model,
    x,
    y,
    validation_data=None,
    max_iterations=200,
    tolerance=1e-6,
    patience=None,
    callbacks=None,
    verbose=0,
    sample_weight=None,
    class_weight=None,
):
    """Trains a compiled Keras model full-batch with L-BFGS.

    The objective is the model's compiled loss over the whole of `(x, y)`
    plus its regularization losses (`model.compute_loss`), the quantity
    `model.evaluate` reports as `loss`. It is evaluated in inference mode
    (`training=False`) so that it is deterministic, as the line search
    needs: dropout is off and batch normalization uses its moving
    statistics, which L-BFGS does not update.

    One L-BFGS iteration plays the part of one epoch: after each, the
    history gets the training loss and compiled metrics (and `val_` ones
    when `validation_data` is given), and `callbacks` get `on_epoch_end`.
    Only the epoch- and train-level hooks are called; callbacks that act on
    `model.optimizer` (such as `ReduceLROnPlateau`) have nothing to act on.
    A callback can stop training by setting `model.stop_training = True`
    (so `keras.callbacks.EarlyStopping` works too).

    Training stops after `max_iterations` iterations, when the relative
    decrease of the loss or the largest gradient entry falls below
    `tolerance` (scipy's `ftol` and `gtol`), or after `patience` iterations
    without a lower validation loss. When `patience` is set, the weights of
    the lowest validation loss are restored at the end, however training
    stopped.

    Args:
        model: A built, compiled `keras.Model` (the compiled optimizer is
            not used).
        x: Training inputs: an array, or a list or dict of arrays.
        y: Training targets.
        validation_data: Optional tuple `(x_val, y_val)` evaluated after
            every iteration. Defaults to `None`.
        max_iterations: Maximum number of L-BFGS iterations. Defaults to
            `200`.
        tolerance: Convergence tolerance, passed to scipy as both `ftol`
            and `gtol`. Defaults to `1e-6`.
        patience: Iterations without a lower `val_loss` before training
            stops and the best weights are restored, or `None` to never
            stop on validation loss. Needs `validation_data`. Defaults to
            `None`.
        callbacks: Optional list of `keras.callbacks.Callback`. Defaults to
            `None`.
        verbose: `0` for silence, `1` for one progress line per iteration
            and the reason training stopped. Defaults to `0`.
        sample_weight: One weight per training row, or `None`. The
            objective is then the weighted mean loss, as in `model.fit`
            (and as scikit-learn's weighted `LogisticRegression` divided by
            the row count). Defaults to `None`.
        class_weight: A dict from class index to weight, multiplied into
            `sample_weight` as `model.fit` does; every class of `y` needs
            an entry. The validation loss stays unweighted. Defaults to
            `None`.

    Returns:
        The `keras.callbacks.History` of the run (also set as
        `model.history`): `history.history` maps `"loss"`, the metric names
        and their `"val_"` forms to one value per iteration, and
        `history.epoch` lists the iteration numbers.

    Raises:
        TypeError: If `model` is not a `keras.Model`.
        ValueError: If `model` is not compiled with a loss, has no
            trainable weights, or an argument is out of range (the message
            names it and the value received).

    Example:

    >>> model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1)])
    >>> model.compile(loss="mse")
    >>> x, y = np.ones((8, 5)), np.ones((8, 1))
    >>> history = fit_lbfgs(model, x, y, max_iterations=20)
    >>> history.history["loss"][-1] < 1e-4
    True
    """
    _check_arguments(model, validation_data, max_iterations, tolerance, patience)
    weights = _row_weights(y, sample_weight, class_weight)
    inputs = keras.tree.map_structure(keras.ops.convert_to_tensor, x)
    targets = keras.tree.map_structure(keras.ops.convert_to_tensor, y)
    if not model.built:
        model(inputs)
    if not model.trainable_variables:
        raise ValueError(
            f"Model '{model.name}' has no trainable weights for L-BFGS to fit."
        )
    history = keras.callbacks.History()
    callback_list = keras.callbacks.CallbackList(
        [*(callbacks or []), history],
        add_progbar=verbose != 0,
        model=model,
        verbose=verbose,
        epochs=max_iterations,
        steps=1,
    )
    run = _Run(
        model,
        _value_and_grad_function(model, inputs, targets, weights),
        callback_list,
        train_data=(x, y, weights),
        validation_data=validation_data,
        patience=patience,
    )
    model.stop_training = False
    callback_list.on_train_begin()
    result = optimize.minimize(
        run.objective,
        run.initial_point(),
        method="L-BFGS-B",
        jac=True,
        callback=run.after_iteration,
        options={"maxiter": max_iterations, "ftol": tolerance, "gtol": tolerance},
    )
    run.finish(result.x)
    callback_list.on_train_end()
    if verbose:
        print(f"L-BFGS stopped after {run.iteration} iterations: {result.message}")
    return history


class _Run:
    """State of one `fit_lbfgs` call: weight vector <-> Keras variables,
    the scipy objective and per-iteration callback, and early stopping."""

    def __init__(
        self, model, value_and_grad, callback_list, train_data, validation_data, patience
    ):
        self.model = model
        self.variables = model.trainable_variables
        self.value_and_grad = value_and_grad
        self.callback_list = callback_list
        self.train_data = train_data
        self.validation_data = validation_data
        self.patience = patience
        self.iteration = 0
        self.in_iteration = False
        self.best_loss = math.inf
        self.best_point = None
        self.wait = 0

    def initial_point(self):
        values = [keras.ops.convert_to_numpy(v) for v in self.variables]
        return np.concatenate([np.ravel(value) for value in values]).astype(np.float64)

    def unflatten(self, point):
        sizes = [math.prod(v.shape) for v in self.variables]
        pieces = np.split(point, np.cumsum(sizes)[:-1])
        return [
            np.asarray(piece, dtype=v.dtype).reshape(v.shape)
            for piece, v in zip(pieces, self.variables)
        ]

    def objective(self, point):
        if not self.in_iteration:
            self.in_iteration = True
            self.callback_list.on_epoch_begin(self.iteration)
        loss, gradients = self.value_and_grad(self.unflatten(point))
        flat = [np.ravel(keras.ops.convert_to_numpy(g)) for g in gradients]
        return float(loss), np.concatenate(flat).astype(np.float64)

    def after_iteration(self, intermediate_result):
        _assign(self.variables, self.unflatten(intermediate_result.x))
        # Full-batch test steps: the loss and compiled metrics as evaluate()
        # reports them, without building a dataset every iteration.
        x, y, weights = self.train_data
        logs = self.model.test_on_batch(x, y, sample_weight=weights, return_dict=True)
        if self.validation_data is not None:
            val_logs = self.model.test_on_batch(*self.validation_data, return_dict=True)
            logs.update({f"val_{key}": value for key, value in val_logs.items()})
        self.callback_list.on_epoch_end(self.iteration, logs)
        self.iteration += 1
        self.in_iteration = False
        if self.patience is not None and self._patience_exhausted(
            logs["val_loss"], intermediate_result.x
        ):
            self.model.stop_training = True
        if self.model.stop_training:
            raise StopIteration

    def finish(self, last_point):
        point = last_point if self.best_point is None else self.best_point
        _assign(self.variables, self.unflatten(point))

    def _patience_exhausted(self, val_loss, point):
        if val_loss < self.best_loss:
            self.best_loss, self.best_point, self.wait = val_loss, np.copy(point), 0
            return False
        self.wait += 1
        return self.wait >= self.patience


def _check_arguments(model, validation_data, max_iterations, tolerance, patience):
    if not isinstance(model, keras.Model):
        raise TypeError(
            "`model` must be a keras.Model. "
            f"Received: model of type {type(model).__name__}"
        )
    if not model.compiled or model.loss is None:
        raise ValueError(
            f"Model '{model.name}' must be compiled with a loss before "
            "fit_lbfgs, e.g. model.compile(loss='binary_crossentropy'). "
            f"Received: model.loss={getattr(model, 'loss', None)!r}"
        )
    if not _is_positive_integer(max_iterations):
        raise ValueError(
            "`max_iterations` must be a positive integer. "
            f"Received: max_iterations={max_iterations!r}"
        )
    if (
        not isinstance(tolerance, numbers.Real)
        or not math.isfinite(tolerance)
        or tolerance <= 0
    ):
        raise ValueError(
            "`tolerance` must be a positive finite number. "
            f"Received: tolerance={tolerance!r}"
        )
    if patience is not None and not _is_positive_integer(patience):
        raise ValueError(
            "`patience` must be a positive integer or None. "
            f"Received: patience={patience!r}"
        )
    if patience is not None and validation_data is None:
        raise ValueError(
            "`patience` watches the validation loss, so it needs "
            f"`validation_data`. Received: patience={patience!r}, "
            "validation_data=None"
        )


def _is_positive_integer(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0


def _assign(variables, values):
    for variable, value in zip(variables, values):
        variable.assign(value)


def _row_weights(y, sample_weight, class_weight):
    """Per-row weights from `sample_weight` and `class_weight`, or `None`."""
    if sample_weight is None and class_weight is None:
        return None
    rows = len(np.asarray(keras.tree.flatten(y)[0]))
    weights = np.ones(rows, dtype="float32")
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype="float32").reshape(-1)
        if len(sample_weight) != rows or not np.all(np.isfinite(sample_weight)) \
                or np.any(sample_weight < 0):
            raise ValueError(
                f"`sample_weight` must hold one finite weight >= 0 per training row "
                f"({rows}). Received: {len(sample_weight)} weights")
        weights *= sample_weight
    if class_weight is not None:
        labels = np.asarray(y).reshape(rows, -1)
        if labels.shape[1] != 1:
            labels = labels.argmax(axis=1)
        labels = labels.reshape(-1).astype("int64")
        missing = sorted(set(labels.tolist()) - {int(k) for k in class_weight})
        if missing:
            raise ValueError(
                f"`class_weight` needs a weight for every class of `y`; missing "
                f"classes {missing}. Received: class_weight={class_weight!r}")
        lookup = {int(k): float(v) for k, v in class_weight.items()}
        weights *= np.array([lookup[label] for label in labels], dtype="float32")
    return weights


def _loss(model, x, y, weights=None):
    y_pred = model(x, training=False)
    return model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=weights,
                              training=False)


def _value_and_grad_function(model, x, y, weights=None):
    """Returns `values -> (loss, gradients)` for the model's trainable weights.

    Keras has no backend-neutral gradient API, so this is the one place in
    `tuning/` that imports a backend directly, lazily and only for the
    backend Keras runs on.
    """
    backend = keras.backend.backend()
    variables = model.trainable_variables
    if backend == "tensorflow":
        import tensorflow as tf  # Allowed exception: gradients need the backend.

        @tf.function
        def loss_and_gradients():
            with tf.GradientTape() as tape:
                loss = _loss(model, x, y, weights)
            gradients = tape.gradient(loss, variables)
            return loss, [
                keras.ops.zeros_like(v) if g is None else g
                for v, g in zip(variables, gradients)
            ]

        def value_and_grad(values):
            _assign(variables, values)
            return loss_and_gradients()

        return value_and_grad
    if backend == "jax":
        import jax  # Allowed exception: gradients need the backend.

        def stateless_loss(values, x, y):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return _loss(model, x, y, weights)

        # One eager call builds the compiled loss outside of jit tracing.
        _loss(model, x, y, weights)
        jitted = jax.jit(jax.value_and_grad(stateless_loss))
        return lambda values: jitted(values, x, y)
    if backend == "torch":
        import torch  # Allowed exception: gradients need the backend.

        def torch_value_and_grad(values):
            _assign(variables, values)
            tensors = [variable.value for variable in variables]
            with torch.enable_grad():
                loss = _loss(model, x, y, weights)
                gradients = torch.autograd.grad(loss, tensors, allow_unused=True)
            return loss.detach(), [torch.zeros_like(t) if g is None else g
                                   for t, g in zip(tensors, gradients)]

        return torch_value_and_grad
    raise ValueError(
        "fit_lbfgs computes gradients with the TensorFlow, JAX or PyTorch backend. "
        f"Received: keras.backend.backend()={backend!r}"
    )

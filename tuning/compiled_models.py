"""One compiled model per architecture, reused across the runs of an experiment.

A comparison trains the same architecture many times: every seed of an
arm, every rate of a learning-rate search. Compiling a fresh model each
time makes Keras trace (and on JAX, XLA-compile) its train and test steps
again, which costs more than training a small model for a few epochs.
Inside `reusing_compiled_models()`, `compile_or_reuse` keeps the first
compiled model of each architecture and, for the next run, copies the
freshly built model's variables into it (weights, normaliser statistics
and the dropout seed states, so it starts exactly where a fresh build
would) and resets its optimizer state to that of a new optimizer, learning
rate included. Nothing is traced again; on a CPU the run is bit-equal to a
fresh build's (tests/tuning/test_compiled_models.py).

Keras has no such cache, so this is ours. Reuse is scoped: outside the
context every call compiles the model it is given, so a model returned by
one run is never changed by the next.

Example:

>>> with reusing_compiled_models():
...     for seed in range(3):
...         keras.utils.set_random_seed(seed)
...         model = compile_or_reuse(build_model(), keras.optimizers.Adam(1e-3),
...                                  loss="mse")
...         model.fit(x, y, epochs=5)
"""

import collections
import contextlib
import hashlib
import json

import keras
import numpy as np

from keras_recipes.models.rows import take_rows

_CACHE = collections.OrderedDict()
_SCOPES = []


@contextlib.contextmanager
def reusing_compiled_models(capacity=8):
    """Reuses compiled models of the same architecture inside the block.

    Args:
        capacity: How many architectures to keep compiled at once (the
            least recently used is dropped). Defaults to `8`.

    Yields:
        Nothing; the cache is emptied when the outermost block ends.
    """
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        raise ValueError(
            f"The 'capacity' parameter must be a positive integer. Got {capacity!r} instead.")
    _SCOPES.append(capacity)
    try:
        yield
    finally:
        _SCOPES.pop()
        if not _SCOPES:
            _CACHE.clear()


def compile_or_reuse(model, optimizer, **compile_options):
    """Compiles `model`, or loads it into a compiled twin and returns that.

    Outside `reusing_compiled_models()` it compiles and returns `model`.
    Inside, the first model of an architecture is compiled and kept; a later
    model with the same architecture, optimizer settings (all but a constant
    learning rate) and compile options hands its variables to the kept one,
    whose optimizer is reset to `optimizer`'s fresh state.

    Args:
        model: A freshly built `keras.Model` (its variables are the run's
            starting point).
        optimizer: A new, unbuilt Keras optimizer.
        **compile_options: Keyword arguments of `model.compile` (loss,
            metrics, steps_per_execution, jit_compile, ...).

    Returns:
        The compiled model to train: `model` or its kept twin.
    """
    if not _SCOPES:
        model.compile(optimizer=optimizer, **compile_options)
        return model
    key = _reuse_key(model, optimizer, compile_options)
    kept = _CACHE.get(key)
    if kept is None:
        model.compile(optimizer=optimizer, **compile_options)
        _CACHE[key] = model
        while len(_CACHE) > _SCOPES[-1]:
            _CACHE.popitem(last=False)
        return model
    _CACHE.move_to_end(key)
    for target, source in zip(kept.variables, model.variables):
        target.assign(source)
    _reset_optimizer(kept.optimizer, optimizer, model)
    return kept


def build_compiled_state(model, x, y):
    """Builds a compiled model's loss and metrics from two rows of data.

    On its first `fit`, Keras builds them by drawing a batch from the
    shuffled data, which on JAX advances NumPy's global generator, so the
    first run of a fresh model would see a different data order than a
    reused one. Building them beforehand gives every run the same order.

    Args:
        model: A compiled `keras.Model`.
        x: Training inputs (array or dict of columns).
        y: Training targets.
    """
    rows = np.arange(min(2, len(y)))
    x_rows, y_rows = take_rows(x, rows), np.asarray(y)[rows]
    inputs = keras.tree.map_structure(keras.ops.convert_to_tensor, x_rows)
    predictions = model(inputs, training=False)
    model.compute_loss(x=inputs, y=y_rows, y_pred=predictions)
    model.compute_metrics(inputs, y_rows, predictions, sample_weight=None)
    model.reset_metrics()


def _reset_optimizer(kept, fresh, model):
    """Gives the kept optimizer the state a new `fresh` optimizer starts with."""
    if not kept.built:
        return
    fresh.build(model.trainable_variables)
    for target, source in zip(kept.variables, fresh.variables):
        target.assign(source)


def _reuse_key(model, optimizer, compile_options):
    """A digest of everything a traced train step depends on."""
    optimizer_config = optimizer.get_config()
    optimizer_config.pop("name")  # `adam`, `adam_1`, ...: a count, not in the trace.
    if isinstance(optimizer_config.get("learning_rate"), float):
        optimizer_config.pop("learning_rate")  # A variable, reset per run.
    parts = {
        "backend": keras.backend.backend(),
        "model": type(model).__name__,
        "config": _without_names(model),
        "variables": [(tuple(v.shape), str(v.dtype)) for v in model.variables],
        "state": _layer_state_digest(model),
        "optimizer": [type(optimizer).__name__, optimizer_config],
        "compile": compile_options,
    }
    text = json.dumps(parts, sort_keys=True, default=_describe)
    return hashlib.sha256(text.encode()).hexdigest()


def _without_names(model):
    """The model's config with layer names replaced by their position.

    Names differ between builds (`dense`, `dense_7`) while the architecture
    does not, so they are renamed in the order the model lists its layers.
    """
    names = {model.name: "model"}
    for index, layer in enumerate(model._flatten_layers(include_self=False)):
        names.setdefault(layer.name, f"layer{index}")

    def rename(value):
        if isinstance(value, dict):
            return {key: rename(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [rename(item) for item in value]
        if isinstance(value, str):
            return names.get(value, value)
        return value

    return rename(model.get_config())


def _layer_state_digest(model):
    """Digests state that lives outside variables and is baked into a trace.

    An adapted `Normalization` keeps its statistics as constants and a
    lookup layer its vocabulary as a table, so two models that differ only
    there must not share a trace.
    """
    digest = hashlib.sha256()
    for layer in model._flatten_layers(include_self=False):
        for attribute in ("mean", "variance"):
            value = getattr(layer, attribute, None)
            if value is not None and not isinstance(value, (int, float)):
                digest.update(np.asarray(keras.ops.convert_to_numpy(value)).tobytes())
        if hasattr(layer, "get_vocabulary"):
            digest.update(repr(layer.get_vocabulary()).encode())
    return digest.hexdigest()


def _describe(value):
    """Describes objects JSON cannot write (losses, metrics, schedules)."""
    if hasattr(value, "get_config"):
        return [type(value).__name__, value.get_config()]
    if callable(value):
        return getattr(value, "__qualname__", repr(value))
    return repr(value)

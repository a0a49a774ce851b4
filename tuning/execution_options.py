"""The compile options that make a small model train fast on any backend.

Keras runs one batch per call of its compiled train step by default, so a
small model spends most of each epoch in Python and host syncs, not in
arithmetic. `speed_options` picks what the benchmarks measured
(`benchmarks/bench_fit_path.py`):

- `steps_per_execution`: up to 32 batches per call (never more than an
  epoch has), or 1 when a callback must see every batch (a callback that
  overrides a batch hook and does not declare
  `handles_steps_per_execution = True`, e.g. the LR finder).
- `jit_compile`: XLA on JAX (its only fast path); off on TensorFlow, where
  XLA tripled the first epoch's tracing time and gave no steady gain on
  these models on a CPU.
- On PyTorch, Keras refuses `steps_per_execution` above 1 and compiles
  nothing by default, so both stay off there.

Example:

>>> model.compile(optimizer, loss, **speed_options(len(x), 32, callbacks))
"""

import math

import keras

MAX_STEPS_PER_EXECUTION = 32
_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin",
                "on_batch_end")
_KERAS_TOLERANT = ("TerminateOnNaN", "History", "ProgbarLogger", "TensorBoard",
                   "BackupAndRestore", "ModelCheckpoint")


def speed_options(n_train, batch_size, callbacks=()):
    """Chooses `steps_per_execution` and `jit_compile` for one fit.

    Args:
        n_train: Training rows.
        batch_size: Rows per batch.
        callbacks: The callbacks the fit will use. Defaults to `()`.

    Returns:
        A dict of `model.compile` keyword arguments.
    """
    steps_per_epoch = max(1, math.ceil(int(n_train) / int(batch_size)))
    steps = min(steps_per_epoch, MAX_STEPS_PER_EXECUTION)
    if keras.backend.backend() == "torch" or any(
            needs_every_batch(callback) for callback in callbacks):
        steps = 1
    return {"steps_per_execution": steps,
            "jit_compile": keras.backend.backend() == "jax"}


def needs_every_batch(callback):
    """Tells whether a callback must be called after every single batch."""
    if getattr(callback, "handles_steps_per_execution", False):
        return False
    kind = type(callback)
    if kind.__module__.startswith("keras.") and kind.__name__ in _KERAS_TOLERANT:
        return False
    return any(getattr(kind, hook) is not getattr(keras.callbacks.Callback, hook)
               for hook in _BATCH_HOOKS)

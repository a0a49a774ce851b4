"""Seeds, precision and a description of the software and device of a run."""

import importlib.metadata
import platform

import keras

PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
_PACKAGES = ("keras", "tensorflow", "jax", "torch", "keras-tuner",
             "scikit-learn", "numpy")


def set_seed(seed):
    """Seeds Python, NumPy and the Keras backend for a reproducible run."""
    keras.utils.set_random_seed(int(seed))


def list_accelerators():
    """Returns the names of the GPUs the Keras backend can use (may be empty)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf
        return [d.name for d in tf.config.list_physical_devices("GPU")]
    if backend == "jax":
        import jax
        return [str(d) for d in jax.devices() if d.platform != "cpu"]
    if backend == "torch":
        import torch
        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return []


def configure_precision(precision="auto"):
    """Sets Keras's global dtype policy and returns the policy name.

    `"auto"` chooses `mixed_float16` when a GPU is present (it roughly halves
    memory traffic there) and `float32` on a CPU, where mixed precision only
    slows things down.

    Args:
        precision: One of `"auto"`, `"float32"`, `"mixed_float16"`,
            `"mixed_bfloat16"`. Defaults to `"auto"`.

    Returns:
        The name of the policy now in force.

    Raises:
        ValueError: For an unknown `precision`.
    """
    if precision not in PRECISIONS:
        raise ValueError(
            f"The 'precision' parameter must be one of {', '.join(PRECISIONS)}. "
            f"Got {precision!r} instead."
        )
    if precision == "auto":
        precision = "mixed_float16" if list_accelerators() else "float32"
    keras.mixed_precision.set_global_policy(precision)
    return precision


def describe_environment():
    """Returns versions, backend and device, for `config.json` and reports."""
    versions = {}
    for package in _PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    accelerators = list_accelerators()
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "backend": keras.backend.backend(),
        "device": ", ".join(accelerators) if accelerators else "CPU",
        "dtype_policy": keras.mixed_precision.global_policy().name,
        "versions": versions,
    }

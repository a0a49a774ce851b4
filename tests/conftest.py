"""Shared test settings: quiet TensorFlow, tiny runs, the backend from KERAS_BACKEND.

`make test` runs the suite on TensorFlow and the library and recipe smoke
tests again on JAX (`KERAS_BACKEND=jax`); a test marked `tensorflow_only`
is skipped on other backends.
"""

import os
import tempfile

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
if os.environ["KERAS_BACKEND"] == "jax":  # One compile cache for the session's processes.
    from keras_recipes.recipes.common.backends import use_jax_compilation_cache

    use_jax_compilation_cache(os.path.join(tempfile.gettempdir(), "keras-recipes-tests-jax"))


def pytest_collection_modifyitems(config, items):
    backend = os.environ["KERAS_BACKEND"]
    if backend == "tensorflow":
        return
    skip = pytest.mark.skip(reason=f"needs the TensorFlow backend (running {backend})")
    for item in items:
        if "tensorflow_only" in item.keywords:
            item.add_marker(skip)

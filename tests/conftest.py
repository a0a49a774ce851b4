"""Shared test settings: quiet TensorFlow, tiny runs, the backend from KERAS_BACKEND.

`make test` runs the library's tests and every recipe's smoke run on
TensorFlow and on JAX (`KERAS_BACKEND=jax`). The other tests under
tests/recipes check a recipe's logic, not the backend's: they are marked
`backend_agnostic` here and run once, on JAX, unless marked `every_backend`.
A test marked `tensorflow_only` is skipped on other backends.
"""

import os
import pathlib
import tempfile

import pytest

FAST_COMPILE_FLAGS = "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Test programs are tiny and compiled once: XLA's cheapest code generation
# took 40% off the CPU time of JAX's heaviest tests (325 s -> 195 s cold).
os.environ["XLA_FLAGS"] = " ".join(filter(None, [
    os.environ.get("XLA_FLAGS"), FAST_COMPILE_FLAGS]))
if os.environ["KERAS_BACKEND"] == "jax":  # One compile cache for the session's processes.
    from keras_recipes.recipes.common.backends import use_jax_compilation_cache

    use_jax_compilation_cache(os.path.join(tempfile.gettempdir(), "keras-recipes-tests-jax"))


RECIPE_TESTS = pathlib.Path(__file__).parent / "recipes"


def pytest_collection_modifyitems(config, items):
    backend = os.environ["KERAS_BACKEND"]
    skip = pytest.mark.skip(reason=f"needs the TensorFlow backend (running {backend})")
    for item in items:
        if "tensorflow_only" in item.keywords and backend != "tensorflow":
            item.add_marker(skip)
        if RECIPE_TESTS in item.path.parents and not (
                {"tensorflow_only", "every_backend"} & set(item.keywords)):
            item.add_marker(pytest.mark.backend_agnostic)

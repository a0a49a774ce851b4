"""Choosing the Keras backend before Keras is imported.

Keras reads `KERAS_BACKEND` once, when it is first imported, so the
command line picks the backend first: `keras-recipes run NAME --backend jax`
(or `KERAS_BACKEND=jax`). Without either, the command uses the backend the
benchmarks measured fastest on a laptop CPU (`benchmarks/bench_backends.py`:
JAX, about 5x TensorFlow's epoch rate on the recipes' models) when it is
installed (`pip install "keras-recipes[jax]"`), else TensorFlow, except for
data with text columns: Keras' string lookup layers take TensorFlow tensors
only, so such a command runs on TensorFlow unless a backend is asked for.
This module imports no Keras, so it can run first.
"""

import importlib.util
import json
import os
import sys

BACKENDS = ("tensorflow", "jax", "torch")
FASTEST_ON_CPU = "jax"


def default_backend():
    """The backend a command uses when none is asked for.

    Returns:
        `KERAS_BACKEND` when set, else `FASTEST_ON_CPU` when installed, else
        `"tensorflow"`.
    """
    chosen = os.environ.get("KERAS_BACKEND")
    if chosen:
        return chosen
    if importlib.util.find_spec(FASTEST_ON_CPU) is not None:
        return FASTEST_ON_CPU
    return "tensorflow"


def select_backend(argv):
    """Sets `KERAS_BACKEND` from a `--backend NAME` flag, or the default.

    Args:
        argv: Command-line arguments; `--backend NAME` (or
            `--backend=NAME`) may appear anywhere.

    Returns:
        `argv` without the flag.

    Raises:
        ValueError: If the backend is unknown or not installed, the flag has
            no value, or Keras was already imported with another backend
            than the flag asks for.
    """
    argv, backend = _take_flag(list(argv), "--backend")
    if backend is None and "keras" in sys.modules:
        return argv  # Keras is running; nothing was asked of it.
    if backend is None and not os.environ.get("KERAS_BACKEND"):
        backend = default_backend()
        text = text_columns(argv)
        if text and backend != "tensorflow":
            print(f"keras-recipes: the text columns {', '.join(text)} need TensorFlow "
                  "(Keras' string lookup layers take TensorFlow tensors only); "
                  "running on tensorflow.", file=sys.stderr)
            backend = "tensorflow"
    backend = backend or default_backend()
    if backend not in BACKENDS:
        raise ValueError(f"The '--backend' flag must be one of {', '.join(BACKENDS)}. "
                         f"Got {backend!r} instead.")
    if importlib.util.find_spec(backend) is None:
        extra = {"jax": ' (pip install "keras-recipes[jax]")'}.get(backend, "")
        raise ValueError(f"--backend {backend}: {backend} is not installed{extra}.")
    check_backend(backend)
    os.environ["KERAS_BACKEND"] = backend
    if backend == "jax":
        use_jax_compilation_cache()
    return argv


def use_jax_compilation_cache(directory=None):
    """Keeps JAX's compiled programs on disk, for this run and the next.

    Every run of a comparison compiles programs an earlier run (or an
    earlier command) already compiled; JAX's persistent cache skips the
    XLA compilation then: the `ensembles` smoke run took 44 s of CPU cold,
    22 s with the cache filling and 16 s with it warm. Every compile is
    kept, however quick: JAX's default (only those over 1 s) made the JAX
    test suite's cold run 15:25 instead of 10:59, since its processes
    recompile the same small programs. Settings already in the environment
    win.

    Args:
        directory: Cache folder. Defaults to `None`:
            `$XDG_CACHE_HOME/keras-recipes/jax` (`~/.cache/...`).
    """
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR",
                          directory or os.path.join(cache_home, "keras-recipes", "jax"))
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")


def check_backend(backend):
    """Refuses a backend other than the one an imported Keras runs on.

    Raises:
        ValueError: If Keras is imported and runs on another backend; the
            message says how to start on `backend`.
    """
    if "keras" not in sys.modules:
        return
    running = sys.modules["keras"].backend.backend()
    if running != backend:
        raise ValueError(
            f"The 'backend' parameter asks for {backend}, but Keras is already running "
            f"on {running}. Set KERAS_BACKEND={backend} before Python starts, or use "
            f"`keras-recipes run NAME --backend {backend}`.")


def text_columns(argv):
    """The text feature columns a command line's data has, read without Keras.

    `run`/`tune` with `--csv PATH`: the CSV's non-numeric columns other than
    `--target` and `--drop`; `predict`/`export`/`check-shift RUN_DIR`: the
    categorical columns of the run's `schema.json`. A file that cannot be
    read gives `[]`: the command's own checks report it.
    """
    if len(argv) > 1 and argv[0] in ("predict", "export", "check-shift"):
        try:
            with open(os.path.join(argv[1], "schema.json"), encoding="utf-8") as handle:
                schema = json.load(handle)
        except (OSError, ValueError):
            return []
        return [entry["column"] for entry in schema.get("categorical_columns") or []]
    path = _flag_value(argv, "--csv")
    if path is None:
        return []
    import pandas as pd

    ignored = {_flag_value(argv, "--target"),
               *(_flag_value(argv, "--drop") or "").split(",")}
    try:
        frame = pd.read_csv(path, sep=_flag_value(argv, "--sep"), engine="python",
                            encoding=_flag_value(argv, "--encoding") or "utf-8",
                            na_values=(_flag_value(argv, "--na-values") or "").split(","))
    except Exception:  # Unreadable here means the loader will explain why.
        return []
    return [str(column) for column in frame.columns if column not in ignored
            and not pd.api.types.is_numeric_dtype(frame[column])]


def _flag_value(argv, flag):
    return _find_flag(argv, flag)[1]


def _take_flag(argv, flag):
    index, value, width = _find_flag(argv, flag)
    if index is None:
        return argv, None
    if value is None or (width == 2 and value.startswith("-")):
        raise ValueError(f"The '{flag}' flag needs a value: one of "
                         f"{', '.join(BACKENDS)}.")
    return argv[:index] + argv[index + width:], value


def _find_flag(argv, flag):
    """`(index, value, words)` of `flag NAME` or `flag=NAME` in `argv`, else Nones.

    `value` is `None` when the flag ends the line.
    """
    for index, argument in enumerate(argv):
        if argument == flag:
            return index, argv[index + 1] if index + 1 < len(argv) else None, 2
        if argument.startswith(flag + "="):
            return index, argument.split("=", 1)[1], 1
    return None, None, 0

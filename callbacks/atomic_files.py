"""Crash-safe file writes, the one helper the whole library uses.

Every file that must survive a crash (checkpoints, run records,
`metrics.json`, reports) is written to a temporary file in the same
directory and renamed over its path: a crash at any moment leaves either
the previous file or the new one, never a partial file. On error the
temporary file is removed and the previous file is left untouched.
Arguments are always `(path, content)`.
"""

import contextlib
import json
import math
import os
import tempfile


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path next to `path`; renames it over `path` on exit.

    The temporary name keeps `path`'s extension (`.tmp.keras`), so writers
    that check it (such as `model.save`) accept it.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    stem, suffix = os.path.splitext(os.path.basename(path))
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{stem}.", suffix=f".tmp{suffix}", dir=directory
    )
    os.close(descriptor)
    os.remove(temporary)  # Some writers refuse an existing file.
    try:
        yield temporary
        with open(temporary, "rb+") as file:
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            os.remove(temporary)


def write_text(path, text):
    """Writes a text file atomically."""
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(text)


def write_json(path, data, sort_keys=True):
    """Writes JSON atomically; NumPy values and non-finite floats are handled.

    `sort_keys=False` keeps the dict's own order (a run record's columns).
    """
    write_text(path, json.dumps(jsonable(data), indent=2, sort_keys=sort_keys) + "\n")


def read_json(path):
    """Reads a JSON file."""
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def save_model(model, path):
    """Saves `model` to the `.keras` file `path` atomically."""
    with atomic_path(path) as temporary:
        model.save(temporary)


def jsonable(value):
    """Returns `value` with NumPy values as Python and non-finite floats as strings."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
        if isinstance(value, list):
            return jsonable(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value

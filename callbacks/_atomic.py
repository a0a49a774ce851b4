"""Crash-safe file writes: write a temporary file, then rename it over."""

import contextlib
import json
import os
import tempfile


@contextlib.contextmanager
def _temporary_path(path):
    """Yields a temporary path next to `path`; renames it over `path` on exit.

    The temporary file lives in the same directory, so `os.replace` is an
    atomic rename: a crash at any moment leaves either the previous file or
    the new one, never a partial file. On error the temporary file is removed
    and the previous file is left untouched.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    stem, suffix = os.path.splitext(os.path.basename(path))
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{stem}.", suffix=f".tmp{suffix}", dir=directory
    )
    os.close(descriptor)
    try:
        yield temporary
        with open(temporary, "rb+") as file:
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def save_model(model, path):
    """Saves `model` to the `.keras` file `path` atomically."""
    with _temporary_path(path) as temporary:
        model.save(temporary)


def write_json(data, path):
    """Writes `data` as JSON to `path` atomically."""
    with _temporary_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2)

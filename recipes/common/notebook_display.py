"""Shows a run's report inline in Jupyter, its figures included.

The notebooks' cells call these; in a plain script they are never used.
"""

import os
import re

IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]+)\)")


def report_parts(report_text, run_dir):
    """Splits `report.md` into Markdown text and embedded images.

    Returns:
        A list of `("markdown", text)` and `("image", path)` pairs in
        report order; image paths are resolved against `run_dir`.
    """
    parts, start = [], 0
    for match in IMAGE.finditer(report_text):
        text = report_text[start:match.start()].strip()
        if text:
            parts.append(("markdown", text))
        parts.append(("image", os.path.join(run_dir, match.group(2))))
        start = match.end()
    rest = report_text[start:].strip()
    if rest:
        parts.append(("markdown", rest))
    return parts


def show_report(result):
    """Displays a `RunResult`'s report: Markdown and its figures inline."""
    from IPython.display import Image
    from IPython.display import Markdown
    from IPython.display import display

    with open(result.report_path, encoding="utf-8") as handle:
        text = handle.read()
    for kind, value in report_parts(text, result.run_dir):
        display(Image(filename=value) if kind == "image" else Markdown(value))


def show_data(data):
    """Prints a line per dataset a recipe's `load_data` returned.

    `data` is a dataset with `describe()`, or a tuple or dict of them.
    """
    parts = data.items() if isinstance(data, dict) else (
        enumerate(data) if isinstance(data, (tuple, list)) else [(None, data)])
    for label, dataset in parts:
        prefix = "" if label is None or isinstance(label, int) else f"{label}: "
        print(prefix + dataset.describe())

"""Markdown reports: `report.md` with the config, a metrics table and plots."""

import os

from keras_recipes.recipes.common.runs import write_text


def format_value(value):
    """Formats a number for a table: 4 significant digits, ints as they are."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def markdown_table(rows, columns=None):
    """Renders a list of dicts as a Markdown table.

    Args:
        rows: One dict per row.
        columns: Column order. Defaults to `None`: the keys of the first row.

    Returns:
        The table as Markdown text.
    """
    if not rows:
        return "_(no rows)_\n"
    columns = list(columns or rows[0])
    lines = ["| " + " | ".join(columns) + " |",
             "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(format_value(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines) + "\n"


class Report:
    """Builds a run's `report.md` section by section.

    Example:

    >>> report = Report("Tabular classification", run_dir)
    >>> report.add_metrics({"test_accuracy": 0.97})
    >>> report.add_plot("plots/learning_curves.png", "Learning curves")
    >>> path = report.write()
    """

    def __init__(self, title, run_dir):
        self.run_dir = run_dir
        self.parts = [f"# {title}\n"]

    def add_text(self, text):
        """Adds a paragraph of Markdown."""
        self.parts.append(text.strip() + "\n")

    def add_section(self, heading, text=""):
        """Starts a `##` section, optionally with a paragraph."""
        self.parts.append(f"## {heading}\n")
        if text:
            self.add_text(text)

    def add_table(self, rows, columns=None):
        """Adds a table of dict rows."""
        self.parts.append(markdown_table(rows, columns))

    def add_metrics(self, metrics):
        """Adds a two-column metric/value table."""
        self.add_table([{"metric": k, "value": v} for k, v in sorted(metrics.items())])

    def add_config(self, config, environment):
        """Adds the run's settings and its software and device."""
        self.add_section("Configuration")
        self.add_table([{"setting": k, "value": v} for k, v in config.items()])
        versions = ", ".join(f"{k} {v}" for k, v in environment["versions"].items())
        self.add_text(
            f"Backend **{environment['backend']}** on **{environment['device']}**"
            f" ({environment['dtype_policy']}); Python {environment['python']}; "
            f"{versions}."
        )

    def add_plot(self, path, caption):
        """Embeds a plot saved inside the run directory."""
        relative = os.path.relpath(path, self.run_dir)
        self.parts.append(f"![{caption}]({relative})\n\n*{caption}*\n")

    def write(self):
        """Writes `report.md` atomically and returns its path."""
        path = os.path.join(self.run_dir, "report.md")
        write_text(path, "\n".join(self.parts))
        return path

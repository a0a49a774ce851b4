"""Line plots written to PNG without touching pyplot's global state."""

import os

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def save_line_plot(path, x, y, xlabel, ylabel, title, log_x=False, marker_x=None):
    """Plots `y` against `x` and saves the figure as a PNG file at `path`."""
    figure = Figure(figsize=(6, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    axes.plot(x, y)
    if log_x:
        axes.set_xscale("log")
    if marker_x is not None:
        axes.axvline(marker_x, color="tab:red", linestyle="--")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    figure.savefig(path, format="png")
    return path

"""The reliability diagram: predicted confidence against observed accuracy.

Drawn on `matplotlib.figure.Figure` through the one figures module (never
pyplot); the numbers come from `keras_recipes.models.calibration`.
"""

import numpy as np

from keras_recipes.models.calibration import expected_calibration_error
from keras_recipes.models.calibration import reliability_curve
from keras_recipes.recipes.common.figures import new_figure
from keras_recipes.recipes.common.figures import save_figure


def plot_reliability(predictions, y_true, path, bins=10, title=None):
    """Draws one reliability curve per model, with the diagonal of perfect calibration.

    Each curve joins the non-empty confidence bins (mean top-class
    confidence on x, fraction right on y); a point's size shows its rows.
    Points below the diagonal are over-confident. The legend gives each
    model's expected calibration error at the same `bins`.

    Args:
        predictions: A dict `{label: probabilities}` of predicted
            probabilities on the same rows (`(rows, classes)`, or the
            positive class for a binary model).
        y_true: True class indices of those rows.
        path: PNG path to write.
        bins: Number of equal-width confidence bins. Defaults to `10`.
        title: Figure title. Defaults to `None` ("Reliability diagram").

    Returns:
        `path`.
    """
    figure, (axis, counts_axis) = new_figure(width=10, height=4.2, columns=2)
    axis.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1,
              label="perfect calibration")
    lowest = 0.5
    for index, (label, probabilities) in enumerate(predictions.items()):
        classes = 2 if np.ndim(probabilities) == 1 or np.shape(probabilities)[-1] == 1 \
            else np.shape(probabilities)[-1]
        lowest = min(lowest, 1 / classes)
        curve = reliability_curve(y_true, probabilities, bins)
        ece = expected_calibration_error(y_true, probabilities, bins)
        color = f"C{index % 10}"
        sizes = 12 + 120 * curve["count"] / curve["count"].max()
        axis.plot(curve["confidence"], curve["accuracy"], color=color, linewidth=1.2,
                  label=f"{label} (ECE {ece:.3f})")
        axis.scatter(curve["confidence"], curve["accuracy"], s=sizes, color=color,
                     alpha=0.7)
        centres = (curve["edges"][:-1] + curve["edges"][1:]) / 2
        full = dict.fromkeys(range(bins), 0)
        for confidence, count in zip(curve["confidence"], curve["count"]):
            full[min(int(confidence * bins), bins - 1)] += int(count)
        counts_axis.plot(centres, list(full.values()), color=color, marker="o",
                         linewidth=1, markersize=3, label=label)
    # The top-class confidence is at least 1 / classes: the plot starts there.
    axis.set_xlim(lowest - 0.02, 1.01)
    axis.set_ylim(min(lowest - 0.02, axis.get_ylim()[0]), 1.01)
    counts_axis.set_xlim(lowest - 0.02, 1.01)
    axis.set_xlabel("mean predicted confidence (top class)")
    axis.set_ylabel("observed accuracy")
    axis.set_title(title or "Reliability diagram")
    axis.legend(fontsize=7, loc="upper left")
    counts_axis.set_yscale("symlog")
    counts_axis.set_xlabel("confidence bin")
    counts_axis.set_ylabel("rows")
    counts_axis.set_title("Rows per confidence bin")
    return save_figure(figure, path)

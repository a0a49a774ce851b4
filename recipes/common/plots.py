"""Plots a single run writes to `plots/*.png`: learning curves and evaluation charts.

Every function draws one `matplotlib.figure.Figure` (no pyplot, no display
needed), saves it and returns the path.
"""

import numpy as np
from sklearn import metrics as sk_metrics

from keras_recipes.recipes.common.figures import new_figure
from keras_recipes.recipes.common.figures import save_figure as _save


def plot_learning_curves(history, path, metrics=("loss", "accuracy")):
    """Plots train and validation curves of each metric against the epoch."""
    shown = [m for m in metrics if m in history]
    figure, axes = new_figure(5 * len(shown), 3.6, len(shown))
    for axis, metric in zip(axes, shown):
        epochs = np.arange(1, len(history[metric]) + 1)
        axis.plot(epochs, history[metric], label="train")
        if f"val_{metric}" in history:
            axis.plot(epochs, history[f"val_{metric}"], label="validation")
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.set_title(metric)
        axis.grid(alpha=0.3)
        axis.legend()
    return _save(figure, path)


def plot_confusion_matrix(y_true, y_pred, class_names, path):
    """Draws the confusion matrix of the test split with counts in cells."""
    labels = np.arange(len(class_names))
    matrix = sk_metrics.confusion_matrix(y_true, y_pred, labels=labels)
    size = 2.5 + 0.5 * len(class_names)
    figure, (axis,) = new_figure(size, size)
    sk_metrics.ConfusionMatrixDisplay(matrix, display_labels=class_names).plot(
        ax=axis, colorbar=False, cmap="Blues")
    axis.set_title("Confusion matrix (test)")
    return _save(figure, path)


def plot_roc_curve(y_true, scores, path):
    """Draws the ROC curve of a binary classifier with its AUC."""
    figure, (axis,) = new_figure(4.5, 4.5)
    sk_metrics.RocCurveDisplay.from_predictions(y_true, scores, ax=axis)
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    axis.set_title("ROC curve (test)")
    return _save(figure, path)


def plot_predictions(y_true, y_pred, path):
    """Draws predicted against true values, with the ideal diagonal."""
    y_pred = np.asarray(y_pred).reshape(-1)
    figure, (axis,) = new_figure(4.5, 4.5)
    axis.scatter(y_true, y_pred, s=12, alpha=0.6)
    low, high = min(y_true.min(), y_pred.min()), max(y_true.max(), y_pred.max())
    axis.plot([low, high], [low, high], linestyle="--", color="grey")
    axis.set_xlabel("true")
    axis.set_ylabel("predicted")
    axis.set_title("Predicted vs true (test)")
    return _save(figure, path)


def plot_residuals(y_true, y_pred, path):
    """Draws residuals (true minus predicted) against the prediction."""
    y_pred = np.asarray(y_pred).reshape(-1)
    figure, (axis,) = new_figure(5, 3.6)
    axis.scatter(y_pred, y_true - y_pred, s=12, alpha=0.6)
    axis.axhline(0, linestyle="--", color="grey")
    axis.set_xlabel("predicted")
    axis.set_ylabel("residual")
    axis.set_title("Residuals (test)")
    return _save(figure, path)

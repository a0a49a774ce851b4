"""Test-split metrics with scikit-learn, under the keys `metrics.json` uses."""

import numpy as np
from sklearn import metrics as sk_metrics


def predict_classes(probabilities, task):
    """Turns model outputs into class indices (threshold 0.5 for binary)."""
    probabilities = np.asarray(probabilities)
    if task == "binary":
        return (probabilities.reshape(-1) >= 0.5).astype("int64")
    return probabilities.argmax(axis=-1)


def classification_metrics(y_true, probabilities, task, test_loss=None):
    """Computes accuracy, precision, recall, F1 and (binary) ROC AUC.

    Args:
        y_true: True class indices.
        probabilities: Model outputs: `(n, 1)` sigmoid or `(n, C)` softmax.
        task: `"binary"` or `"multiclass"`; multiclass averages are macro.
        test_loss: The model's loss on the test split, if known. Defaults to
            `None`.

    Returns:
        A dict with `test_loss`, `test_accuracy`, `test_precision`,
        `test_recall`, `test_f1` and, for binary tasks, `test_roc_auc`.
    """
    y_pred = predict_classes(probabilities, task)
    average = "binary" if task == "binary" else "macro"
    result = {
        "test_accuracy": sk_metrics.accuracy_score(y_true, y_pred),
        "test_precision": sk_metrics.precision_score(
            y_true, y_pred, average=average, zero_division=0),
        "test_recall": sk_metrics.recall_score(
            y_true, y_pred, average=average, zero_division=0),
        "test_f1": sk_metrics.f1_score(y_true, y_pred, average=average,
                                       zero_division=0),
    }
    if task == "binary" and len(np.unique(y_true)) == 2:
        result["test_roc_auc"] = sk_metrics.roc_auc_score(
            y_true, np.asarray(probabilities).reshape(-1))
    if test_loss is not None:
        result["test_loss"] = test_loss
    return {key: float(value) for key, value in result.items()}


def regression_metrics(y_true, y_pred, test_loss=None):
    """Computes MSE, RMSE, MAE and R² of regression predictions.

    Returns:
        A dict with `test_loss` (if given), `test_mse`, `test_rmse`,
        `test_mae` and `test_r2`.
    """
    y_pred = np.asarray(y_pred).reshape(-1)
    mse = sk_metrics.mean_squared_error(y_true, y_pred)
    result = {
        "test_mse": mse,
        "test_rmse": np.sqrt(mse),
        "test_mae": sk_metrics.mean_absolute_error(y_true, y_pred),
        "test_r2": sk_metrics.r2_score(y_true, y_pred),
    }
    if test_loss is not None:
        result["test_loss"] = test_loss
    return {key: float(value) for key, value in result.items()}

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


def prediction_measures(dataset, outputs):
    """Scores model outputs on the dataset's test split, for a comparison row.

    Classifier outputs are probabilities (`(n, 1)` for binary, `(n, C)`);
    `test_loss` is their log loss, or the mean squared error for
    regression, so Keras models and scikit-learn baselines are scored alike.

    Args:
        dataset: The `Dataset`.
        outputs: Predictions for `dataset.x_test`.

    Rows a diverged model scored as NaN or infinity are scored as the
    uninformative prediction (uniform class probabilities, or the training
    mean), so a diverged run gets chance-level measures instead of a crash;
    its record says `diverged`.

    Returns:
        A dict of `test_*` measures.
    """
    outputs = _finite_outputs(dataset, np.asarray(outputs, dtype="float64"))
    if dataset.task == "regression":
        result = regression_metrics(dataset.y_test, outputs.reshape(-1))
        result["test_loss"] = result["test_mse"]
        return result
    if dataset.task == "binary":
        positive = outputs.reshape(-1)
        outputs = np.stack([1 - positive, positive], axis=1)
    clipped = np.clip(outputs, 1e-7, 1)
    loss = sk_metrics.log_loss(dataset.y_test, clipped / clipped.sum(axis=1, keepdims=True),
                               labels=list(range(outputs.shape[1])))
    probabilities = outputs[:, 1:] if dataset.task == "binary" else outputs
    return classification_metrics(dataset.y_test, probabilities, dataset.task,
                                  test_loss=float(loss))


def _finite_outputs(dataset, outputs):
    broken = ~np.isfinite(outputs.reshape(len(outputs), -1)).all(axis=1)
    if not broken.any():
        return outputs
    outputs = outputs.copy()
    if dataset.task == "regression":
        outputs[broken] = float(np.mean(dataset.y_train))
    elif dataset.task == "binary":
        outputs[broken] = 0.5
    else:
        outputs[broken] = 1.0 / outputs.shape[1]
    return outputs


def test_measures(model, dataset):
    """Scores a trained Keras model on the test split (`prediction_measures`).

    One forward pass in inference mode (`predict_all`), no traced
    prediction function.
    """
    from keras_recipes.tuning import predict_all

    return prediction_measures(dataset, predict_all(model, dataset.x_test))

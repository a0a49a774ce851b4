"""scikit-learn baselines on a recipe's own split, scored like the Keras models.

Every supervised report carries these rows, so a Keras result is read
beside what a linear model and gradient boosting reach on the same rows:
`LogisticRegression` or `RidgeCV` (after median imputation and
standardisation) and `HistGradientBoostingClassifier` / `Regressor`
(which handles missing values itself). They are fitted on the training
split; the validation split is not used.

Their scores go into `metrics.json` as `baseline_<model>_<measure>`
(`baseline_metrics`), such as `baseline_logistic_regression_test_accuracy`.
"""

import re
import time

import numpy as np
from threadpoolctl import threadpool_limits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from keras_recipes.recipes.common.evaluation import prediction_measures


def baseline_models(task, seed=0):
    """The baseline estimators of a task, by display name."""
    if task == "regression":
        linear = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(),
                               RidgeCV(alphas=np.logspace(-3, 3, 25)))
        return {"RidgeCV": linear,
                "HistGradientBoostingRegressor": HistGradientBoostingRegressor(
                    random_state=seed)}
    linear = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(),
                           LogisticRegression(max_iter=2000))
    return {"LogisticRegression": linear,
            "HistGradientBoostingClassifier": HistGradientBoostingClassifier(
                random_state=seed)}


def feature_matrix(x):
    """The numeric features of recipe inputs as one 2-D float array.

    Images are flattened; a dict of CSV inputs keeps its `"numeric"` block
    (text columns are left to the Keras model).
    """
    if isinstance(x, dict):
        if "numeric" not in x:
            return None
        x = x["numeric"]
    x = np.asarray(x, dtype="float64")
    return x.reshape(len(x), -1)


def baseline_rows(dataset, seed=0):
    """Fits each baseline on the training split and scores it on the test split.

    Args:
        dataset: The recipe's `Dataset`.
        seed: Seed of the estimators that use one. Defaults to `0`.

    Returns:
        A list of dicts, one per baseline: `model`, the `test_*` measures
        and `fit_seconds`; empty when the inputs have no numeric block.
    """
    x_train, x_test = feature_matrix(dataset.x_train), feature_matrix(dataset.x_test)
    if x_train is None:
        return []
    rows = []
    for name, estimator in baseline_models(dataset.task, seed).items():
        started = time.perf_counter()
        # One thread: OpenMP and BLAS threads fighting TensorFlow's for the
        # same cores made these fits 20-30x slower on a busy 2-core machine.
        with threadpool_limits(limits=1):
            estimator.fit(x_train, dataset.y_train)
        seconds = time.perf_counter() - started
        if dataset.task == "regression":
            outputs = estimator.predict(x_test)
        else:
            outputs = estimator.predict_proba(x_test)
            outputs = outputs[:, 1:] if dataset.task == "binary" else outputs
        measures = prediction_measures(dataset, outputs)
        rows.append({"model": name, **measures, "fit_seconds": seconds})
    return rows


def baseline_key(model):
    """A baseline's metrics name: `HistGradientBoostingClassifier` is `hist_gradient_boosting`."""
    name = model.removesuffix("Classifier").removesuffix("Regressor")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()


def baseline_metrics(rows, measures, scope=None):
    """The `baseline_*` entries of `metrics.json` for baseline rows.

    Args:
        rows: Rows with a `model` name and the measures (see `baseline_rows`).
        measures: Keys of each row to copy; a key a row lacks is skipped.
        scope: A prefix such as a dataset name, for a recipe with several
            tables. Defaults to `None`.

    Returns:
        A dict `{"baseline_[<scope>_]<model>_<measure>": value}`, such as
        `baseline_logistic_regression_test_accuracy`.
    """
    prefix = f"baseline_{scope}_" if scope else "baseline_"
    return {f"{prefix}{baseline_key(row['model'])}_{measure}": row[measure]
            for row in rows for measure in measures if measure in row}


def add_baselines(report, dataset, measures, seed=0):
    """Adds the baseline table to a report and returns its rows."""
    rows = baseline_rows(dataset, seed)
    if rows:
        report.add_section(
            "scikit-learn baselines",
            "The same training and test rows, fitted by scikit-learn (one fit each; "
            "deterministic given the split).")
        report.add_table(rows, ["model", *[m for m in measures if m in rows[0]],
                                "fit_seconds"])
    return rows

"""A/B comparison of two trained models on the same test rows (`keras-recipes compare`).

Two finished runs of a tabular classification recipe (each with its
`config.json` and `model.keras`) are compared on the test split they share:
both saved models predict the same rows, and each headline metric's
difference (B - A) gets a paired bootstrap 95% interval (the test rows are
resampled, the same rows for both models). For accuracy, McNemar's exact
test looks at the rows where exactly one model is right: under "no
difference", each such row is a fair coin (scipy's `binomtest`).

This is the test of *two trained models*; it says nothing about the
configurations that produced them, because it ignores how much a result
moves with the training seed. To compare two configurations, train both
over several seeds and use the paired tests of the experiment engine (see
the `seed_stability` recipe).

The runs must be on the same data and split: their data settings
(`dataset`, `csv`, `target`, `drop`, `encoding`, `sep`, `na_values` and the
split `seed`) must agree, else the comparison is refused with a message
naming each difference.
"""

import hashlib
import os

import numpy as np

# Keras, scipy and scikit-learn are imported inside the functions, so that
# `keras-recipes list` does not load them through the CLI.

# The settings that decide the rows and the split of a tabular run.
DATA_SETTINGS = ("dataset", "csv", "target", "drop", "encoding", "sep", "na_values", "seed")
HEADLINE = ("test_accuracy", "test_loss", "test_f1", "test_roc_auc")


def load_run(path):
    """Reads a finished run directory: its recipe, config and saved model path.

    Raises:
        ValueError: If `path` is not a finished run of a tabular
            classification recipe (no `config.json`, no `model.keras`, or
            no data settings).
    """
    from keras_recipes.callbacks.atomic_files import read_json

    config_path = os.path.join(path, "config.json")
    if not os.path.isfile(config_path):
        raise ValueError(f"'{path}' is not a run directory: it has no config.json.")
    saved = read_json(config_path)
    model_path = os.path.join(path, "model.keras")
    if not os.path.isfile(model_path) or not os.path.isfile(os.path.join(path,
                                                                         "metrics.json")):
        raise ValueError(f"'{path}' is not a finished run: it has no model.keras and "
                         "metrics.json (was it interrupted?).")
    config = saved.get("config", {})
    missing = [key for key in DATA_SETTINGS if key not in config]
    if missing:
        raise ValueError(
            f"'{path}' is a run of {saved.get('recipe')!r}, which has no tabular data "
            f"settings ({', '.join(missing)}); compare needs runs of a tabular "
            "classification recipe such as tabular_classification.")
    return {"path": path, "recipe": saved.get("recipe"), "config": config,
            "model": model_path}


def data_differences(run_a, run_b):
    """Names each data or split setting on which two runs differ (empty if none)."""
    differences = []
    for key in DATA_SETTINGS:
        a, b = run_a["config"].get(key), run_b["config"].get(key)
        if a != b:
            differences.append(f"{key}: {a!r} (A) vs {b!r} (B)")
    return differences


def _digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def load_test_split(config):
    """Rebuilds the test split of a run from its data settings."""
    import types

    from keras_recipes.recipes.common.tabular import load_tabular_data

    settings = types.SimpleNamespace(**{"impute": None, "verbose": 0, **config})
    return load_tabular_data(settings, task="classification")


def mcnemar_exact(correct_a, correct_b):
    """McNemar's exact test on paired right/wrong outcomes.

    Args:
        correct_a: Booleans, whether model A is right on each row.
        correct_b: The same for model B, on the same rows.

    Returns:
        A dict: `a_only` (rows only A gets right), `b_only`, `p_value`
        (two-sided exact binomial test of `b_only` among the discordant
        rows at 1/2; 1 when there is none) and `test`.
    """
    from scipy import stats

    correct_a, correct_b = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    a_only = int(np.sum(correct_a & ~correct_b))
    b_only = int(np.sum(~correct_a & correct_b))
    discordant = a_only + b_only
    p_value = 1.0 if discordant == 0 else float(
        stats.binomtest(b_only, discordant, 0.5).pvalue)
    return {"a_only": a_only, "b_only": b_only, "p_value": p_value,
            "test": "McNemar's exact test"}


def paired_bootstrap(dataset, outputs_a, outputs_b, resamples=2000, seed=0,
                     metrics=HEADLINE):
    """Paired bootstrap of metric differences `B - A` over the test rows.

    Each resample draws the test rows with replacement and scores both
    models on the same drawn rows, so the interval accounts for the rows'
    shared difficulty.

    Args:
        dataset: The `Dataset` (its `y_test` and task).
        outputs_a: Model A's test probabilities.
        outputs_b: Model B's test probabilities.
        resamples: Number of bootstrap resamples. Defaults to `2000`.
        seed: Seed of the resampling. Defaults to `0`.
        metrics: Measures of `prediction_measures` to compare (accuracy,
            log loss, F1, ROC AUC). Defaults to the headline ones (those the
            task has).

    Returns:
        A list of dicts: `metric`, `a`, `b`, `difference`, `ci_low`,
        `ci_high` (percentile 95% interval), `resolved`.
    """
    from keras_recipes.recipes.common.evaluation import prediction_measures

    y = np.asarray(dataset.y_test)
    base_a = prediction_measures(dataset, outputs_a)
    base_b = prediction_measures(dataset, outputs_b)
    metrics = [m for m in metrics if m in base_a]
    scorers = _scorers(dataset.task)
    rng = np.random.default_rng(seed)
    draws = {metric: [] for metric in metrics}
    per_row = {name: [_per_row(name, y, o, dataset.task) for o in (outputs_a, outputs_b)]
               for name in ("test_accuracy", "test_loss")}
    for _ in range(resamples):
        rows = rng.integers(0, len(y), len(y))
        if len(np.unique(y[rows])) < 2:
            continue  # a resample with one class has no AUC or F1
        for metric in metrics:
            if metric in per_row:
                a, b = (values[rows].mean() for values in per_row[metric])
            else:
                a, b = (scorers[metric](y[rows], np.asarray(o)[rows])
                        for o in (outputs_a, outputs_b))
            draws[metric].append(b - a)
    results = []
    for metric in metrics:
        low, high = np.percentile(draws[metric], [2.5, 97.5])
        results.append({"metric": metric, "a": base_a[metric], "b": base_b[metric],
                        "difference": base_b[metric] - base_a[metric],
                        "ci_low": float(low), "ci_high": float(high),
                        "resolved": bool(low > 0 or high < 0)})
    return results


def _two_column(outputs, task):
    outputs = np.asarray(outputs, dtype="float64")
    if task == "binary":
        positive = outputs.reshape(-1)
        return np.stack([1 - positive, positive], axis=1)
    return outputs


def _per_row(metric, y, outputs, task):
    """Per-row correctness or log loss, whose mean is the metric (as prediction_measures)."""
    from keras_recipes.recipes.common.evaluation import predict_classes

    if metric == "test_accuracy":
        return (predict_classes(outputs, task) == y).astype("float64")
    clipped = np.clip(_two_column(outputs, task), 1e-7, 1)
    clipped = clipped / clipped.sum(axis=1, keepdims=True)
    return -np.log(clipped[np.arange(len(y)), y])


def _scorers(task):
    from sklearn import metrics as sk_metrics

    from keras_recipes.recipes.common.evaluation import predict_classes

    average = "binary" if task == "binary" else "macro"
    return {"test_f1": lambda y, o: sk_metrics.f1_score(
                y, predict_classes(o, task), average=average, zero_division=0),
            "test_roc_auc": lambda y, o: sk_metrics.roc_auc_score(y, np.reshape(o, -1))}


def verdict(differences, mcnemar, n_rows):
    """A sentence saying which model is better, and how sure that is."""
    accuracy = next(d for d in differences if d["metric"] == "test_accuracy")
    loss = next((d for d in differences if d["metric"] == "test_loss"), None)
    points = 100 * accuracy["difference"]
    interval = f"[{100 * accuracy['ci_low']:+.1f}, {100 * accuracy['ci_high']:+.1f}]"
    significant = mcnemar["p_value"] < 0.05
    if significant and accuracy["resolved"]:
        better = "B" if points > 0 else "A"
        text = (f"Model {better} is more accurate: B - A = {points:+.1f} points {interval} "
                f"(paired bootstrap 95%), McNemar p = {mcnemar['p_value']:.2g} on "
                f"{mcnemar['a_only'] + mcnemar['b_only']} discordant rows of {n_rows}: "
                "resolved.")
    else:
        text = (f"No resolved difference in accuracy: B - A = {points:+.1f} points "
                f"{interval}, McNemar p = {mcnemar['p_value']:.2g} (A alone right on "
                f"{mcnemar['a_only']} rows, B alone on {mcnemar['b_only']}); these "
                f"{n_rows} test rows cannot tell the two models apart.")
    if loss is not None and loss["resolved"]:
        lower = "B" if loss["difference"] < 0 else "A"
        text += (f" The log loss is resolved: model {lower} is lower by "
                 f"{abs(loss['difference']):.3g} [{loss['ci_low']:+.3g}, "
                 f"{loss['ci_high']:+.3g}].")
    return text + (" Two trained models only: train each configuration over several seeds "
                   "to compare the configurations.")


def compare_runs(path_a, path_b, out=None, resamples=2000, seed=0):
    """Compares the saved models of two runs on their shared test split.

    Args:
        path_a: Run directory of model A.
        path_b: Run directory of model B.
        out: Directory of the comparison's report; it must not exist or be
            empty (never overwritten). Defaults to `None`:
            `runs/compare-TIME`.
        resamples: Paired bootstrap resamples. Defaults to `2000`.
        seed: Seed of the bootstrap. Defaults to `0`.

    Returns:
        A dict: `out`, `differences`, `mcnemar`, `verdict` (also written to
        `OUT/comparison.json` and `OUT/report.md`).

    Raises:
        ValueError: If a directory is not a finished tabular run, or the two
            runs differ in data or split (the message names how), before
            anything is written.
    """
    import keras

    from keras_recipes.callbacks.atomic_files import write_json
    from keras_recipes.recipes.common.evaluation import predict_classes
    from keras_recipes.recipes.common.report import Report
    from keras_recipes.recipes.common.runs import create_run_dir
    from keras_recipes.recipes.common.runs import check_out_dir
    from keras_recipes.tuning import predict_all

    run_a, run_b = load_run(path_a), load_run(path_b)
    differences = data_differences(run_a, run_b)
    if differences:
        raise ValueError(
            "The two runs are not on the same data split, so their test rows differ and "
            f"cannot be paired. They differ in: {'; '.join(differences)}. Compare runs "
            "made with the same data flags and --seed.")
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 100:
        raise ValueError(f"The 'resamples' parameter must be an integer >= 100. "
                         f"Got {resamples!r} instead.")
    if out is not None:
        check_out_dir(out)
    dataset = load_test_split(run_a["config"])
    outputs = [predict_all(keras.saving.load_model(run["model"]), dataset.x_test)
               for run in (run_a, run_b)]
    shapes = {np.shape(o)[1:] for o in outputs}
    if len(shapes) != 1:
        raise ValueError(f"The two models predict different shapes ({sorted(shapes)}); "
                         "they were not trained on the same classes.")
    correct = [predict_classes(o, dataset.task) == dataset.y_test for o in outputs]
    mcnemar = mcnemar_exact(*correct)
    rows = paired_bootstrap(dataset, *outputs, resamples=resamples, seed=seed)
    sentence = verdict(rows, mcnemar, len(dataset.y_test))
    out = create_run_dir("compare", out)
    result = {"a": os.path.abspath(path_a), "b": os.path.abspath(path_b),
              "recipes": [run_a["recipe"], run_b["recipe"]], "test_rows": len(dataset.y_test),
              "data": {key: run_a["config"].get(key) for key in DATA_SETTINGS},
              "differences": rows, "mcnemar": mcnemar, "verdict": sentence,
              "resamples": resamples, "bootstrap_seed": seed}
    if run_a["config"].get("csv") and os.path.isfile(run_a["config"]["csv"]):
        result["csv_sha256"] = _digest(run_a["config"]["csv"])
    write_json(os.path.join(out, "comparison.json"), result)
    report = Report("A/B comparison of two trained models", out)
    report.add_text(f"A: `{result['a']}` ({run_a['recipe']})  \nB: `{result['b']}` "
                    f"({run_b['recipe']})  \n{dataset.describe()}; both models predict the "
                    f"same {len(dataset.y_test)} test rows.")
    report.add_section("Verdict", sentence)
    report.add_section("Paired differences (B - A)",
                       f"Paired bootstrap over the test rows ({resamples} resamples, "
                       "percentile 95% interval); *resolved* when the interval excludes 0.")
    report.add_table(rows)
    report.add_section("McNemar's exact test",
                       f"Rows where only A is right: {mcnemar['a_only']}; only B: "
                       f"{mcnemar['b_only']}; two-sided exact binomial p = "
                       f"{mcnemar['p_value']:.3g}.")
    report.write()
    result["out"] = out
    return result


def format_result(result):
    """The lines `keras-recipes compare` prints."""
    lines = [f"{row['metric']}: A {row['a']:.4g}, B {row['b']:.4g}, B - A "
             f"{row['difference']:+.4g} [{row['ci_low']:+.4g}, {row['ci_high']:+.4g}]"
             f"{' (resolved)' if row['resolved'] else ''}" for row in result["differences"]]
    mcnemar = result["mcnemar"]
    lines.append(f"McNemar: A alone right {mcnemar['a_only']}, B alone {mcnemar['b_only']}, "
                 f"p = {mcnemar['p_value']:.3g}")
    lines += [result["verdict"], f"Report: {os.path.join(result['out'], 'report.md')}"]
    return "\n".join(lines)


def add_compare_command(commands):
    """Adds `compare RUN_A RUN_B` to the `keras-recipes` subcommands."""
    comparing = commands.add_parser(
        "compare", help="A/B test of two finished tabular classification runs on their "
                        "shared test split.")
    comparing.add_argument("run_a", metavar="RUN_A", help="Run directory of model A.")
    comparing.add_argument("run_b", metavar="RUN_B", help="Run directory of model B.")
    comparing.add_argument("--out", default=None,
                           help="New directory for the report (never overwritten); "
                                "defaults to runs/compare-TIME.")
    comparing.add_argument("--resamples", type=int, default=2000,
                           help="Paired bootstrap resamples (default 2000).")
    comparing.add_argument("--seed", type=int, default=0,
                           help="Seed of the bootstrap (default 0).")
    comparing.set_defaults(handler=_compare)


def _compare(arguments):
    from keras_recipes.recipes.common.run_context import exit_on_error

    with exit_on_error("compare"):
        result = compare_runs(arguments.run_a, arguments.run_b, out=arguments.out,
                              resamples=arguments.resamples, seed=arguments.seed)
    print(format_result(result))
    return 0

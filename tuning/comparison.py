"""What an experiment measured: per-run rows, intervals over seeds, paired tests.

`run_experiment` returns a `Comparison`. Its numbers all come from the run
records, so a resumed or distributed experiment gives the same comparison
as an uninterrupted one. Every per-arm score is a mean with a Student-t 95%
interval over seeds; every difference is paired over the seeds two arms
share (`keras_recipes.tuning.statistics`).

The one metrics schema of every comparison (`comparison.to_metrics()`):

    experiment, reference, primary, seeds, best_arm, interval, test
    arms.<arm>.<measure>.{mean, std, ci_low, ci_high, n}
    differences.<arm>.<measure>.{mean, ci_low, ci_high, p_value, better, n, resolved}
"""

import math
import numbers

import numpy as np
import pandas as pd

from keras_recipes.tuning import run_records
from keras_recipes.tuning import statistics

_NOT_MEASURES = {"seed", "updates"}


def _format(value, digits=4):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}g}"


def format_interval(summary, digits=4):
    """Formats an interval dict as `"mean [low, high]"` (or the mean alone)."""
    if summary["n"] == 0:
        return "n/a"
    if summary["n"] == 1 or math.isnan(summary["ci_low"]):
        return _format(summary["mean"], digits)
    return (f"{_format(summary['mean'], digits)} "
            f"[{_format(summary['ci_low'], digits)}, {_format(summary['ci_high'], digits)}]")


class Comparison:
    """The runs of an experiment and the statistics drawn from them.

    Attributes:
        experiment: The `Experiment`.
        records: One record per run, arm by arm, seed by seed.
        directory: Where the records are.
    """

    def __init__(self, experiment, records, directory):
        self.experiment = experiment
        self.records = list(records)
        self.directory = directory

    @property
    def arms(self):
        """Arm names in table order."""
        return [arm.name for arm in self.experiment.arms]

    @property
    def reference(self):
        """The reference arm's name."""
        return self.experiment.reference

    @property
    def seeds(self):
        """The shared seeds."""
        return list(self.experiment.seeds)

    @property
    def rows(self):
        """One dict per run (what `runs.csv` holds)."""
        return [dict(record["row"]) for record in self.records]

    def frame(self):
        """The rows as a `pandas.DataFrame`."""
        return pd.DataFrame(self.rows)

    def measures(self):
        """Names of the numeric measures the rows hold, in row order."""
        settings = {key for arm in self.experiment.arms for key in arm.settings}
        names = {}
        for row in self.rows:
            for key, value in row.items():
                if key in _NOT_MEASURES or key in settings or isinstance(value, str):
                    continue
                if value is None or isinstance(value, numbers.Number):
                    names[key] = True
        return list(names)

    def histories(self, arm):
        """The per-epoch histories of an arm's runs, seed by seed."""
        return [r["history"] for r in self.records if r["row"]["arm"] == arm]

    def curves(self):
        """`{arm: [history, ...]}` for the figures."""
        return {arm: self.histories(arm) for arm in self.arms}

    def values(self, measure, arm):
        """An arm's values of a measure, in seed order (`None` where missing)."""
        by_seed = {r["row"]["seed"]: r["row"].get(measure) for r in self.records
                   if r["row"]["arm"] == arm}
        return [_as_float(by_seed.get(seed)) for seed in self.seeds]

    def summary(self, measure, arm):
        """Mean, std and 95% interval over seeds of one arm's measure."""
        return statistics.mean_interval(self.values(measure, arm))

    def difference(self, measure, arm, reference=None):
        """Paired difference `arm - reference` over the shared seeds."""
        reference = reference or self.reference
        return statistics.paired_difference(
            self.values(measure, arm), self.values(measure, reference),
            higher_is_better=not statistics.lower_is_better(measure))

    def best_arm(self, measure=None):
        """The arm with the best mean of `measure` (the experiment's primary)."""
        measure = measure or self.experiment.primary
        means = {arm: self.summary(measure, arm)["mean"] for arm in self.arms}
        means = {arm: m for arm, m in means.items() if not math.isnan(m)}
        if not means:
            return None
        pick = min if statistics.lower_is_better(measure) else max
        return pick(means, key=means.get)

    def summary_rows(self, measures, digits=4):
        """Table rows: the arm, its settings and `mean [95% CI]` per measure."""
        rows = []
        for arm in self.experiment.arms:
            row = {"arm": arm.name, **arm.settings}
            for measure in measures:
                row[measure] = format_interval(self.summary(measure, arm.name), digits)
            rows.append(row)
        return rows

    def difference_rows(self, measures, digits=3):
        """Table rows of every arm's paired difference against the reference."""
        rows = []
        for measure in measures:
            for arm in self.arms:
                if arm == self.reference:
                    continue
                d = self.difference(measure, arm)
                rows.append({
                    "arm": arm, "measure": measure,
                    f"difference vs {self.reference}": format_interval(d, digits),
                    "p_value": _format(d["p_value"], 2),
                    "seeds better": f"{d['better']} of {d['n']}",
                    "resolved": "yes" if d["resolved"] else "no",
                })
        return rows

    def verdicts(self, measure):
        """One sentence per arm saying whether its difference is resolved."""
        return [statistics.describe_difference(arm, self.reference, measure,
                                               self.difference(measure, arm))
                for arm in self.arms if arm != self.reference]

    def resolved(self, measure):
        """Arms whose difference from the reference on `measure` is resolved."""
        return [arm for arm in self.arms if arm != self.reference
                and self.difference(measure, arm)["resolved"]]

    def to_metrics(self, measures=None):
        """The comparison in the one metrics schema (see the module docstring).

        Args:
            measures: Measures whose paired differences are included.
                Defaults to `None`: the experiment's primary measure.
        """
        measures = list(measures or [self.experiment.primary])
        arms = {arm: {m: _clean(self.summary(m, arm)) for m in self.measures()}
                for arm in self.arms}
        differences = {
            arm: {m: _clean(self.difference(m, arm)) for m in measures}
            for arm in self.arms if arm != self.reference}
        return {"experiment": self.experiment.name, "reference": self.reference,
                "primary": self.experiment.primary, "seeds": self.seeds,
                "best_arm": self.best_arm(), "interval": statistics.INTERVAL_NAME,
                "test": statistics.TEST_NAME, "arms": arms,
                "differences": differences}

    def curves_frame(self):
        """The per-epoch curves of every run in long form (arm, seed, epoch, ...)."""
        frames = []
        for record in self.records:
            frame = pd.DataFrame(record["history"])
            frame.insert(0, "epoch", np.arange(1, len(frame) + 1))
            frame.insert(0, "seed", record["row"]["seed"])
            frame.insert(0, "arm", record["row"]["arm"])
            frame.insert(0, "experiment", self.experiment.name)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def model_path(self, arm, seed=None):
        """Path of a run's saved model (the experiment must save models)."""
        seed = self.seeds[0] if seed is None else seed
        return run_records.model_path(self.directory, arm, seed)


def _as_float(value):
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    return float(value) if isinstance(value, numbers.Number) else None


def _clean(summary):
    return {key: value for key, value in summary.items() if key not in ("test", "missing")}

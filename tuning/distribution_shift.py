"""Every distribution-shift check between two sets of rows, in one report.

`check_shift` runs the checks of this package on reference rows (the
training data) and new rows with the same columns, and says which fired at
level `alpha`:

- `feature_tests`: a KS (numeric) or chi-squared (categorical) test per
  column, Holm-corrected (`feature_shift_tests`); fires when any adjusted
  p-value is below `alpha`, and names the shifted columns;
- `psi`: the largest population stability index over the columns reaches
  `psi_threshold` (0.25, the "major shift" of the rule of thumb). PSI has
  no level and grows with sampling noise on small sets (about
  `(bins - 1) * (1 / n + 1 / m)` with no shift at all: 0.29 for 60 new
  rows against 63), so it is reported beside that expectation and counts
  in `detected` but not in `shift_found`;
- `domain_classifier`: the permutation p-value of a reference-vs-new
  classifier's cross-validated AUC is at most `alpha`
  (`domain_classifier_test`);
- `outputs`: the Holm-corrected KS p-value of the model's outputs is below
  `alpha` (`output_shift_test`), when outputs are given.

Example:

>>> report = check_shift(train_frame, new_frame, model.predict(x_val),
...                      model.predict(x_new))
>>> report.detected, report.shifted_features
({'feature_tests': True, 'psi': True, 'domain_classifier': True, 'outputs': False},
 ['age', 'income'])
>>> print(report.summary())
"""

import dataclasses
import typing

from keras_recipes.tuning.domain_classifier import domain_classifier_test
from keras_recipes.tuning.feature_shift import feature_shift_tests
from keras_recipes.tuning.output_shift import output_shift_test

CHECKS = ("feature_tests", "psi", "domain_classifier", "outputs")
PSI_THRESHOLD = 0.25
PSI_BINS = 10


@dataclasses.dataclass
class ShiftReport:
    """What the shift checks found.

    Attributes:
        features: One row per column (see `feature_shift_tests`).
        domain: The domain classifier's result, or `None` when skipped.
        outputs: The output test's result, or `None` without outputs.
        alpha: The level of the tests.
        psi_threshold: The PSI that counts as a shift.
        rows: `{"reference": n, "current": m}`.
    """

    features: list
    domain: typing.Optional[dict]
    outputs: typing.Optional[dict]
    alpha: float
    psi_threshold: float
    rows: dict

    @property
    def shifted_features(self):
        """Columns whose adjusted p-value is below `alpha`, most shifted first.

        Ordered by adjusted p-value, then (for p-values too small to tell
        apart) by PSI, largest first.
        """
        shifted = [row for row in self.features if row["shifted"]]
        return [row["feature"] for row in
                sorted(shifted, key=lambda row: (row["p_adjusted"], -row["psi"]))]

    @property
    def detected(self):
        """`{check: whether it fired}` for the checks that ran."""
        found = {"feature_tests": bool(self.shifted_features),
                 "psi": max(row["psi"] for row in self.features) >= self.psi_threshold}
        if self.domain is not None:
            found["domain_classifier"] = self.domain["p_value"] <= self.alpha
        if self.outputs is not None:
            found["outputs"] = self.outputs["p_value"] < self.alpha
        return found

    @property
    def shift_found(self):
        """Whether a test at level `alpha` fired (feature tests, domain classifier, outputs)."""
        return any(hit for name, hit in self.detected.items() if name != "psi")

    @property
    def psi_without_shift(self):
        """The PSI that sampling noise alone gives a numeric column at these sizes."""
        return (PSI_BINS - 1) * (1 / self.rows["reference"] + 1 / self.rows["current"])

    def summary(self, limit=10):
        """A few lines for a terminal: the verdict of each check, shifted columns first."""
        lines = [f"{self.rows['current']} new rows against {self.rows['reference']} "
                 f"reference rows; alpha {self.alpha:g}."]
        shifted = self.shifted_features
        by_name = {row["feature"]: row for row in self.features}
        if shifted:
            lines.append(f"Shifted features ({len(shifted)} of {len(self.features)}, most "
                         "shifted first):")
            for name in shifted[:limit]:
                row = by_name[name]
                unseen = f", unseen categories {row['unseen']}" if row.get("unseen") else ""
                lines.append(f"  {name}: {row['test']} {row['statistic']:.3g}, adjusted p "
                             f"{row['p_adjusted']:.2g}, PSI {row['psi']:.3g}{unseen}")
            if len(shifted) > limit:
                lines.append(f"  ... and {len(shifted) - limit} more")
        else:
            lines.append(f"No feature shifted (smallest adjusted p "
                         f"{min(r['p_adjusted'] for r in self.features):.2g}).")
        top = max(self.features, key=lambda row: row["psi"])
        lines.append(f"Largest PSI: {top['feature']} {top['psi']:.3g} (rule of thumb "
                     f"{self.psi_threshold:g}; about {self.psi_without_shift:.2g} expected "
                     "from sampling noise alone at these sizes).")
        if self.domain is not None:
            lines.append(f"Domain classifier: AUC {self.domain['auc']:.3f} (chance "
                         f"{self.domain['null_auc']:.3f}), permutation p "
                         f"{self.domain['p_value']:.2g}.")
        if self.outputs is not None:
            lines.append(f"Model outputs: KS {self.outputs['statistic']:.3g}, adjusted p "
                         f"{self.outputs['p_value']:.2g}.")
        fired = [name for name, hit in self.detected.items() if hit and name != "psi"]
        lines.append(f"Shift detected by: {', '.join(fired)}." if fired
                     else f"No test detected a shift at level {self.alpha:g}.")
        return "\n".join(lines)

    def to_dict(self):
        """The report as a JSON-friendly dict."""
        return {**dataclasses.asdict(self), "shifted_features": self.shifted_features,
                "detected": self.detected, "shift_found": self.shift_found,
                "psi_without_shift": self.psi_without_shift}


def check_shift(reference, current, reference_outputs=None, current_outputs=None,
                categorical=None, alpha=0.05, correction="holm",
                psi_threshold=PSI_THRESHOLD, domain_estimator="logistic",
                permutations=100, folds=5, seed=0):
    """Runs every shift check between reference rows and new rows.

    Args:
        reference: A `pandas.DataFrame` of reference rows (the training data).
        current: A `DataFrame` of new rows with the same columns.
        reference_outputs: The model's outputs on held-out reference rows
            (the validation split), or `None` to skip the output test.
            Defaults to `None`.
        current_outputs: The model's outputs on `current`. Defaults to `None`.
        categorical: Names of the categorical columns. Defaults to `None`:
            the non-numeric ones.
        alpha: Level of every test. Defaults to `0.05`.
        correction: `"holm"` or `"bh"`, over the feature tests. Defaults to
            `"holm"`.
        psi_threshold: The largest PSI that still counts as no shift is
            just below it. Defaults to `0.25`.
        domain_estimator: `"logistic"`, `"boosting"` or a scikit-learn
            classifier (see `domain_classifier_test`); `None` skips the
            domain classifier. Defaults to `"logistic"`.
        permutations: Permutations of the domain classifier's test.
            Defaults to `100`.
        folds: Its cross-validation folds. Defaults to `5`.
        seed: Seed of its folds and permutations. Defaults to `0`.

    Returns:
        A `ShiftReport`.

    Raises:
        ValueError: If the frames' columns differ, only one of the two
            outputs is given, or a setting is invalid (see the checks).
    """
    if (reference_outputs is None) != (current_outputs is None):
        raise ValueError("Give both 'reference_outputs' and 'current_outputs', or neither. "
                         f"Got only {'reference' if current_outputs is None else 'current'}"
                         "_outputs.")
    features = feature_shift_tests(reference, current, categorical, correction, alpha,
                                   PSI_BINS)
    domain = None if domain_estimator is None else domain_classifier_test(
        reference, current, categorical, domain_estimator, folds, permutations, seed)
    outputs = None if reference_outputs is None else output_shift_test(
        reference_outputs, current_outputs)
    return ShiftReport(features, domain, outputs, alpha, psi_threshold,
                       {"reference": len(reference), "current": len(current)})

"""Which LR-finder suggestion rule lands near the best rate of a grid?

For each dataset x optimizer pair (digits, breast_cancer, wine and diabetes;
Adam and SGD with momentum 0.9) the same MLP (2x64, batch 32) is trained:

1. through the learning-rate range test (`find_learning_rate`, from
   1e-7 to 10 over at most 100 mini-batches), and every rule of
   `lr_finder.SUGGESTION_RULES` is read off the test of seed 42 (the
   table) and off those of seeds 43, 44, ... (`--finder-seeds`, a row of
   passes that shows how much one range test moves a rule);
2. at a grid of rates, half a decade apart from 1e-4 to 1 (extended
   downwards while its lowest rate is best or every rate diverges), for 10 epochs
   with 3 seeds each, through the experiment engine. A rate is scored by
   its mean best validation loss over the seeds (what early stopping with
   restored weights keeps); a rate where any seed diverged is never best.

The table gives, per pair, the grid-best rate and each rule's ratio
`rule / best`; a rule passes a pair when the ratio lies within [1/3, 3].
Because the best of nine noisy means can win by luck on a flat landscape,
each cell is also starred when the grid rate nearest the suggestion is
resolvably worse than the best (paired t-test over the seeds).
The default rule of `LRFinder` (and so of `--lr auto`) is the one with
the most passes; `--strict` exits 1 when it misses a pair. Runs are recorded in `--store` (default: a temporary directory), so
a killed benchmark resumes there.

    python benchmarks/bench_lr_rules.py [--seeds 3] [--epochs 10] [--finder-seeds 3]
        [--store DIR] [--strict]
"""

import argparse
import dataclasses
import math
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_recipes.callbacks import find_learning_rate  # noqa: E402
from keras_recipes.callbacks.lr_finder import DEFAULT_RULE  # noqa: E402
from keras_recipes.callbacks.lr_finder import SUGGESTION_RULES  # noqa: E402
from keras_recipes.models import task_loss  # noqa: E402
from keras_recipes.recipes.common.datasets import load_dataset  # noqa: E402
from keras_recipes.recipes.common.tabular import build_tabular_model  # noqa: E402
from keras_recipes.models import add_target_scaling  # noqa: E402
from keras_recipes.tuning import Arm  # noqa: E402
from keras_recipes.tuning import Experiment  # noqa: E402
from keras_recipes.tuning import create_optimizer  # noqa: E402
from keras_recipes.tuning import fit_with_optimizer  # noqa: E402
from keras_recipes.tuning import run_experiment  # noqa: E402

DATASETS = ("digits", "breast_cancer", "wine", "diabetes")
OPTIMIZERS = ("adam", "momentum")
GRID = tuple(float(f"{rate:.2g}") for rate in 10 ** np.arange(-4.0, 0.01, 0.5))
TOLERANCE = 3.0


def within(suggestion, best):
    """Whether a suggestion lies within `TOLERANCE` of the grid-best rate, either way."""
    return bool(suggestion) and 1 / TOLERANCE <= suggestion / best <= TOLERANCE


def builder(dataset):
    def build():
        model = build_tabular_model(dataset, units=64, depth=2)
        if dataset.task == "regression":  # As the regression recipes do.
            model = add_target_scaling(model, dataset.y_train)
        return model
    return build


def range_test(dataset, optimizer, seed=42):
    keras.utils.set_random_seed(seed)
    model = builder(dataset)()
    model.compile(optimizer=create_optimizer(optimizer), loss=task_loss(dataset.task))
    _, finder = find_learning_rate(model, dataset.x_train, dataset.y_train, batch_size=32)
    return {rule: finder.suggestion(rule) for rule in SUGGESTION_RULES}


def grid_best(dataset, optimizer, seeds, epochs, store, grid=GRID):
    """The grid-best rate; the grid grows downwards while its lowest rate is best."""
    best, tied, scores = _grid_best(dataset, optimizer, seeds, epochs, store, grid)
    while best is None or best == grid[0]:
        grid = tuple(float(f"{grid[0] * 10 ** (-0.5 * k):.2g}") for k in (4, 3, 2, 1)) + grid
        best, tied, scores = _grid_best(dataset, optimizer, seeds, epochs, store, grid)
    return best, tied


def _grid_best(dataset, optimizer, seeds, epochs, store, grid):
    arms = [Arm(f"lr{rate:g}", lambda seed, rate=rate: fit_with_optimizer(
        builder(dataset), dataset, optimizer, rate, epochs=epochs, batch_size=32),
        {"learning_rate": rate}) for rate in grid]
    comparison = run_experiment(
        Experiment(f"{dataset.name}-{optimizer}", arms, seeds=seeds, primary="best_val_loss"),
        store, progress=False)
    scores = {}
    for arm in arms:
        values = comparison.values("best_val_loss", arm.name)
        diverged = any(comparison.values("diverged", arm.name))
        if not diverged and all(v is not None and math.isfinite(v) for v in values):
            scores[arm.settings["learning_rate"]] = float(np.mean(values))
    if not scores:
        return None, None, scores
    best = min(scores, key=scores.get)

    def tied(rate):
        """Whether the grid rate nearest `rate` is not resolvably worse than the best."""
        if not rate:
            return False
        nearest = min(grid, key=lambda g: abs(math.log(g / rate)))
        if nearest == best:
            return True
        if nearest not in scores:
            return False
        difference = comparison.difference("best_val_loss", f"lr{nearest:g}",
                                           reference=f"lr{best:g}")
        return not difference["resolved"]
    return best, tied, scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--finder-seeds", type=int, default=3,
                        help="Range tests per pair (seeds 42, 43, ...); the table "
                             "reads the first.")
    parser.add_argument("--store", default=None)
    parser.add_argument("--strict", action="store_true",
                        help="Exit 1 when the default rule misses a pair.")
    args = parser.parse_args()
    store = args.store or tempfile.mkdtemp(prefix="bench_lr_rules-")
    seeds = list(range(42, 42 + args.seeds))
    started, cpu = time.perf_counter(), time.process_time()
    rows, seed_passes = [], []
    for name in DATASETS:
        dataset = load_dataset(name, seed=42)
        dataset = dataclasses.replace(dataset, name=name)
        for optimizer in OPTIMIZERS:
            by_seed = [range_test(dataset, optimizer, seed)
                       for seed in range(42, 42 + args.finder_seeds)]
            suggestions = by_seed[0]
            best, tied = grid_best(dataset, optimizer, seeds, args.epochs, store)
            ratios = {rule: (s / best if s else math.nan) for rule, s in suggestions.items()}
            ties = {rule: tied(s) for rule, s in suggestions.items()}
            rows.append((name, optimizer, best, suggestions, ratios, ties))
            seed_passes.append({rule: [within(s[rule], best) for s in by_seed]
                                for rule in SUGGESTION_RULES})
            print(f"  {name} {optimizer}: grid best {best:g}, "
                  + ", ".join(f"{r} {v:.3g}" for r, v in ratios.items()), flush=True)

    print(f"\nEach rule's suggestion / grid-best rate (grid {GRID[0]:g}..{GRID[-1]:g}, "
          f"x{10 ** 0.5:.2f} apart; {len(seeds)} seeds x {args.epochs} epochs; "
          f"pass = within {TOLERANCE:g}x)\n")
    header = ["dataset", "optimizer", "grid best", *SUGGESTION_RULES]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, optimizer, best, suggestions, ratios, ties in rows:
        cells = [(f"{ratios[r]:.2g} ({suggestions[r]:.2g})" + ("" if ties[r] else " *"))
                 if suggestions[r] else "none" for r in SUGGESTION_RULES]
        print(f"| {name} | {optimizer} | {best:g} | " + " | ".join(cells) + " |")
    passed = {rule: sum(within(row[3][rule], row[2]) for row in rows) for rule in SUGGESTION_RULES}
    spread = {rule: float(np.exp(np.nanmean([abs(math.log(row[4][rule])) for row in rows
                                             if row[4][rule] > 0] or [math.inf])))
              for rule in SUGGESTION_RULES}
    print("| passes | | | " + " | ".join(f"{passed[r]}/{len(rows)}"
                                          for r in SUGGESTION_RULES) + " |")
    ties = {rule: sum(row[5][rule] for row in rows) for rule in SUGGESTION_RULES}
    tests = len(rows) * args.finder_seeds
    print(f"| passes, range tests of seeds 42-{41 + args.finder_seeds} | | | " + " | ".join(
        f"{sum(sum(row[r]) for row in seed_passes)}/{tests}" for r in SUGGESTION_RULES) + " |")
    print("| nearest grid rate tied with best | | | " + " | ".join(
        f"{ties[r]}/{len(rows)}" for r in SUGGESTION_RULES) + " |")
    print("| typical factor off | | | " + " | ".join(f"{spread[r]:.2f}x"
                                                     for r in SUGGESTION_RULES) + " |")
    print("\nCells: suggestion / grid best (the suggestion); * = the grid rate nearest the "
          "suggestion is resolvably worse than the best (paired t-test over the seeds).")
    print(f"\nDefault rule: {DEFAULT_RULE}: {passed[DEFAULT_RULE]}/{len(rows)} pairs within "
          f"{TOLERANCE:g}x. Wall {time.perf_counter() - started:.0f} s, CPU "
          f"{time.process_time() - cpu:.0f} s. Records: {store}")
    if args.strict and passed[DEFAULT_RULE] < len(rows):
        raise SystemExit(f"The default rule {DEFAULT_RULE!r} misses "
                         f"{len(rows) - passed[DEFAULT_RULE]} pair(s).")


if __name__ == "__main__":
    main()

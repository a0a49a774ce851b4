"""Ensembles of trained Keras models: averaging, majority vote, bagging, stacking.

An ensemble of `k` trained models is usually more accurate and better
calibrated than one of them, and its score moves less with the seed
(Lakshminarayanan et al., 2017, "deep ensembles"). This module turns
members into something a user can deploy:

- `average_ensemble`: one Functional Keras model whose output is the mean of
  the members' outputs (probabilities for classifiers, predictions for
  regression). It takes the same raw inputs as a member (arrays, or a dict
  with string columns), saves and reloads as one `.keras` file.
- `vote_ensemble`: the same for a classifiers' majority vote; its output is
  the share of members voting for each class.
- `bootstrap_indices` and `bagging_members`: members trained on bootstrap
  resamples of the training rows (bagging, Breiman 1996).
- `StackingEnsemble`: the members' out-of-fold probabilities feed a
  scikit-learn meta-learner (stacked generalisation, Wolpert 1992).

Deep ensembles need no helper (train the same builder with `k` seeds), and
snapshot ensembles come from `keras_recipes.callbacks.SnapshotEnsemble`.

Example:

```python
members = [train(seed) for seed in range(5)]
ensemble = average_ensemble(members)
ensemble.save("ensemble.keras")
probabilities = keras.saving.load_model("ensemble.keras").predict(x_test)
```
"""

import numbers

import keras
import numpy as np
from keras import ops

from keras_recipes.models.rows import take_rows


def _check_members(members, parameter="members"):
    members = list(members)
    if not members or not all(isinstance(m, keras.Model) for m in members):
        raise ValueError(
            f"The '{parameter}' parameter must be a non-empty list of Keras models. "
            f"Got {[type(m).__name__ for m in members] or members!r} instead.")
    first = _input_signature(members[0])
    for index, member in enumerate(members[1:], start=1):
        signature = _input_signature(member)
        if signature != first:
            raise ValueError(
                f"Every member must take the same inputs as the first. Member {index} "
                f"takes {signature}, member 0 takes {first}.")
    shapes = {tuple(_model_output(member).shape[1:]) for member in members}
    if len(shapes) != 1:
        raise ValueError(
            f"Every member must have the same output shape. Got {sorted(shapes)} instead.")
    return members


def _model_input(model):
    try:
        return model.input  # a Functional model's structure (a dict, say)
    except AttributeError:  # a Sequential model before its first call
        inputs = model.inputs
        return inputs[0] if len(inputs) == 1 else inputs


def _model_output(model):
    try:
        return model.output
    except AttributeError:
        outputs = model.outputs
        return outputs[0] if len(outputs) == 1 else outputs


def _input_name(tensor):
    # Keep the names a user gave (dict keys of tabular inputs); drop Keras's
    # automatic ones, which would clash with the ensemble's own tensors.
    return None if tensor.name.startswith("keras_tensor") else tensor.name


def _input_signature(model):
    return keras.tree.map_structure(
        lambda tensor: (_input_name(tensor), tuple(tensor.shape[1:]), str(tensor.dtype)),
        _model_input(model))


def _ensemble_inputs(member):
    return keras.tree.map_structure(
        lambda tensor: keras.Input(shape=tensor.shape[1:], dtype=tensor.dtype,
                                   name=_input_name(tensor)),
        _model_input(member))


def _member_outputs(members, inputs):
    # Each member is re-wrapped under a unique name: members built in fresh
    # Keras sessions often share a name ("functional"), which would collide
    # in the ensemble and in its saved file.
    return [keras.Model(_model_input(member), _model_output(member),
                        name=f"member_{index}")(inputs)
            for index, member in enumerate(members)]


def average_ensemble(members, name="average_ensemble"):
    """Builds one Keras model whose output is the mean of the members' outputs.

    The members keep their weights (they are shared, not copied); the
    returned Functional model takes exactly the inputs of a member, raw
    rows included when the members carry their own preprocessing, so it
    saves and reloads as one `.keras` file and predicts like the mean of
    the members' predictions. For classifiers the output is the mean
    probability (the deep-ensemble predictive distribution); for
    regression the mean prediction.

    Args:
        members: Trained Keras models with the same inputs (names, shapes,
            dtypes) and output shape. One member gives a model that
            predicts like it.
        name: Name of the ensemble model. Defaults to `"average_ensemble"`.

    Returns:
        An uncompiled `keras.Model`.

    Raises:
        ValueError: If `members` is empty, holds something other than Keras
            models, or the members differ in inputs or output shape.

    Example:

    >>> ensemble = average_ensemble([model_a, model_b, model_c])
    >>> ensemble.save("ensemble.keras")
    """
    members = _check_members(members)
    inputs = _ensemble_inputs(members[0])
    outputs = _member_outputs(members, inputs)
    output = outputs[0] if len(outputs) == 1 else keras.layers.Average(
        name="mean_of_members")(outputs)
    return keras.Model(inputs, output, name=name)


@keras.saving.register_keras_serializable(package="keras_recipes")
class MajorityVote(keras.layers.Layer):
    """Turns members' class probabilities into the share of votes per class.

    Each member votes for its most probable class (probability >= 0.5 for a
    single sigmoid output); the output is the fraction of members voting
    for each class (for a sigmoid output, the fraction voting positive).
    A tie goes to the class with the higher mean probability: a vote share
    is nudged by `1e-3` times the mean probability before renormalising.
    """

    def call(self, inputs):
        stacked = ops.stack(inputs, axis=0)  # (members, batch, classes)
        mean = ops.mean(stacked, axis=0)
        if stacked.shape[-1] == 1:
            votes = ops.mean(ops.cast(stacked >= 0.5, mean.dtype), axis=0)
            return ops.clip(votes + 1e-3 * (mean - 0.5), 0.0, 1.0)
        classes = stacked.shape[-1]
        votes = ops.mean(ops.one_hot(ops.argmax(stacked, axis=-1), classes,
                                     dtype=mean.dtype), axis=0)
        nudged = votes + 1e-3 * mean
        return nudged / ops.sum(nudged, axis=-1, keepdims=True)

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def vote_ensemble(members, name="vote_ensemble"):
    """Builds one Keras model that predicts the majority vote of classifiers.

    Like `average_ensemble`, but the output is the share of members voting
    for each class (`MajorityVote`): its argmax (or, for one sigmoid
    output, `output >= 0.5`) is the majority class. Vote shares are not
    calibrated probabilities; use `average_ensemble` when probabilities
    matter (log loss, calibration).

    Args:
        members: Trained Keras classifiers with the same inputs and output
            shape (softmax over classes, or one sigmoid unit).
        name: Name of the ensemble model. Defaults to `"vote_ensemble"`.

    Returns:
        An uncompiled `keras.Model`.

    Raises:
        ValueError: If `members` is empty or the members differ in inputs or
            output shape.
    """
    members = _check_members(members)
    inputs = _ensemble_inputs(members[0])
    outputs = _member_outputs(members, inputs)
    return keras.Model(inputs, MajorityVote(name="majority_vote")(outputs), name=name)


def bootstrap_indices(y, seed=0, stratify=True):
    """Draws one bootstrap resample of row indices (with replacement).

    Args:
        y: Training targets, one per row.
        seed: Seed of the draw. Defaults to `0`.
        stratify: Whether to resample within each class, so every class
            keeps its count (and no class can vanish from a small
            resample). Use `False` for regression. Defaults to `True`.

    Returns:
        A sorted int64 array of `len(y)` row indices; on average about 63%
        of the rows appear at least once.

    Raises:
        ValueError: If `y` is empty.
    """
    y = np.asarray(y)
    if len(y) == 0:
        raise ValueError("The 'y' parameter of bootstrap_indices must hold at least "
                         "one row. Got an empty array instead.")
    rng = np.random.default_rng(seed)
    if not stratify:
        return np.sort(rng.integers(0, len(y), len(y))).astype("int64")
    parts = [rng.choice(np.flatnonzero(y == label), size=int(np.sum(y == label)))
             for label in np.unique(y)]
    return np.sort(np.concatenate(parts)).astype("int64")


def bagging_members(train_member, x, y, count=5, seed=0, stratify=True):
    """Trains `count` members, each on its own bootstrap resample of the rows.

    Args:
        train_member: A function `train_member(x, y, seed) -> keras.Model`
            that builds and fits one member on the given rows.
        x: Training features (an array or a dict of arrays).
        y: Training targets.
        count: Number of members, an integer >= 1. Defaults to `5`.
        seed: Seed of the first member; member `i` uses `seed + i` for its
            resample and its training. Defaults to `0`.
        stratify: Whether to resample within each class (see
            `bootstrap_indices`). Defaults to `True`.

    Returns:
        The list of trained members.

    Raises:
        ValueError: If `count` is not a positive integer.
    """
    _check_count("count", count, 1)
    members = []
    for index in range(count):
        rows = bootstrap_indices(y, seed=seed + index, stratify=stratify)
        keras.utils.set_random_seed(seed + index)
        members.append(train_member(take_rows(x, rows), np.asarray(y)[rows], seed + index))
    return members


def predict_members(members, x):
    """Predicts `x` with each member in inference mode: `(members, rows, outputs)`."""
    inputs = keras.tree.map_structure(ops.convert_to_tensor, x)
    return np.stack([ops.convert_to_numpy(member(inputs, training=False))
                     for member in members])


class StackingEnsemble:
    """Stacked generalisation: a scikit-learn meta-learner on members' probabilities.

    Each base learner is trained `K` times, once per fold, on the other
    folds' rows, and predicts its held-out fold: the out-of-fold
    probabilities are honest (no row is scored by a model that saw it), and
    a meta-learner (by default scikit-learn's `LogisticRegression`) learns
    from them how to weigh and calibrate the learners. At prediction time
    each learner's `K` fold models are averaged, so no refit on all rows is
    needed. Folds come from the caller, so the one fold helper of the
    library (`keras_recipes.tuning.fold_indices`) decides them.

    Args:
        learners: A dict `{name: train(x, y, seed) -> keras.Model}` (or a
            list, named `learner_0`, ...) of base learners; each builds and
            fits one classifier on the rows it is given.
        folds: A list of `(train_indices, held_out_indices)` pairs covering
            every training row once as held out, such as
            `fold_indices(y_train, folds=5, seed=seed)`.
        meta_learner: A scikit-learn classifier with `fit` and
            `predict_proba`, or `None`. Defaults to `None`:
            `LogisticRegression(max_iter=2000)`.

    Raises:
        ValueError: If `learners` is empty or `folds` holds fewer than two
            folds.

    Example:

    >>> stack = StackingEnsemble({"mlp": train_mlp, "wide": train_wide},
    ...                          fold_indices(y_train, folds=5, seed=0))
    >>> stack.fit(x_train, y_train, seed=0).predict_proba(x_test).shape
    """

    def __init__(self, learners, folds, meta_learner=None):
        if not isinstance(learners, dict):
            learners = {f"learner_{i}": learner for i, learner in enumerate(learners)}
        if not learners:
            raise ValueError("The 'learners' parameter of StackingEnsemble must hold at "
                             "least one base learner. Got none instead.")
        folds = list(folds)
        if len(folds) < 2:
            raise ValueError("The 'folds' parameter of StackingEnsemble must hold at "
                             f"least 2 folds. Got {len(folds)} instead.")
        if meta_learner is None:
            from sklearn.linear_model import LogisticRegression

            meta_learner = LogisticRegression(max_iter=2000)
        self.learners = learners
        self.folds = folds
        self.meta_learner = meta_learner
        self.fold_models = {}
        self.out_of_fold = None

    def fit(self, x, y, seed=0):
        """Trains every learner on every fold, then the meta-learner.

        Args:
            x: Training features (an array or a dict of arrays).
            y: Training class indices.
            seed: Seed of the first fit; fold `k` of learner `j` uses
                `seed + k` (every learner sees the same folds). Defaults
                to `0`.

        Returns:
            `self`, with `fold_models` (name -> list of models) and
            `out_of_fold` (the meta-learner's training features).

        Raises:
            ValueError: If the folds do not hold out every row exactly once.
        """
        y = np.asarray(y)
        held_out = np.sort(np.concatenate([np.asarray(v) for _, v in self.folds]))
        if not np.array_equal(held_out, np.arange(len(y))):
            raise ValueError(
                "The 'folds' of StackingEnsemble must hold out each of the "
                f"{len(y)} training rows exactly once. Got {len(held_out)} held-out "
                "indices instead.")
        blocks = []
        for name, train in self.learners.items():
            models, oof = [], None
            for number, (train_rows, held_rows) in enumerate(self.folds):
                keras.utils.set_random_seed(seed + number)
                model = train(take_rows(x, train_rows), y[train_rows], seed + number)
                models.append(model)
                predicted = predict_members([model], take_rows(x, held_rows))[0]
                if oof is None:
                    oof = np.zeros((len(y), predicted.shape[-1]), dtype="float64")
                oof[held_rows] = predicted
            self.fold_models[name] = models
            blocks.append(oof)
        self.out_of_fold = self._features(blocks)
        self.meta_learner.fit(self.out_of_fold, y)
        return self

    def learner_probabilities(self, x):
        """Each learner's prediction of `x`: the mean of its fold models."""
        if not self.fold_models:
            raise ValueError("StackingEnsemble must be fitted (call fit) before it "
                             "predicts.")
        return {name: predict_members(models, x).mean(axis=0)
                for name, models in self.fold_models.items()}

    def predict_proba(self, x):
        """Probabilities of the meta-learner, `(rows, classes)` as scikit-learn gives."""
        blocks = list(self.learner_probabilities(x).values())
        return self.meta_learner.predict_proba(self._features(blocks))

    @staticmethod
    def _features(blocks):
        # Log-odds features: a linear meta-learner on logits can sharpen or
        # soften each learner, which it cannot do on probabilities.
        clipped = [np.clip(block, 1e-6, 1 - 1e-6) for block in blocks]
        return np.concatenate([np.log(b / (1 - b)) if b.shape[-1] == 1 else np.log(b)
                               for b in clipped], axis=1)


def _check_count(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"The '{name}' parameter must be an integer >= {minimum}. "
                         f"Got {value!r} instead.")

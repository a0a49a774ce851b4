"""Adversarial attacks on classifiers: FGSM, PGD and accuracy under attack.

An attack moves each input within a small ball around it (an L-inf box of
half-width `epsilon`, or an L2 ball of radius `epsilon`) in the direction
that raises the model's loss, and keeps it in the valid input range
(`clip_range`, `[0, 1]` for images). The fast gradient (sign) method takes
one step of size `epsilon`; projected gradient descent (PGD) starts at a
random point of the ball and takes `steps` smaller steps, projecting back
onto the ball after each. Gradients come from `input_gradients`, so the
attacks run on every backend; the model runs in inference mode.

`pgd` keeps, for each sample, the first iterate that the model gets wrong
(`keep_adversarial`): the attack then only ever gains from more steps, so
"more steps never make it weaker" holds exactly for a fixed start and step
size, and a curve that rises with the steps points at gradient masking
rather than at an unlucky last iterate.

Example:

>>> x_adversarial = pgd(model, x_test, y_test, epsilon=0.1, steps=10, seed=0)
>>> accuracy_under_attack(model, x_test, y_test, "pgd", epsilon=0.1)
0.42
"""

import numbers

import keras
import numpy as np

from keras_recipes.models.input_gradients import input_gradients
from keras_recipes.models.options import check_bool
from keras_recipes.models.options import check_choice
from keras_recipes.models.options import check_int

NORMS = ("linf", "l2")
ATTACKS = ("fgsm", "pgd")
# Step sizes relative to epsilon: FGSM with a random start (Wong et al.,
# "Fast is better than free", 2020) and PGD (Madry et al., 2018).
RANDOM_START_FGSM_STEP = 1.25
PGD_STEP = 2.5
_TINY = 1e-12


def fgsm(model, x, y, epsilon, *, norm="linf", random_start=False, step_size=None,
         clip_range=(0.0, 1.0), seed=None, loss=None):
    """Fast gradient method: one gradient step of the loss, within `epsilon`.

    With `norm="linf"` the step is `step_size * sign(gradient)` (FGSM);
    with `"l2"` it is `step_size * gradient / ||gradient||`. With
    `random_start` the step starts from a uniform point of the ball, the
    cheap adversarial-training attack of Wong et al. (2020).

    Args:
        model: A classifier (`keras.Model`) with one array input.
        x: Inputs, an array of shape `(batch, ...)`.
        y: Integer class labels of `x`.
        epsilon: Radius of the ball (half-width of the L-inf box), `>= 0`.
        norm: `"linf"` or `"l2"`. Defaults to `"linf"`.
        random_start: Whether to start from a random point of the ball.
            Defaults to `False`.
        step_size: Length of the step. Defaults to `None`: `epsilon`, or
            `1.25 * epsilon` with a random start.
        clip_range: `(low, high)` of valid inputs, or `None` for no
            clipping. Defaults to `(0.0, 1.0)`.
        seed: Seed of the random start. Defaults to `None`.
        loss: Loss to raise (see `input_gradients`). Defaults to `None`.

    Returns:
        The adversarial inputs, a `float32` NumPy array shaped like `x`.

    Raises:
        ValueError: If an argument is invalid (the message names it).

    Example:

    >>> x_adversarial = fgsm(model, x_test, y_test, epsilon=0.1)
    """
    if step_size is None:
        step_size = RANDOM_START_FGSM_STEP * epsilon if random_start else epsilon
    return pgd(model, x, y, epsilon, steps=1, step_size=step_size, norm=norm,
               random_start=random_start, clip_range=clip_range, seed=seed,
               loss=loss, keep_adversarial=False)


def pgd(model, x, y, epsilon, *, steps=10, step_size=None, norm="linf", random_start=True,
        clip_range=(0.0, 1.0), seed=None, loss=None, keep_adversarial=True):
    """Projected gradient descent on the loss, within `epsilon` of `x`.

    From `x` (or a uniform random point of the ball), `steps` times: a step
    up the loss gradient (its sign for L-inf, its direction for L2), then
    the projection back onto the ball and into `clip_range`.

    Args:
        model: A classifier (`keras.Model`) with one array input.
        x: Inputs, an array of shape `(batch, ...)`.
        y: Integer class labels of `x`.
        epsilon: Radius of the ball (half-width of the L-inf box), `>= 0`.
        steps: Number of gradient steps, `>= 1`. Defaults to `10`.
        step_size: Length of each step. Defaults to `None`:
            `2.5 * epsilon / steps`.
        norm: `"linf"` or `"l2"`. Defaults to `"linf"`.
        random_start: Whether to start from a uniform random point of the
            ball. Defaults to `True`.
        clip_range: `(low, high)` of valid inputs, or `None` for no
            clipping. Defaults to `(0.0, 1.0)`.
        seed: Seed of the random start; the same seed gives the same start.
            Defaults to `None`.
        loss: Loss to raise (see `input_gradients`). Defaults to `None`.
        keep_adversarial: Whether a sample that some step makes
            misclassified keeps that step's input (so more steps never lower
            the attack's success); otherwise the last iterate is returned.
            Defaults to `True`.

    Returns:
        The adversarial inputs, a `float32` NumPy array shaped like `x`.

    Raises:
        ValueError: If an argument is invalid (the message names it).

    Example:

    >>> x_adversarial = pgd(model, x_test, y_test, epsilon=2.0, norm="l2", seed=0)
    """
    settings = check_attack_settings(epsilon, steps, step_size, norm, clip_range)
    epsilon, steps, norm, clip_range = (settings[k] for k in
                                        ("epsilon", "steps", "norm", "clip_range"))
    step_size = PGD_STEP * epsilon / steps if step_size is None else settings["step_size"]
    check_bool("random_start", random_start)
    check_bool("keep_adversarial", keep_adversarial)
    x = np.asarray(x, dtype="float32")
    y = np.asarray(y)
    x_adversarial = x
    if random_start:
        noise = random_ball(x.shape, epsilon, norm, np.random.default_rng(seed))
        x_adversarial = _to_numpy(project(x + noise, x, epsilon, norm, clip_range))
    found = np.zeros(len(x), dtype=bool)
    kept = x_adversarial.copy()
    for _ in range(steps):
        gradients = input_gradients(model, x_adversarial, y, loss=loss)
        x_adversarial = _to_numpy(project(
            ascent_step(x_adversarial, gradients, step_size, norm), x, epsilon, norm,
            clip_range))
        if keep_adversarial:
            wrong = predicted_labels(model, x_adversarial) != y
            kept[wrong & ~found] = x_adversarial[wrong & ~found]
            found |= wrong
    return np.where(_per_sample(found, x), kept, x_adversarial)


def accuracy_under_attack(model, x, y, attack="pgd", epsilon=0.1, *, batch_size=512,
                          **attack_options):
    """Returns the model's accuracy on adversarial versions of `x`.

    Args:
        model: A classifier (`keras.Model`) with one array input.
        x: Inputs, an array of shape `(batch, ...)`.
        y: Integer class labels of `x`.
        attack: `"fgsm"` or `"pgd"`. Defaults to `"pgd"`.
        epsilon: Size of the attack; `0` gives the clean accuracy.
            Defaults to `0.1`.
        batch_size: Samples attacked at a time (bounds the memory).
            Defaults to `512`.
        **attack_options: Options of the attack (`norm`, `steps`,
            `step_size`, `random_start`, `clip_range`, `seed`, `loss`).

    Returns:
        The accuracy, a float in `[0, 1]`.

    Raises:
        ValueError: If `attack` or an option is invalid.

    Example:

    >>> accuracy_under_attack(model, x_test, y_test, "fgsm", epsilon=0.05)
    0.61
    """
    function = {"fgsm": fgsm, "pgd": pgd}[check_choice("attack", attack, ATTACKS)]
    batch_size = check_int("batch_size", batch_size, 1)
    x, y = np.asarray(x, dtype="float32"), np.asarray(y)
    correct = 0
    for start in range(0, len(y), batch_size):
        rows = slice(start, start + batch_size)
        x_adversarial = function(model, x[rows], y[rows], epsilon, **attack_options)
        correct += int(np.sum(predicted_labels(model, x_adversarial) == y[rows]))
    return correct / len(y)


def robustness_curve(model, x, y, epsilons, attack="pgd", **options):
    """Returns the accuracy under attack at each of several sizes.

    Args:
        model: A classifier (`keras.Model`) with one array input.
        x: Inputs, an array of shape `(batch, ...)`.
        y: Integer class labels of `x`.
        epsilons: The attack sizes, such as `[0, 0.05, 0.1, 0.2]`.
        attack: `"fgsm"` or `"pgd"`. Defaults to `"pgd"`.
        **options: Options of `accuracy_under_attack` and the attack.

    Returns:
        A dict `{epsilon: accuracy}` in the order of `epsilons`.

    Raises:
        ValueError: If `epsilons` is empty or an option is invalid.

    Example:

    >>> robustness_curve(model, x_test, y_test, [0.0, 0.1, 0.3], "fgsm")
    {0.0: 0.97, 0.1: 0.52, 0.3: 0.04}
    """
    epsilons = [float(e) for e in np.atleast_1d(epsilons)]
    if not epsilons:
        raise ValueError("The 'epsilons' parameter must hold at least one attack size. "
                         "Received: epsilons=[]")
    return {epsilon: accuracy_under_attack(model, x, y, attack, epsilon, **options)
            for epsilon in epsilons}


def predicted_labels(model, x):
    """Returns the class each row of `x` is given (argmax, or > 0.5 for one unit)."""
    outputs = keras.ops.convert_to_numpy(model(keras.ops.convert_to_tensor(x),
                                               training=False))
    if outputs.shape[-1] == 1:
        return (outputs[..., 0] > 0.5).astype("int64")
    return np.argmax(outputs, axis=-1)


def check_attack_settings(epsilon, steps=1, step_size=None, norm="linf",
                          clip_range=(0.0, 1.0)):
    """Validates the settings an attack shares, before any gradient is taken.

    Returns:
        A dict of the validated settings.

    Raises:
        ValueError: If a setting is invalid; the message names it.
    """
    for name, value in (("epsilon", epsilon), ("step_size", step_size)):
        if value is None and name == "step_size":
            continue
        if (isinstance(value, bool) or not isinstance(value, numbers.Real)
                or not np.isfinite(value) or value < 0):
            raise ValueError(f"The '{name}' parameter must be a finite number >= 0. "
                             f"Received: {name}={value!r}")
    if clip_range is not None and (
            len(clip_range) != 2 or not all(isinstance(v, numbers.Real) for v in clip_range)
            or not clip_range[0] < clip_range[1]):
        raise ValueError("The 'clip_range' parameter must be None or (low, high) with "
                         f"low < high. Received: clip_range={clip_range!r}")
    return {"epsilon": float(epsilon), "steps": check_int("steps", steps, 1),
            "step_size": None if step_size is None else float(step_size),
            "norm": check_choice("norm", norm, NORMS),
            "clip_range": None if clip_range is None else tuple(map(float, clip_range))}


def ascent_step(x, gradients, step_size, norm):
    """One step up the gradient: its sign (L-inf) or its direction (L2).

    Works on NumPy arrays and backend tensors alike; returns a tensor.
    """
    x = keras.ops.convert_to_tensor(x)
    if norm == "linf":
        return x + step_size * keras.ops.sign(gradients)
    return x + step_size * gradients / (_l2_norms(gradients) + _TINY)


def project(x_adversarial, x, epsilon, norm, clip_range):
    """Projects onto the `epsilon` ball around `x`, then into `clip_range`.

    Works on NumPy arrays and backend tensors alike; returns a tensor.
    """
    delta = keras.ops.subtract(x_adversarial, x)
    if norm == "linf":
        delta = keras.ops.clip(delta, -epsilon, epsilon)
    else:
        delta = delta * keras.ops.minimum(1.0, epsilon / (_l2_norms(delta) + _TINY))
    projected = keras.ops.add(x, delta)
    if clip_range is not None:
        projected = keras.ops.clip(projected, clip_range[0], clip_range[1])
    return projected


def random_ball(shape, epsilon, norm, rng):
    """Uniform random points of the `epsilon` ball (NumPy), one per sample."""
    if norm == "linf":
        return rng.uniform(-epsilon, epsilon, size=shape).astype("float32")
    directions = rng.normal(size=shape)
    directions /= np.linalg.norm(directions.reshape(shape[0], -1), axis=1).reshape(
        (-1,) + (1,) * (len(shape) - 1)) + _TINY
    dimensions = int(np.prod(shape[1:]))
    radii = epsilon * rng.uniform(size=(shape[0],) + (1,) * (len(shape) - 1)) ** (
        1.0 / dimensions)
    return (directions * radii).astype("float32")


def _to_numpy(values):
    return np.asarray(keras.ops.convert_to_numpy(values), dtype="float32")


def _l2_norms(values):
    axes = tuple(range(1, len(values.shape)))
    return keras.ops.sqrt(keras.ops.sum(keras.ops.square(values), axis=axes, keepdims=True))


def _per_sample(mask, x):
    return mask.reshape((-1,) + (1,) * (x.ndim - 1))

"""Adversarial training: fit a classifier on attacked versions of each batch."""

import keras

from keras_recipes.models.adversarial import ascent_step
from keras_recipes.models.adversarial import check_attack_settings
from keras_recipes.models.adversarial import project
from keras_recipes.models.adversarial import PGD_STEP
from keras_recipes.models.adversarial import RANDOM_START_FGSM_STEP
from keras_recipes.models.input_gradients import summed_loss
from keras_recipes.models.input_gradients import tensor_gradients
from keras_recipes.models.options import check_bool
from keras_recipes.models.options import check_choice

TRAINING_ATTACKS = ("fgsm", "pgd")


@keras.saving.register_keras_serializable(package="keras_recipes")
class AdversarialTraining(keras.Model):
    """Wraps a classifier so that `fit` trains it on adversarial batches.

    Each training batch is attacked with the weights of that very step,
    inside the compiled train step (a `tf.function`, a `jax.jit` step or a
    PyTorch step), and the loss is taken on the attacked inputs:
    `(1 - adversarial_weight) * clean loss + adversarial_weight *
    adversarial loss`. It overrides `compute_loss`, the hook Keras gives
    every backend's trainer, so plain `model.fit` (with `steps_per_execution`,
    callbacks and validation) works unchanged; validation and `evaluate`
    score clean inputs, and the training metrics are on clean inputs too.

    - `attack="fgsm"`: one step from a uniform random point of the ball,
      of size `1.25 * epsilon` (FGSM with random start, Wong et al. 2020):
      about twice the cost of a clean step.
    - `attack="pgd"`: `steps` projected steps of `2.5 * epsilon / steps`
      from a random start (Madry et al. 2018): about `steps + 1` times the
      cost of a clean step.

    The attack runs the model in inference mode (dropout off, batch
    normalisation on its moving statistics); the loss on the attacked
    batch is then computed in training mode.

    Args:
        model: The classifier to train (a `keras.Model` with one array
            input); it is the model to save, evaluate and attack afterwards.
        attack: `"fgsm"` or `"pgd"`. Defaults to `"fgsm"`.
        epsilon: Size of the attack (see `norm`), `>= 0`. Defaults to `0.1`.
        norm: `"linf"` or `"l2"`. Defaults to `"linf"`.
        steps: PGD steps (FGSM always takes one). Defaults to `7`.
        step_size: Length of each step. Defaults to `None`: `1.25 *
            epsilon` for FGSM, `2.5 * epsilon / steps` for PGD.
        random_start: Whether the attack starts from a uniform random point
            of the ball. Defaults to `True`.
        adversarial_weight: Weight of the adversarial loss in `[0, 1]`; the
            clean loss gets the rest (`1.0` trains on attacked inputs only,
            `0.5` is the mix of Goodfellow et al. 2015). Defaults to `1.0`.
        clip_range: `(low, high)` of valid inputs, or `None`. Defaults to
            `(0.0, 1.0)`.
        seed: Seed of the random starts. Defaults to `None`.
        **kwargs: Arguments of `keras.Model` (`name`).

    Raises:
        ValueError: If an argument is invalid (the message names it).
        TypeError: If `model` is not a `keras.Model`.

    Example:

    >>> trainer = AdversarialTraining(build_cnn((8, 8, 1), "multiclass", 10),
    ...                               attack="pgd", epsilon=0.1, steps=5)
    >>> trainer.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    >>> trainer.fit(x_train, y_train, epochs=10, validation_data=(x_val, y_val))
    >>> robust_model = trainer.model
    """

    def __init__(self, model, attack="fgsm", epsilon=0.1, norm="linf", steps=7,
                 step_size=None, random_start=True, adversarial_weight=1.0,
                 clip_range=(0.0, 1.0), seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(model, keras.Model):
            raise TypeError("The 'model' parameter of AdversarialTraining must be a "
                            f"keras.Model. Received: {type(model).__name__}")
        attack = check_choice("attack", attack, TRAINING_ATTACKS)
        settings = check_attack_settings(epsilon, steps, step_size, norm, clip_range)
        if (isinstance(adversarial_weight, bool)
                or not isinstance(adversarial_weight, (int, float))
                or not 0 <= adversarial_weight <= 1):
            raise ValueError("The 'adversarial_weight' parameter must be a number in "
                             f"[0, 1]. Received: adversarial_weight={adversarial_weight!r}")
        self.model = model
        self.attack = attack
        self.epsilon = settings["epsilon"]
        self.norm = settings["norm"]
        self.steps = settings["steps"] if attack == "pgd" else 1
        self.step_size = settings["step_size"]
        self.random_start = check_bool("random_start", random_start)
        self.adversarial_weight = float(adversarial_weight)
        self.clip_range = settings["clip_range"]
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def resolved_step_size(self):
        """The step length the attack takes."""
        if self.step_size is not None:
            return self.step_size
        if self.attack == "pgd":
            return PGD_STEP * self.epsilon / self.steps
        return (RANDOM_START_FGSM_STEP if self.random_start else 1.0) * self.epsilon

    def call(self, inputs, training=None):
        return self.model(inputs, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if not training or self.adversarial_weight == 0:
            return super().compute_loss(x, y, y_pred, sample_weight, training=training)
        x_adversarial = keras.ops.stop_gradient(self.perturb(x, y))
        loss = super().compute_loss(x_adversarial, y, self.model(x_adversarial, training=True),
                                    sample_weight, training=training)
        if self.adversarial_weight == 1:
            return loss
        clean = super().compute_loss(x, y, y_pred, sample_weight, training=training)
        return (1 - self.adversarial_weight) * clean + self.adversarial_weight * loss

    def perturb(self, x, y):
        """Returns the attacked batch (backend tensors), as `fit` trains on it."""
        objective = summed_loss(self)
        targets = keras.ops.convert_to_tensor(y)
        x = keras.ops.convert_to_tensor(x, dtype="float32")
        x_adversarial = x
        if self.random_start:
            x_adversarial = project(x + self._random_ball(x), x, self.epsilon, self.norm,
                                    self.clip_range)
        for _ in range(self.steps):
            gradients = tensor_gradients(
                lambda inputs: objective(self.model(inputs, training=False), targets),
                x_adversarial)
            x_adversarial = project(
                ascent_step(x_adversarial, gradients, self.resolved_step_size, self.norm),
                x, self.epsilon, self.norm, self.clip_range)
        return x_adversarial

    def _random_ball(self, x):
        shape = keras.ops.shape(x)
        if self.norm == "linf":
            return keras.random.uniform(shape, -self.epsilon, self.epsilon,
                                        seed=self.seed_generator)
        directions = keras.random.normal(shape, seed=self.seed_generator)
        axes = tuple(range(1, len(x.shape)))
        directions = directions / (keras.ops.sqrt(keras.ops.sum(
            keras.ops.square(directions), axis=axes, keepdims=True)) + 1e-12)
        dimensions = 1
        for size in x.shape[1:]:
            dimensions *= int(size)
        radius_shape = (shape[0],) + (1,) * (len(x.shape) - 1)
        radii = keras.random.uniform(radius_shape, seed=self.seed_generator)
        return directions * self.epsilon * radii ** (1.0 / dimensions)

    def get_config(self):
        return {
            **super().get_config(),
            "model": keras.saving.serialize_keras_object(self.model),
            "attack": self.attack, "epsilon": self.epsilon, "norm": self.norm,
            "steps": self.steps, "step_size": self.step_size,
            "random_start": self.random_start,
            "adversarial_weight": self.adversarial_weight,
            "clip_range": self.clip_range, "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["model"] = keras.saving.deserialize_keras_object(config["model"])
        return cls(**config)

import keras
import numpy as np
import pytest
from sklearn.datasets import load_digits

from keras_recipes.models import AdversarialTraining
from keras_recipes.models import accuracy_under_attack
from keras_recipes.models import fgsm
from keras_recipes.models import pgd
from keras_recipes.models import robustness_curve
from keras_recipes.models.adversarial import predicted_labels

EPSILONS = [0.0, 0.05, 0.1, 0.2]


def digits_rows():
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    rows = np.random.default_rng(0).permutation(len(x))
    train, test = rows[:600], rows[600:800]
    return x[train], digits.target[train], x[test], digits.target[test]


def small_mlp():
    inputs = keras.Input((64,))
    hidden = keras.layers.Dense(32, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden))


def train(model, x, y, epochs=12):
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    return model


@pytest.fixture(scope="module")
def digits():
    return digits_rows()


@pytest.fixture(scope="module")
def classifier(digits):
    keras.utils.set_random_seed(0)
    return train(small_mlp(), digits[0], digits[1])


@pytest.mark.parametrize("attack", [fgsm, pgd])
@pytest.mark.parametrize("norm,epsilon", [("linf", 0.1), ("l2", 1.0)])
def test_attacks_stay_in_the_ball_and_the_valid_range(classifier, digits, attack, norm,
                                                      epsilon):
    x, y = digits[2][:50], digits[3][:50]
    x_adversarial = attack(classifier, x, y, epsilon, norm=norm, seed=0)
    delta = (x_adversarial - x).reshape(len(x), -1)
    sizes = np.abs(delta).max(axis=1) if norm == "linf" else np.linalg.norm(delta, axis=1)
    assert x_adversarial.shape == x.shape and x_adversarial.dtype == np.float32
    assert np.all(sizes <= epsilon + 1e-5) and np.any(sizes > 0.5 * epsilon)
    assert x_adversarial.min() >= 0.0 and x_adversarial.max() <= 1.0


def test_zero_epsilon_gives_the_clean_accuracy(classifier, digits):
    x, y = digits[2], digits[3]
    clean = float(np.mean(predicted_labels(classifier, x) == y))
    assert clean > 0.85
    assert accuracy_under_attack(classifier, x, y, "pgd", 0.0, seed=0) == clean
    assert accuracy_under_attack(classifier, x, y, "fgsm", 0.0) == clean


@pytest.mark.parametrize("norm,epsilons", [("linf", EPSILONS), ("l2", [0.0, 0.5, 1.0, 2.0])])
def test_pgd_is_at_least_as_strong_as_fgsm_at_every_epsilon(classifier, digits, norm,
                                                            epsilons):
    x, y = digits[2], digits[3]
    with_fgsm = robustness_curve(classifier, x, y, epsilons, "fgsm", norm=norm)
    with_pgd = robustness_curve(classifier, x, y, epsilons, "pgd", norm=norm, seed=0)
    assert all(with_pgd[e] <= with_fgsm[e] for e in epsilons), (with_pgd, with_fgsm)
    accuracies = list(with_pgd.values())
    assert accuracies == sorted(accuracies, reverse=True)  # Falls as epsilon grows.
    assert with_pgd[epsilons[-1]] < with_pgd[0.0] - 0.3


def test_accuracy_falls_to_chance_at_a_large_epsilon(classifier, digits):
    x, y = digits[2], digits[3]
    assert accuracy_under_attack(classifier, x, y, "pgd", 0.5, seed=0) <= 0.1
    assert accuracy_under_attack(classifier, x, y, "pgd", 8.0, norm="l2", seed=0) <= 0.1


@pytest.mark.parametrize("norm,epsilon,step_size", [("linf", 0.1, 0.02), ("l2", 1.0, 0.2)])
def test_more_pgd_steps_never_make_the_attack_weaker(classifier, digits, norm, epsilon,
                                                     step_size):
    x, y = digits[2], digits[3]
    accuracies = [accuracy_under_attack(classifier, x, y, "pgd", epsilon, norm=norm,
                                        steps=steps, step_size=step_size, seed=3)
                  for steps in (1, 3, 10)]
    assert accuracies == sorted(accuracies, reverse=True), accuracies
    assert accuracies[-1] < accuracies[0]


def test_the_same_seed_gives_the_same_random_start(classifier, digits):
    x, y = digits[2][:20], digits[3][:20]
    first = pgd(classifier, x, y, 0.1, steps=2, seed=7)
    np.testing.assert_array_equal(first, pgd(classifier, x, y, 0.1, steps=2, seed=7))
    assert not np.array_equal(first, pgd(classifier, x, y, 0.1, steps=2, seed=8))


def test_bad_attack_settings_are_refused(classifier, digits):
    x, y = digits[2][:5], digits[3][:5]
    for options, match in (({"epsilon": -0.1}, "epsilon=-0.1"),
                           ({"epsilon": 0.1, "norm": "l1"}, "norm='l1'"),
                           ({"epsilon": 0.1, "steps": 0}, "steps=0"),
                           ({"epsilon": 0.1, "clip_range": (1, 0)}, "clip_range")):
        with pytest.raises(ValueError, match=match):
            pgd(classifier, x, y, **options)
    with pytest.raises(ValueError, match="attack='cw'"):
        accuracy_under_attack(classifier, x, y, "cw", 0.1)
    with pytest.raises(ValueError, match="epsilons"):
        robustness_curve(classifier, x, y, [])


@pytest.mark.parametrize("attack,norm,epsilon", [("fgsm", "linf", 0.1), ("pgd", "l2", 1.0)])
def test_training_perturbations_stay_in_the_ball(digits, attack, norm, epsilon):
    trainer = AdversarialTraining(small_mlp(), attack=attack, epsilon=epsilon, norm=norm,
                                  steps=3, seed=0)
    trainer.compile("adam", "sparse_categorical_crossentropy")
    x, y = digits[0][:32], digits[1][:32]
    x_adversarial = keras.ops.convert_to_numpy(trainer.perturb(x, y))
    delta = (x_adversarial - x).reshape(len(x), -1)
    sizes = np.abs(delta).max(axis=1) if norm == "linf" else np.linalg.norm(delta, axis=1)
    assert np.all(sizes <= epsilon + 1e-5) and np.any(sizes > 0.5 * epsilon)
    assert x_adversarial.min() >= 0.0 and x_adversarial.max() <= 1.0


def test_zero_adversarial_weight_trains_like_plain_fit(digits):
    x, y = digits[0][:256], digits[1][:256]
    keras.utils.set_random_seed(1)
    plain = train(small_mlp(), x, y, epochs=2)
    keras.utils.set_random_seed(1)
    trainer = train(AdversarialTraining(small_mlp(), epsilon=0.1, adversarial_weight=0.0),
                    x, y, epochs=2)
    for ours, theirs in zip(trainer.model.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_adversarial_training_raises_accuracy_under_attack(classifier, digits):
    x_train, y_train, x_test, y_test = digits
    keras.utils.set_random_seed(0)
    trainer = train(AdversarialTraining(small_mlp(), attack="fgsm", epsilon=0.1, seed=0),
                    x_train, y_train)
    plain = accuracy_under_attack(classifier, x_test, y_test, "pgd", 0.1, seed=0)
    robust = accuracy_under_attack(trainer.model, x_test, y_test, "pgd", 0.1, seed=0)
    assert robust > plain + 0.05, (robust, plain)


def test_adversarial_training_saves_and_reloads(tmp_path, digits):
    trainer = AdversarialTraining(small_mlp(), attack="pgd", epsilon=0.2, steps=2, seed=4)
    trainer.compile("adam", "sparse_categorical_crossentropy")
    trainer.fit(digits[0][:64], digits[1][:64], epochs=1, verbose=0)
    path = str(tmp_path / "trainer.keras")
    trainer.save(path)
    loaded = keras.saving.load_model(path)
    assert (loaded.attack, loaded.epsilon, loaded.steps) == ("pgd", 0.2, 2)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(digits[2][:5])),
                               keras.ops.convert_to_numpy(trainer(digits[2][:5])), atol=1e-6)


def test_bad_training_settings_are_refused():
    with pytest.raises(ValueError, match="adversarial_weight=1.5"):
        AdversarialTraining(small_mlp(), adversarial_weight=1.5)
    with pytest.raises(ValueError, match="attack='cw'"):
        AdversarialTraining(small_mlp(), attack="cw")
    with pytest.raises(TypeError, match="'model'"):
        AdversarialTraining("cnn")

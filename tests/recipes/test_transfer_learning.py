import os

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes.transfer_learning import Config
from keras_recipes.recipes.transfer_learning import main
from keras_recipes.recipes.transfer_learning import run

PHASE_KEYS = {"test_accuracy", "test_accuracy_phase1", "test_accuracy_phase2",
              "trainable_parameters_phase1", "trainable_parameters_phase2",
              "frozen_feature_spread", "epochs_run", "train_seconds", "pretrained",
              "reload_max_abs_diff", "epochs_to_target"}
SCRATCH_KEYS = {"test_accuracy_scratch", "epochs_to_target_scratch", "train_seconds_scratch",
                "trainable_parameters_scratch", "train_accuracy_scratch_inference_mode",
                "moving_statistics_share_scratch"}


def tiny(tmp_path, **overrides):
    """A run small enough for a test (no --smoke: it turns the scratch run off)."""
    settings = dict(image_size=16, train_size=30, head_epochs=1, fine_tune_epochs=1,
                    batch_size=16, top_layers=5, verbose=0, out=str(tmp_path / "run"))
    settings.update(overrides)
    return Config(**settings)


def test_both_phases_and_the_scratch_run_train_from_random_weights(tmp_path):
    result = run(tiny(tmp_path, scratch=True))
    metrics = result.metrics
    assert PHASE_KEYS | SCRATCH_KEYS <= set(metrics)
    assert metrics["pretrained"] is False
    assert metrics["test_accuracy"] == metrics["test_accuracy_phase2"]
    # Phase 1 trains the head only (576 features x 3 classes + 3 biases).
    assert metrics["trainable_parameters_phase1"] == 576 * 3 + 3
    assert metrics["trainable_parameters_phase1"] < metrics["trainable_parameters_phase2"] \
        < metrics["trainable_parameters_scratch"]
    # 2 epochs of 2 steps with BatchNormalization momentum 0.999.
    assert metrics["moving_statistics_share_scratch"] == pytest.approx(1 - 0.999 ** 4)
    assert metrics["reload_max_abs_diff"] <= 1e-5
    history = pd.read_csv(os.path.join(result.run_dir, "history.csv"))
    assert history["phase"].tolist() == [1, 2]
    assert history["epoch"].tolist() == [1, 2]
    report = open(result.report_path).read()
    assert "randomly initialised" in report and "From scratch" in report
    for plot in ("val_accuracy", "train_accuracy", "val_loss"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


def backbone_weights(path):
    backbone = keras.applications.MobileNetV3Small(
        include_top=False, weights=None, input_shape=(32, 32, 3))
    backbone.save_weights(path)
    return str(path), backbone.get_layer("conv").get_weights()[0]


def test_weights_file_starts_a_frozen_pretrained_backbone(tmp_path):
    weights, first_kernel = backbone_weights(tmp_path / "backbone.weights.h5")
    result = run(tiny(tmp_path, scratch=False, weights=weights))
    metrics = result.metrics
    assert PHASE_KEYS <= set(metrics) and not SCRATCH_KEYS & set(metrics)
    assert metrics["pretrained"] is True
    assert metrics["trainable_parameters_phase1"] == 576 * 3 + 3
    report = open(result.report_path).read()
    assert weights in report and "randomly initialised" not in report
    model = keras.saving.load_model(os.path.join(result.run_dir, "model.keras"))
    # The first convolution stays frozen in both phases: it keeps the file's weights.
    kernel = model.get_layer("backbone").get_layer("conv").get_weights()[0]
    np.testing.assert_array_equal(kernel, first_kernel)


@pytest.mark.parametrize(
    "weights, message",
    [
        ("imagenet", "downloads nothing"),
        ("missing.weights.h5", "No such file"),
        ("notes.txt", "Keras weights file"),
        ("garbage.h5", "does not load into the mobilenet_v3_small backbone"),
    ],
)
def test_bad_weights_are_refused_before_the_run_directory(weights, message, tmp_path):
    (tmp_path / "notes.txt").write_text("not weights")
    (tmp_path / "garbage.h5").write_bytes(b"not an HDF5 file")
    if weights != "imagenet":
        weights = str(tmp_path / weights)
    out = tmp_path / "run"
    with pytest.raises(ValueError, match=message):
        run(Config(smoke=True, weights=weights, verbose=0, out=str(out)))
    assert not out.exists()


def test_bad_image_folder_is_refused_before_the_run_directory(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ValueError, match="is empty"):
        run(Config(smoke=True, images=str(tmp_path), verbose=0, out=str(out)))
    assert not out.exists()


@pytest.mark.parametrize(
    "flag, message",
    [
        (["--top-layers", "0"], "top_layers"),
        (["--fine-tune-learning-rate", "0"], "fine_tune_learning_rate"),
        (["--dropout", "1"], "dropout"),
        (["--backbone", "vgg16"], "invalid choice"),
        (["--train-size", "1"], "train_size=1"),
        (["--target-accuracy", "1.5"], "target_accuracy"),
    ],
)
def test_bad_flags_exit_with_usage_before_training(flag, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as raised:
        main([*flag, "--out", str(tmp_path / "run")])
    assert raised.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()

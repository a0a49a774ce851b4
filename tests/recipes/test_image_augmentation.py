import os

import keras
import pandas as pd
import pytest
from PIL import Image

from keras_recipes.recipes import image_augmentation
from keras_recipes.recipes.image_augmentation import Config
from keras_recipes.recipes.image_augmentation import main
from keras_recipes.recipes.image_augmentation import run

ARM_KEYS = {"test_accuracy_augmented", "test_accuracy_baseline",
            "test_accuracy_augmented_std", "test_accuracy_baseline_std",
            "augmentation_gain", "augmentation_gain_std", "test_accuracy",
            "epochs_run", "train_seconds", "reload_max_abs_diff"}


def tiny(tmp_path, **overrides):
    """A run small enough for a test, with two seeds (no --smoke: it forces one)."""
    settings = dict(image_size=8, train_size=20, seeds="1,2", epochs=1, patience=1,
                    filters=4, verbose=0, out=str(tmp_path / "run"))
    settings.update(overrides)
    return Config(**settings)


def test_both_arms_are_trained_for_every_seed(tmp_path):
    result = run(tiny(tmp_path))
    metrics = result.metrics
    assert ARM_KEYS <= set(metrics)
    assert metrics["test_accuracy"] == metrics["test_accuracy_augmented"]
    assert metrics["reload_max_abs_diff"] <= 1e-5
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert sorted(zip(runs["seed"], runs["arm"])) == [
        (1, "augmented"), (1, "baseline"), (2, "augmented"), (2, "baseline")]
    gains = (runs[runs["arm"] == "augmented"]["test_accuracy"].to_numpy()
             - runs[runs["arm"] == "baseline"]["test_accuracy"].to_numpy())
    assert metrics["augmentation_gain"] == pytest.approx(gains.mean())
    for name in ("baseline_seed1", "augmented_seed2"):
        history = pd.read_csv(os.path.join(result.run_dir, "histories", f"{name}.csv"))
        assert {"accuracy", "val_accuracy", "seconds"} <= set(history.columns)
    for plot in ("augmentation_gallery", "val_accuracy", "train_accuracy"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0
    saved = keras.saving.load_model(os.path.join(result.run_dir, "model.keras"))
    augmentation = saved.get_layer("augmentation")
    assert [layer.name for layer in augmentation.layers] == ["zoom", "translation",
                                                             "contrast"]


def test_image_folder_trains_a_binary_classifier(tmp_path):
    for name, colour in (("dark", (20, 20, 20)), ("light", (230, 230, 230))):
        (tmp_path / "images" / name).mkdir(parents=True)
        for i in range(10):
            Image.new("RGB", (9, 9), colour).save(tmp_path / "images" / name / f"{i}.png")
    result = run(tiny(tmp_path, images=str(tmp_path / "images"), train_size=None,
                      seeds="1", transforms="flip,rotation"))
    assert {"test_accuracy_augmented", "test_accuracy_baseline"} <= set(result.metrics)
    assert "images in" in open(result.report_path).read()


@pytest.mark.parametrize(
    "flag, message",
    [
        (["--strength", "1.5"], "strength"),
        (["--transforms", "zoom,spin"], "unknown: spin"),
        (["--seeds", "one"], "seeds"),
        (["--epochs", "0"], "epochs"),
        (["--image-size", "4"], "image_size=4"),
        (["--dataset", "cifar"], "invalid choice"),
    ],
)
def test_bad_flags_exit_with_usage_before_training(flag, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as raised:
        main([*flag, "--out", str(tmp_path / "run")])
    assert raised.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_bad_image_folder_is_refused_before_the_run_directory(tmp_path):
    (tmp_path / "images" / "cats").mkdir(parents=True)
    out = tmp_path / "run"
    with pytest.raises(ValueError, match="single class sub-folder 'cats'"):
        run(tiny(tmp_path, images=str(tmp_path / "images")))
    with pytest.raises(ValueError, match="does not exist"):
        run(tiny(tmp_path, images=str(tmp_path / "nowhere")))
    assert not out.exists()


def test_train_size_larger_than_the_split_is_refused(tmp_path):
    with pytest.raises(ValueError, match="train_size=5000"):
        run(tiny(tmp_path, train_size=5000))
    assert not (tmp_path / "run").exists()


def test_header_fields_for_the_catalogue():
    source = open(image_augmentation.__file__).read(2000)
    for field in ("**Description:**", "**Task:** classification", "**Accelerator:**"):
        assert field in source

import json
import os

import keras
import pandas as pd
import pytest
from PIL import Image

from keras_recipes.recipes import image_augmentation
from keras_recipes.recipes.image_augmentation import Config
from keras_recipes.recipes.image_augmentation import main
from keras_recipes.recipes.image_augmentation import run


def tiny(tmp_path, **overrides):
    """A run small enough for a test, with two seeds so the paired test runs."""
    settings = dict(image_size=8, train_size=20, seeds=2, epochs=1, patience=1,
                    filters=4, verbose=0, out=str(tmp_path / "run"))
    settings.update(overrides)
    return Config(**settings)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return run(tiny(tmp_path_factory.mktemp("augmentation")))


def test_both_arms_are_trained_for_every_seed(result):
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert sorted(zip(runs["arm"], runs["seed"])) == [
        ("augmented", 42), ("augmented", 43), ("none", 42), ("none", 43)]
    curves = pd.read_csv(os.path.join(result.run_dir, "curves.csv"))
    assert {"arm", "seed", "epoch", "accuracy", "val_accuracy", "seconds"} <= set(curves)
    assert len(curves.groupby(["arm", "seed"])) == 4


def test_metrics_follow_the_comparison_schema(result):
    metrics = json.load(open(os.path.join(result.run_dir, "metrics.json")))
    assert metrics["reference"] == "none" and metrics["seeds"] == [42, 43]
    for arm in ("none", "augmented"):
        for measure in ("test_accuracy", "test_loss", "epochs_to_best", "train_seconds"):
            summary = metrics["arms"][arm][measure]
            assert summary["ci_low"] <= summary["mean"] <= summary["ci_high"]
    assert list(metrics["differences"]) == ["augmented"]
    gain = metrics["differences"]["augmented"]["test_accuracy"]
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv")).set_index(["arm", "seed"])
    paired = (runs.loc["augmented", "test_accuracy"] - runs.loc["none", "test_accuracy"])
    assert gain["mean"] == pytest.approx(paired.mean())
    assert metrics["augmentation_gain"] == pytest.approx(gain["mean"])
    assert metrics["seeds_improved"] == int((paired > 0).sum()) == gain["better"]
    assert set(gain) >= {"ci_low", "ci_high", "p_value", "n", "resolved"}


def test_report_has_intervals_paired_differences_baselines_and_plots(result):
    report = open(result.report_path).read()
    assert "Student-t 95% interval" in report
    assert "| arm | measure | difference vs none | p_value | seeds better | resolved |" in report
    assert "augmented - none on test_accuracy" in report
    assert "LogisticRegression" in report
    for plot in ("augmentation_gallery", "val_accuracy", "train_accuracy", "val_loss",
                 "augmentation_test_accuracy"):
        assert os.path.getsize(os.path.join(result.run_dir, "plots", f"{plot}.png")) > 0


def test_the_augmented_model_keeps_its_augmentation_and_the_best_is_saved(result):
    path = os.path.join(result.run_dir, "experiments", "augmentation", "augmented",
                        "seed-42.keras")
    augmentation = keras.saving.load_model(path).get_layer("augmentation")
    assert [layer.name for layer in augmentation.layers] == ["zoom", "translation",
                                                             "contrast"]
    keras.saving.load_model(os.path.join(result.run_dir, "model.keras"))


def test_image_folder_trains_a_binary_classifier(tmp_path):
    for name, colour in (("dark", (20, 20, 20)), ("light", (230, 230, 230))):
        (tmp_path / "images" / name).mkdir(parents=True)
        for i in range(10):
            Image.new("RGB", (9, 9), colour).save(tmp_path / "images" / name / f"{i}.png")
    result = run(tiny(tmp_path, images=str(tmp_path / "images"), train_size=None,
                      seeds=1, transforms="flip,rotation"))
    assert {"none", "augmented"} == set(result.metrics["arms"])
    assert "images in" in open(result.report_path).read()


@pytest.mark.parametrize(
    "flag, message",
    [
        (["--strength", "1.5"], "'strength' parameter must be a number in [0, 1]"),
        (["--transforms", "zoom,spin"], "unknown: spin"),
        (["--seeds", "one"], "seeds"),
        (["--seeds", "0"], "'seeds' parameter must be a positive integer"),
        (["--epochs", "0"], "'epochs' parameter must be a positive integer"),
        (["--learning-rate", "0"], "'learning_rate' parameter must be a positive number"),
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

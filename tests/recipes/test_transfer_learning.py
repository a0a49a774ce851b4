import glob
import json
import os

import keras
import numpy as np
import pandas as pd
import pytest

from keras_recipes.recipes.transfer_learning import Config
from keras_recipes.recipes.transfer_learning import main
from keras_recipes.recipes.transfer_learning import run

ARMS = ["scratch", "feature_extraction", "fine_tune"]


def tiny(tmp_path, **overrides):
    settings = dict(labels_per_class="3,2", seeds=2, pretrain_epochs=2, epochs=3,
                    head_epochs=1, filters=4, batch_size=8, verbose=0,
                    out=str(tmp_path / "run"))
    settings.update(overrides)
    return Config(**settings)


def test_three_arms_per_label_count_with_a_cached_pretrained_body(tmp_path):
    result = run(tiny(tmp_path))
    metrics = result.metrics
    for arm in ARMS:
        for measure in ("test_accuracy", "epochs_to_target_or_budget", "seconds_to_target"):
            assert {"mean", "ci_low", "ci_high"} <= set(metrics["arms"][arm][measure])
    for arm in ARMS[1:]:
        assert "epochs_to_target_or_budget" in metrics["differences"][arm]
    assert metrics["labels_per_class"] == 3 and set(metrics["gain"]) == {"3", "2"}
    runs = pd.read_csv(os.path.join(result.run_dir, "runs.csv"))
    assert len(runs) == 2 * 3 * 2
    assert sorted(runs["labels_per_class"].unique()) == [2, 3]
    # A run that never reaches the target counts as epochs + 1.
    assert runs["epochs_to_target_or_budget"].between(1, 4).all()
    # One pretraining per seed, shared by the arms and label counts.
    pretrained = sorted(os.listdir(os.path.join(result.run_dir, "pretrained")))
    assert pretrained == ["seed-42.json", "seed-42.weights.h5",
                          "seed-43.json", "seed-43.weights.h5"]
    report = open(result.report_path).read()
    for text in ("Pretraining on digits 0-4", "3 labelled images per class",
                 "Paired differences against **scratch**", "How the gain changes",
                 "LogisticRegression"):
        assert text in report


def test_transfer_copies_the_pretrained_body_and_feature_extraction_keeps_it(tmp_path):
    result = run(tiny(tmp_path, labels_per_class="2"))
    store = os.path.join(result.run_dir, "experiments", "labels-2")
    source = keras.saving.load_model(glob.glob(os.path.join(store, "feature_extraction",
                                                            "*42*.keras"))[0])
    scratch = keras.saving.load_model(glob.glob(os.path.join(store, "scratch",
                                                             "*42*.keras"))[0])
    from keras_recipes.recipes.transfer_learning import build_cnn
    pretrained = build_cnn(tiny(tmp_path), 5)
    pretrained.load_weights(os.path.join(result.run_dir, "pretrained", "seed-42.weights.h5"))
    kernel = pretrained.get_layer("conv_0").get_weights()[0]
    np.testing.assert_array_equal(source.get_layer("conv_0").get_weights()[0], kernel)
    assert not np.allclose(scratch.get_layer("conv_0").get_weights()[0], kernel)


def test_resume_reuses_runs_and_pretrained_bodies(tmp_path):
    first = run(tiny(tmp_path, labels_per_class="2"))
    weights = os.path.join(first.run_dir, "pretrained", "seed-42.weights.h5")
    stamp = os.path.getmtime(weights)
    again = run(tiny(tmp_path, labels_per_class="2", resume=True))
    assert os.path.getmtime(weights) == stamp
    assert again.metrics["arms"] == first.metrics["arms"]


def backbone_weights(path):
    backbone = keras.applications.MobileNetV3Small(
        include_top=False, weights=None, input_shape=(32, 32, 3))
    backbone.save_weights(path)
    return str(path), backbone.get_layer("conv").get_weights()[0]


def test_weights_file_runs_the_arms_on_an_applications_backbone(tmp_path):
    weights, first_kernel = backbone_weights(tmp_path / "backbone.weights.h5")
    result = run(tiny(tmp_path, backbone="mobilenet_v3_small", weights=weights,
                      labels_per_class="2", epochs=2, top_layers=5, seeds=1,
                      batch_size=10))
    assert set(result.metrics["arms"]) == set(ARMS)
    assert not os.path.exists(os.path.join(result.run_dir, "pretrained"))
    report = open(result.report_path).read()
    assert weights in report and "Pretraining on digits" not in report
    path = glob.glob(os.path.join(result.run_dir, "experiments", "labels-2",
                                  "feature_extraction", "*42*.keras"))[0]
    model = keras.saving.load_model(path)
    # The frozen backbone keeps the file's weights.
    kernel = model.get_layer("backbone").get_layer("conv").get_weights()[0]
    np.testing.assert_array_equal(kernel, first_kernel)


@pytest.mark.parametrize(
    "backbone, weights, message",
    [
        ("mobilenet_v3_small", "imagenet", "downloads nothing"),
        ("mobilenet_v3_small", "missing.weights.h5", "No such file"),
        ("mobilenet_v3_small", "notes.txt", "Keras weights file"),
        ("mobilenet_v3_small", "garbage.h5", "does not load into the mobilenet_v3_small"),
        ("mobilenet_v3_small", None, "needs --weights PATH"),
        ("cnn", "garbage.h5", "pretrained by this recipe"),
    ],
)
def test_bad_weights_are_refused_before_the_run_directory(backbone, weights, message,
                                                          tmp_path):
    (tmp_path / "notes.txt").write_text("not weights")
    (tmp_path / "garbage.h5").write_bytes(b"not an HDF5 file")
    if weights not in (None, "imagenet"):
        weights = str(tmp_path / weights)
    out = tmp_path / "run"
    with pytest.raises(ValueError, match=message):
        run(Config(smoke=True, backbone=backbone, weights=weights, verbose=0, out=str(out)))
    assert not out.exists()


@pytest.mark.parametrize(
    "flag, message",
    [
        (["--labels-per-class", "5,5"], "labels_per_class"),
        (["--labels-per-class", "0"], "labels_per_class"),
        (["--labels-per-class", "500"], "pool holds per class"),
        (["--fine-tune-learning-rate", "0"], "fine_tune_learning_rate"),
        (["--dropout", "1"], "dropout"),
        (["--backbone", "vgg16"], "invalid choice"),
        (["--target-accuracy", "1.5"], "target_accuracy"),
        (["--seeds", "0"], "seeds"),
    ],
)
def test_bad_flags_exit_with_usage_before_training(flag, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as raised:
        main([*flag, "--out", str(tmp_path / "run")])
    assert raised.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_metrics_json_is_written(tmp_path):
    result = run(tiny(tmp_path, labels_per_class="2", seeds=2))
    with open(os.path.join(result.run_dir, "metrics.json")) as handle:
        metrics = json.load(handle)
    assert metrics["best_arm"] in ARMS

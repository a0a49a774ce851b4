"""`--distribute data_parallel` on the image recipes.

The flags are checked when the config is made, on any backend; TensorFlow
refuses the option in one line. The training run is a smoke run of
`image_augmentation` over two CPU devices, in a fresh JAX process (JAX fixes
its device count when it is imported).
"""

import json
import os
import subprocess
import sys

import keras
import pytest

from keras_recipes.recipes import image_augmentation
from keras_recipes.recipes import transfer_learning

TIMEOUT = 300  # Seconds; about 30 on two free cores, far more on a loaded machine.


@pytest.mark.parametrize("recipe", [image_augmentation, transfer_learning])
def test_distribution_flags_need_the_option(recipe):
    with pytest.raises(ValueError, match="'devices' parameter applies to --distribute "
                                         "data_parallel. Got devices=2"):
        recipe.Config(devices=2)
    with pytest.raises(ValueError, match="'process_id' parameter applies"):
        recipe.Config(process_id=1)


@pytest.mark.every_backend
@pytest.mark.skipif(keras.backend.backend() == "jax", reason="JAX supports it")
@pytest.mark.parametrize("recipe", [image_augmentation, transfer_learning])
def test_tensorflow_refuses_the_option_in_one_line(recipe, capsys):
    with pytest.raises(SystemExit) as stop:
        recipe.main(["--smoke", "--distribute", "data_parallel"])
    assert stop.value.code == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "--distribute data_parallel needs the JAX backend" in error
    assert "--backend jax" in error


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="data_parallel runs on JAX")
def test_workers_and_distribute_do_not_mix():
    with pytest.raises(ValueError, match="'workers' parameter must be 1 with --distribute"):
        image_augmentation.Config(distribute="data_parallel", workers=2)


def test_smoke_run_over_two_devices(tmp_path):
    out = tmp_path / "run"
    environment = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
                   "TF_CPP_MIN_LOG_LEVEL": "2",
                   "XLA_FLAGS": " ".join(filter(None, [  # Keeps tests/conftest.py's flags.
                       os.environ.get("XLA_FLAGS"), "--xla_force_host_platform_device_count=2"]))}
    completed = subprocess.run(
        [sys.executable, "-m", "keras_recipes.recipes.image_augmentation", "--smoke",
         "--epochs", "1", "--distribute", "data_parallel", "--devices", "2", "--out", str(out)],
        env=environment, capture_output=True, text=True, timeout=TIMEOUT)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "data parallel over 2 devices" in completed.stdout
    metrics = json.load(open(out / "metrics.json"))
    assert set(metrics["arms"]) == {"none", "augmented"} and metrics["seeds"] == [42, 43]
    assert json.load(open(out / "config.json"))["config"]["distribute"] == "data_parallel"
    assert os.path.exists(out / "model.keras")

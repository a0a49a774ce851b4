"""Data-parallel training: row sharding, backend checks, two devices and two processes.

JAX fixes its device count when it is imported, so the training tests run
this file as a script in fresh processes (`KERAS_BACKEND=jax`): two CPU
devices in one process (`XLA_FLAGS`), and two processes of one device each
joined by `jax.distributed` over 127.0.0.1. Each writes its final weights
and those of the same training on one device, and the test compares them.
"""

import json
import os
import socket
import subprocess
import sys
import types

import keras
import numpy as np
import pytest

from keras_recipes.tuning import fit_with_optimizer
from keras_recipes.tuning import local_rows
from keras_recipes.tuning import shard_for_process
from keras_recipes.tuning import start_data_parallel
from keras_recipes.tuning import stop_data_parallel

EPOCHS, BATCH = 3, 16
# The training tests run JAX in their own processes whatever backend runs the
# suite, so `make test` runs them once, in its JAX pass (the TensorFlow pass
# repeated the same work, 81 s of it, on a cold compile cache).
jax_processes = pytest.mark.skipif(keras.backend.backend() != "jax",
                                   reason="runs JAX in its own processes; checked in the JAX pass")
TIMEOUT = 300  # Seconds; about 20 on two free cores, far more on a loaded machine.


@pytest.mark.parametrize("n_rows, batch_size, replicas, processes", [
    (70, 16, 2, 2), (64, 16, 4, 2), (10, 4, 2, 1), (33, 8, 4, 4), (5, 8, 2, 2)])
def test_local_rows_rebuild_every_global_batch_in_order(n_rows, batch_size, replicas,
                                                         processes):
    shares = [local_rows(n_rows, batch_size, replicas, processes, p) for p in range(processes)]
    kept = n_rows - (n_rows % batch_size) % replicas
    assert sorted(np.concatenate(shares)) == list(range(kept))
    local_batch = batch_size // processes
    rebuilt = []
    for start in range(0, len(shares[0]), local_batch):  # Local batches, as fit feeds them.
        for share in shares:
            rebuilt.extend(share[start:start + local_batch])
    assert rebuilt == list(range(kept))
    assert kept % replicas == 0 and n_rows - kept < replicas


def test_without_a_distribution_nothing_is_sharded():
    data = make_data()
    assert shard_for_process(data, 7) == (data, 7, 7)


@pytest.mark.skipif(keras.backend.backend() == "jax", reason="JAX supports it")
def test_other_backends_are_refused_with_the_flag_and_the_way_out():
    with pytest.raises(ValueError, match=r"--distribute data_parallel needs the JAX backend.*"
                                         r"--backend jax.*keras-team/keras#20585"):
        start_data_parallel()


@jax_processes
def test_two_local_devices_train_the_single_device_model(tmp_path):
    out = tmp_path / "devices.json"
    run_workers(tmp_path, [["devices", str(out)]], devices=2)
    result = json.loads(out.read_text())
    assert result["replicas"] == 2 and result["kernel_devices"] == 2
    assert result["loss"][-1] < result["loss"][0]
    assert_close(result["weights"], result["reference"])
    np.testing.assert_allclose(result["val_loss"], result["reference_val_loss"], rtol=1e-4)


@jax_processes
def test_two_loopback_processes_agree_with_each_other_and_one_device(tmp_path):
    port = str(free_port())
    outs = [tmp_path / f"process-{index}.json" for index in range(2)]
    run_workers(tmp_path, [["processes", str(out), port, str(index)]
                           for index, out in enumerate(outs)])
    first, second = (json.loads(out.read_text()) for out in outs)
    assert first["processes"] == second["processes"] == 2 and first["replicas"] == 2
    for a, b in zip(first["weights"], second["weights"]):
        np.testing.assert_array_equal(a, b)
    assert first["val_loss"] == second["val_loss"]
    assert_close(first["weights"], first["reference"])
    np.testing.assert_allclose(first["val_loss"], first["reference_val_loss"], rtol=1e-4)


def assert_close(weights, reference):
    assert len(weights) == len(reference)
    for a, b in zip(weights, reference):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def run_workers(tmp_path, argument_lists, devices=1):
    # The parent's XLA flags (tests/conftest.py's fast compiles), with this test's device count.
    flags = [flag for flag in os.environ.get("XLA_FLAGS", "").split() if "device_count" not in flag]
    if devices > 1:
        flags.append(f"--xla_force_host_platform_device_count={devices}")
    environment = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="2",
                       JAX_PLATFORMS="cpu", XLA_FLAGS=" ".join(flags))
    logs = [tmp_path / f"worker-{index}.log" for index in range(len(argument_lists))]
    processes = [subprocess.Popen([sys.executable, __file__, *arguments], env=environment,
                                  stdout=open(log, "w"), stderr=subprocess.STDOUT)
                 for arguments, log in zip(argument_lists, logs)]
    try:
        codes = [process.wait(timeout=TIMEOUT) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for code, log in zip(codes, logs):
        assert code == 0, log.read_text()[-3000:]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(94, 6)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64") + (x[:, 2] > 1)
    return types.SimpleNamespace(x_train=x[:70], y_train=y[:70], x_val=x[70:], y_val=y[70:],
                                 task="multiclass")


def build_model():
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])


def train(data, batch_size, validation_batch_size, shuffle):
    """The library's fit path, or (`shuffle=False`) a plain `fit` without shuffling."""
    if shuffle:
        run = fit_with_optimizer(build_model, data, learning_rate=0.05, epochs=EPOCHS,
                                 batch_size=batch_size, seed=0)
        return run.model, run.history
    keras.utils.set_random_seed(0)
    model = build_model()
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    history = model.fit(data.x_train, data.y_train, batch_size=batch_size, epochs=EPOCHS,
                        validation_data=(data.x_val, data.y_val),
                        validation_batch_size=validation_batch_size, shuffle=False, verbose=0)
    return model, history.history


def worker(mode, out, port=None, process_id=None):
    """Trains data-parallel and on one device; writes both results to `out`.

    `devices`: every device of this process, through `fit_with_optimizer`
    (shuffled: one process shuffles the global rows as one device does).
    `processes`: two processes; each shuffles only its own rows, so the
    comparison with one device trains without shuffling.
    """
    processes = mode == "processes"
    plan = start_data_parallel(
        coordinator_address=f"127.0.0.1:{port}" if processes else None,
        num_processes=2 if processes else None,
        process_id=int(process_id) if processes else None)
    data = make_data()
    local, batch_size, validation_batch_size = shard_for_process(data, BATCH, 12)
    model, history = train(local, batch_size, validation_batch_size, shuffle=not processes)
    result = {"replicas": plan.replicas, "processes": plan.processes,
              "kernel_devices": len(model.weights[0].value.sharding.device_set),
              "weights": [w.tolist() for w in model.get_weights()],
              "loss": history["loss"], "val_loss": history["val_loss"]}
    if plan.process_id == 0:
        stop_data_parallel()
        reference, reference_history = train(data, BATCH, 12, shuffle=not processes)
        result.update(reference=[w.tolist() for w in reference.get_weights()],
                      reference_val_loss=reference_history["val_loss"])
    with open(out, "w") as stream:
        json.dump(result, stream)


if __name__ == "__main__":
    worker(*sys.argv[1:])

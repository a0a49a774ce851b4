"""Data-parallel training of one model over several devices or hosts.

The engine is Keras's own, `keras.distribution.DataParallel`: the model's
weights are replicated on every device, every global batch is split
between the devices, and the gradients are averaged, so the run trains the
same model as on one device, only the batches are computed in parallel.
Keras implements it on the JAX backend; `start_data_parallel` refuses the
others with a message that says so.

- **One host, several devices** (GPUs, or on CPU the devices that
  `XLA_FLAGS=--xla_force_host_platform_device_count=N` creates): call
  `start_data_parallel()` before building the model, then train as usual.
- **Several processes or hosts**: start the same program on every process
  with the coordinator's `host:port`, the number of processes and this
  process's id (arguments, or the `KERAS_DISTRIBUTION_JOB_ADDRESSES`,
  `KERAS_DISTRIBUTION_NUM_PROCESSES` and `KERAS_DISTRIBUTION_PROCESS_ID`
  environment variables; `jax.distributed.initialize` detects what is
  not given on the clusters it knows). Every process must run the same
  computations in the same order, and feeds only its part of every
  global batch: `shard_for_process` cuts the training and validation
  splits so that the global batches are exactly those a single process
  would see without shuffling.

TensorFlow is not supported: in Keras 3.15 the TensorFlow backend of
`keras.distribution` lists devices but cannot shard input batches or join
processes (it has no `distribute_data_input` or `initialize`), and
`model.fit` under `tf.distribute.MultiWorkerMirroredStrategy` fails
(keras-team/keras#20585), so this module supports JAX only.

Example:

>>> plan = start_data_parallel()            # every device of this host
>>> data, batch_size, _ = shard_for_process(dataset, batch_size=64)
>>> run = fit_with_optimizer(build_model, data, batch_size=batch_size)
"""

import copy
import dataclasses
import numbers
import os

import keras
import numpy as np

DISTRIBUTE_MODES = ("none", "data_parallel")
_PROCESS_ENV = ("KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_NUM_PROCESSES",
                "KERAS_DISTRIBUTION_PROCESS_ID", "JAX_COORDINATOR_ADDRESS")
_state = {"processes_started": False}


def check_data_parallel_backend(flag="--distribute data_parallel"):
    """Raises a `ValueError` unless Keras runs on JAX, the backend of `DataParallel`.

    Args:
        flag: How the caller asked for data parallelism, for the message.
            Defaults to `"--distribute data_parallel"`.

    Raises:
        ValueError: On any backend but JAX; the message names `flag` and
            `--backend jax`.
    """
    backend = keras.backend.backend()
    if backend != "jax":
        raise ValueError(
            f"{flag} needs the JAX backend (keras.distribution.DataParallel); Keras runs "
            f"on {backend}. Run with --backend jax (or KERAS_BACKEND=jax). On TensorFlow, "
            "model.fit under MultiWorkerMirroredStrategy fails in Keras 3.15 "
            "(keras-team/keras#20585).")


@dataclasses.dataclass(frozen=True)
class DataParallelPlan:
    """A data-parallel distribution and this process's place in it.

    Attributes:
        distribution: The `keras.distribution.DataParallel`, set globally.
        processes: Number of processes that train together.
        process_id: This process's index, `0` for the coordinator.
    """

    distribution: object
    processes: int = 1
    process_id: int = 0

    @property
    def replicas(self):
        """Devices that each hold a replica of the model."""
        return int(self.distribution.num_model_replicas)

    def describe(self):
        """Returns a one-line summary such as `"data parallel over 2 devices"`."""
        processes = f" in {self.processes} processes" if self.processes > 1 else ""
        return f"data parallel over {self.replicas} devices{processes}"

    def local_batch_size(self, batch_size, name="batch_size"):
        """This process's share of a global batch.

        Args:
            batch_size: The global batch size, a multiple of `replicas`.
            name: The parameter's name, for the message. Defaults to
                `"batch_size"`.

        Returns:
            `batch_size // processes`.

        Raises:
            ValueError: If `batch_size` is not a positive multiple of the
                number of devices.
        """
        if (isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
                or batch_size < 1 or batch_size % self.replicas):
            raise ValueError(
                f"The '{name}' parameter must be a multiple of the {self.replicas} devices "
                f"of data-parallel training, which split every batch evenly. Got "
                f"{name}={batch_size!r}.")
        return int(batch_size) // self.processes


def current_plan():
    """The `DataParallelPlan` of the global distribution, or `None` without one."""
    distribution = keras.distribution.distribution()
    if not isinstance(distribution, keras.distribution.DataParallel):
        return None
    import jax  # The one backend of keras.distribution.

    return DataParallelPlan(distribution, processes=jax.process_count(),
                            process_id=jax.process_index())


def shard_arrays(x, y, batch_size, name="batch_size"):
    """This process's rows of `(x, y)` and its share of a global batch.

    Under the global `DataParallel` of `start_data_parallel`, the rows keep a
    multiple of the devices (at most `devices - 1` rows of the last batch
    are dropped, since every batch splits evenly between the devices), and
    this process keeps its contiguous share of every global batch
    (`local_rows`); with one process only that trimming applies. Without
    a distribution, `(x, y, batch_size)` come back unchanged.

    Args:
        x: Inputs: an array, or a dict or list of arrays.
        y: Targets, an array.
        batch_size: Global batch size, a multiple of the devices.
        name: The batch size's parameter name, for the message. Defaults to
            `"batch_size"`.

    Returns:
        `(local_x, local_y, local_batch_size)`, to give `fit` in this process.

    Raises:
        ValueError: If `batch_size` is not a multiple of the devices.
    """
    plan = current_plan()
    if plan is None:
        return x, y, batch_size
    local_batch = plan.local_batch_size(batch_size, name)
    rows = local_rows(len(y), batch_size, plan.replicas, plan.processes, plan.process_id)
    return keras.tree.map_structure(lambda a: a[rows], x), y[rows], local_batch


def shard_for_process(data, batch_size, validation_batch_size=None):
    """This process's part of the training and validation splits (`shard_arrays`).

    The test split is left whole: evaluate with a plain forward pass
    (`predict_all`), which every process can run on the replicated
    weights. Without a distribution, `data` comes back as it is.

    Args:
        data: An object with `x_train`, `y_train`, `x_val` and `y_val`
            (a recipe's `Dataset`); it is not changed.
        batch_size: Global training batch size, a multiple of the devices.
        validation_batch_size: Global validation batch size, a multiple of
            the devices, or `None` for `batch_size`. Defaults to `None`.

    Returns:
        `(local_data, local_batch_size, local_validation_batch_size)`: a
        shallow copy of `data` with this process's rows, and the batch
        sizes to give `fit` in this process.

    Raises:
        ValueError: If a batch size is not a multiple of the devices.

    Example:

    >>> data, batch_size, validation_batch_size = shard_for_process(dataset, 64, 256)
    >>> model.fit(data.x_train, data.y_train, batch_size=batch_size,
    ...           validation_data=(data.x_val, data.y_val),
    ...           validation_batch_size=validation_batch_size)
    """
    if validation_batch_size is None:
        validation_batch_size = batch_size
    if current_plan() is None:
        return data, batch_size, validation_batch_size
    local = copy.copy(data)
    local.x_train, local.y_train, local_batch = shard_arrays(
        data.x_train, data.y_train, batch_size)
    local.x_val, local.y_val, local_validation_batch = shard_arrays(
        data.x_val, data.y_val, validation_batch_size, "validation_batch_size")
    return local, local_batch, local_validation_batch


def local_rows(n_rows, batch_size, replicas, processes=1, process_id=0):
    """Indices of the rows that process `process_id` feeds, batch by batch.

    The rows are cut into global batches of `batch_size` (the last one
    smaller); a last batch that does not split evenly between the
    `replicas` devices loses its extra rows; each process takes its
    contiguous `1 / processes` share of every batch, so feeding local
    batches of `batch_size // processes` rebuilds the global batches in
    order.

    Args:
        n_rows: Number of rows of the split.
        batch_size: Global batch size, a multiple of `replicas`.
        replicas: Devices in all, a multiple of `processes`.
        processes: Number of processes. Defaults to `1`.
        process_id: This process's index. Defaults to `0`.

    Returns:
        A sorted integer NumPy array of row indices.

    Example:

    >>> local_rows(10, batch_size=4, replicas=2, processes=2, process_id=1)
    array([2, 3, 6, 7, 9])
    """
    kept = n_rows - (n_rows % batch_size) % replicas
    index = np.arange(kept)
    start = index - index % batch_size
    size = np.minimum(batch_size, kept - start)
    share = size // processes
    return index[(index - start) // share == process_id]


def start_data_parallel(devices=None, coordinator_address=None, num_processes=None,
                        process_id=None):
    """Sets a global `keras.distribution.DataParallel`, joining other processes first.

    Call it before any model is built (and, with several processes, before
    any JAX computation runs): the variables created afterwards are
    replicated on every device. With a `coordinator_address`, a
    `num_processes`, a `process_id` or one of their environment variables
    (`KERAS_DISTRIBUTION_JOB_ADDRESSES`, `KERAS_DISTRIBUTION_NUM_PROCESSES`,
    `KERAS_DISTRIBUTION_PROCESS_ID`, `JAX_COORDINATOR_ADDRESS`), this
    process first joins the others through `keras.distribution.initialize`
    (`jax.distributed`), once per process.

    Args:
        devices: Number of devices to use (the first ones), or `None` for
            every device of every process. With several processes it must
            be `None` or all of them. Defaults to `None`.
        coordinator_address: `"host:port"` of process 0, or `None`.
            Defaults to `None`.
        num_processes: Number of processes, or `None`. Defaults to `None`.
        process_id: This process's index in `[0, num_processes)`, or
            `None`. Defaults to `None`.

    Returns:
        A `DataParallelPlan`.

    Raises:
        ValueError: If the backend is not JAX, or `devices` is not a
            positive integer no larger than the number of devices.

    Example:

    >>> plan = start_data_parallel(coordinator_address="10.0.0.1:1234",
    ...                            num_processes=2, process_id=0)
    >>> plan.replicas, plan.processes
    (16, 2)
    """
    check_data_parallel_backend()
    import jax  # The one backend of keras.distribution.

    asked = (coordinator_address, num_processes, process_id)
    if not _state["processes_started"] and (
            any(value is not None for value in asked)
            or any(key in os.environ for key in _PROCESS_ENV)):
        keras.distribution.initialize(coordinator_address, num_processes, process_id)
        _state["processes_started"] = True
    available = keras.distribution.list_devices()
    processes = jax.process_count()
    if devices is None:
        devices = len(available)
    if (isinstance(devices, bool) or not isinstance(devices, numbers.Integral)
            or not 1 <= devices <= len(available)
            or (processes > 1 and devices != len(available))):
        every = "all" if processes > 1 else "at most"
        raise ValueError(
            f"The 'devices' parameter must be {every} the {len(available)} devices of "
            f"this run ({processes} process(es)), or None for all. Got devices={devices!r}.")
    distribution = keras.distribution.DataParallel(devices=available[:devices],
                                                   auto_shard_dataset=False)
    keras.distribution.set_distribution(distribution)
    return current_plan()


def stop_data_parallel():
    """Removes the global distribution; models built afterwards use one device."""
    keras.distribution.set_distribution(None)

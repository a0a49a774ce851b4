"""SnapshotEnsemble: keeps the weights at the end of each cosine-restart cycle."""

import keras
import numpy as np

from keras_recipes.callbacks._model_state import sync_variables
from keras_recipes.callbacks._model_state import weights_are_finite


class SnapshotEnsemble(keras.callbacks.Callback):
    """Keeps a copy of the weights at the end of each learning-rate cycle.

    Snapshot ensembles (Huang et al., 2017, "Train 1, get M for free") train
    one model with a cosine schedule with warm restarts: each cycle anneals
    the learning rate to near zero, so the weights settle in a minimum,
    then the restart kicks them out towards another. The weights at the end
    of every cycle are the members of an ensemble that costs one training
    run. Build the schedule with Keras's
    `keras.optimizers.schedules.CosineDecayRestarts` (or
    `create_schedule("cosine_restarts", ...)`); this callback reads its
    `first_decay_steps` and `t_mul` to know where the cycles end, or takes
    them as arguments.

    After training, `snapshots` holds one list of weights per finished
    cycle (a cycle cut short by the end of training is not kept) and
    `snapshot_steps` the optimizer step of each; `member_models()` turns
    them into models for `keras_recipes.models.average_ensemble`.

    Args:
        cycle_steps: Integer >= 1. Optimizer steps of the first cycle, or
            `None` to read `first_decay_steps` from the optimizer's
            `CosineDecayRestarts` schedule. Defaults to `None`.
        t_mul: Float > 0. Each cycle is `t_mul` times as long as the one
            before, or `None` to read it from the schedule (1.0 when
            `cycle_steps` is given). Defaults to `None`.
        max_snapshots: Integer >= 1 or `None`. Keep only the last this many
            snapshots (the later ones are usually better). Defaults to
            `None` (all).

    Raises:
        ValueError: If an argument is out of range, or (when training
            begins) `cycle_steps` is `None` and the optimizer's learning
            rate is not a `CosineDecayRestarts` schedule.

    Example:

    ```python
    steps = epochs * math.ceil(len(x_train) / batch_size)
    schedule = keras.optimizers.schedules.CosineDecayRestarts(
        1e-2, first_decay_steps=steps // 5, t_mul=1.0)
    model.compile(keras.optimizers.SGD(schedule, momentum=0.9), loss=...)
    snapshots = SnapshotEnsemble()
    model.fit(x_train, y_train, epochs=epochs, callbacks=[snapshots])
    ensemble = average_ensemble(snapshots.member_models())
    ```
    """

    # It counts steps from `optimizer.iterations`, not from batch calls.
    handles_steps_per_execution = True

    def __init__(self, cycle_steps=None, t_mul=None, max_snapshots=None):
        super().__init__()
        if cycle_steps is not None and int(cycle_steps) < 1:
            raise ValueError(
                f"`cycle_steps` must be >= 1 or None. Received: cycle_steps={cycle_steps}")
        if t_mul is not None and not float(t_mul) > 0:
            raise ValueError(f"`t_mul` must be > 0 or None. Received: t_mul={t_mul}")
        if max_snapshots is not None and int(max_snapshots) < 1:
            raise ValueError(
                "`max_snapshots` must be >= 1 or None. "
                f"Received: max_snapshots={max_snapshots}")
        self.cycle_steps = None if cycle_steps is None else int(cycle_steps)
        self.t_mul = None if t_mul is None else float(t_mul)
        self.max_snapshots = None if max_snapshots is None else int(max_snapshots)
        self.snapshots = []
        self.snapshot_steps = []

    def on_train_begin(self, logs=None):
        # Allow instances to be re-used across `model.fit()` calls.
        self.snapshots = []
        self.snapshot_steps = []
        first, t_mul = self._cycle()
        self._length = float(first)
        self._t_mul = t_mul
        self._next_end = float(first)
        step = self._iterations()
        while self._next_end <= step:  # a resumed fit: skip the finished cycles
            self._advance()

    def on_epoch_begin(self, epoch, logs=None):
        # One read of the step counter per epoch; batches count from it (with
        # steps_per_execution > 1 Keras reports the last batch of each call).
        self._epoch_start = self._iterations()

    def on_train_batch_end(self, batch, logs=None):
        step = self._epoch_start + int(batch) + 1
        if step < self._next_end:
            return
        sync_variables(self.model)
        if weights_are_finite(self.model):
            self.snapshots.append([np.array(w) for w in self.model.get_weights()])
            self.snapshot_steps.append(step)
            if self.max_snapshots is not None:
                del self.snapshots[:-self.max_snapshots]
                del self.snapshot_steps[:-self.max_snapshots]
        while self._next_end <= step:
            self._advance()

    def _iterations(self):
        return int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))

    def _advance(self):
        self._length *= self._t_mul
        self._next_end += max(round(self._length), 1)

    def _cycle(self):
        schedule = getattr(self.model.optimizer, "_learning_rate", None)
        if self.cycle_steps is not None:
            t_mul = self.t_mul if self.t_mul is not None else 1.0
            return self.cycle_steps, t_mul
        if not isinstance(schedule, keras.optimizers.schedules.CosineDecayRestarts):
            raise ValueError(
                "SnapshotEnsemble needs `cycle_steps`, or an optimizer whose learning "
                "rate is a keras.optimizers.schedules.CosineDecayRestarts schedule. "
                f"Received: learning_rate={type(schedule).__name__}")
        t_mul = self.t_mul if self.t_mul is not None else float(schedule._t_mul)
        return int(schedule.first_decay_steps), t_mul

    def member_models(self, build=None):
        """Returns one model per snapshot, holding that snapshot's weights.

        Args:
            build: A function of no arguments returning a fresh model of the
                same architecture, or `None` to copy the trained model with
                `keras.models.clone_model`. Defaults to `None`.

        Returns:
            A list of (uncompiled) `keras.Model`s, oldest snapshot first.
        """
        members = []
        for weights in self.snapshots:
            member = build() if build is not None else keras.models.clone_model(self.model)
            member.set_weights(weights)
            members.append(member)
        return members

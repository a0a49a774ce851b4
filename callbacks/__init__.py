"""Callbacks and learning rate schedules for Keras 3 training.

Keras already ships early stopping, plateau decay, CSV logging and basic
checkpointing, and most schedules (`ExponentialDecay`, also as step decay
with `staircase=True`, `PiecewiseConstantDecay`, `CosineDecay` with
`warmup_target`, `CosineDecayRestarts`); this package reuses them and adds
what is missing: one-cycle and cyclical schedules, a warmup wrapper, a
learning rate finder, resumable and crash-safe checkpoints, a NaN guard,
gradient-norm monitoring, SWA and small logging helpers.
"""

from keras_recipes.callbacks.atomic_checkpoint import AtomicCheckpoint
from keras_recipes.callbacks.create_schedule import create_schedule
from keras_recipes.callbacks.create_schedule import list_schedules
from keras_recipes.callbacks.cyclical_learning_rate import CyclicalLearningRate
from keras_recipes.callbacks.cyclical_momentum import CyclicalMomentum
from keras_recipes.callbacks.early_stopping import EarlyStopping
from keras_recipes.callbacks.elapsed_time import ElapsedTime
from keras_recipes.callbacks.find_learning_rate import find_learning_rate
from keras_recipes.callbacks.gradient_norm_monitor import GradientNormMonitor
from keras_recipes.callbacks.gradient_norms import gradient_norms
from keras_recipes.callbacks.learning_rate_logger import LearningRateLogger
from keras_recipes.callbacks.linear_warmup import LinearWarmup
from keras_recipes.callbacks.lr_finder import LRFinder
from keras_recipes.callbacks.nan_guard import NaNGuard
from keras_recipes.callbacks.one_cycle import OneCycle
from keras_recipes.callbacks.plot_schedule import plot_schedule
from keras_recipes.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from keras_recipes.callbacks.resume_training import resume_training
from keras_recipes.callbacks.snapshot_ensemble import SnapshotEnsemble
from keras_recipes.callbacks.standard_callbacks import standard_callbacks
from keras_recipes.callbacks.stochastic_weight_averaging import (
    StochasticWeightAveraging,
)
from keras_recipes.callbacks.tensorboard_scalars import TensorBoardScalars
from keras_recipes.callbacks.time_budget import TimeBudget
from keras_recipes.callbacks.training_checkpoint import TrainingCheckpoint

__all__ = [
    "AtomicCheckpoint",
    "CyclicalLearningRate",
    "CyclicalMomentum",
    "EarlyStopping",
    "ElapsedTime",
    "GradientNormMonitor",
    "LRFinder",
    "LearningRateLogger",
    "LinearWarmup",
    "NaNGuard",
    "OneCycle",
    "ReduceLROnPlateau",
    "SnapshotEnsemble",
    "StochasticWeightAveraging",
    "TensorBoardScalars",
    "TimeBudget",
    "TrainingCheckpoint",
    "create_schedule",
    "find_learning_rate",
    "gradient_norms",
    "list_schedules",
    "plot_schedule",
    "resume_training",
    "standard_callbacks",
]

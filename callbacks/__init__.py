"""Callbacks and learning rate schedules for Keras 3 training.

Keras already ships early stopping, plateau decay, CSV logging and basic
checkpointing, and most schedules (`ExponentialDecay`, also as step decay
with `staircase=True`, `PiecewiseConstantDecay`, `CosineDecay` with
`warmup_target`, `CosineDecayRestarts`); this package reuses them and adds
what is missing: one-cycle and cyclical schedules, a warmup wrapper, a
learning rate finder, resumable and crash-safe checkpoints, a NaN guard,
gradient-norm monitoring, SWA and small logging helpers.
"""

from keras_recipes.callbacks.create_schedule import create_schedule
from keras_recipes.callbacks.create_schedule import list_schedules
from keras_recipes.callbacks.cyclical_learning_rate import CyclicalLearningRate
from keras_recipes.callbacks.cyclical_momentum import CyclicalMomentum
from keras_recipes.callbacks.find_learning_rate import find_learning_rate
from keras_recipes.callbacks.linear_warmup import LinearWarmup
from keras_recipes.callbacks.lr_finder import LRFinder
from keras_recipes.callbacks.one_cycle import OneCycle
from keras_recipes.callbacks.plot_schedule import plot_schedule

"""Optimizer registry, full-batch L-BFGS and training regimes."""

from keras_recipes.tuning.lbfgs import fit_lbfgs
from keras_recipes.tuning.optimizers import HyperparameterSpec
from keras_recipes.tuning.optimizers import OptimizerSpec
from keras_recipes.tuning.optimizers import create_optimizer
from keras_recipes.tuning.optimizers import get_optimizer_spec
from keras_recipes.tuning.optimizers import is_keras_optimizer
from keras_recipes.tuning.optimizers import list_optimizers
from keras_recipes.tuning.regimes import describe_regime
from keras_recipes.tuning.regimes import list_regimes
from keras_recipes.tuning.regimes import resolve_batch_size

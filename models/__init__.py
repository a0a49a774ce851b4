"""Keras model builders, preprocessing and augmentation (`keras_recipes.models`)."""

from keras_recipes.models.augmentation import build_augmentation
from keras_recipes.models.augmentation import build_label_mixing
from keras_recipes.models.augmentation import build_rand_augment
from keras_recipes.models.augmentation_gallery import save_augmentation_gallery
from keras_recipes.models.cnn import build_cnn
from keras_recipes.models.fine_tuning import freeze_backbone
from keras_recipes.models.fine_tuning import unfreeze
from keras_recipes.models.heads import task_head
from keras_recipes.models.heads import task_loss
from keras_recipes.models.heads import task_metrics
from keras_recipes.models.imputer import Imputer
from keras_recipes.models.mlp import build_mlp
from keras_recipes.models.registry import create_model
from keras_recipes.models.registry import list_models
from keras_recipes.models.registry import model_options
from keras_recipes.models.resnet import build_resnet
from keras_recipes.models.rnn import build_rnn
from keras_recipes.models.tabular_preprocessing import build_tabular_preprocessing
from keras_recipes.models.transfer import build_transfer

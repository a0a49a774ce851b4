"""A KerasTuner HyperModel of a tabular model over a `SearchSpace`."""

import math

import keras_tuner

from keras_recipes.callbacks import create_schedule
from keras_recipes.models import build_tabular_preprocessing
from keras_recipes.models import create_model
from keras_recipes.models import model_options
from keras_recipes.models import task_loss
from keras_recipes.models import task_metrics
from keras_recipes.tuning.execution_options import speed_options
from keras_recipes.tuning.optimizers import create_optimizer
from keras_recipes.tuning.search_space import ARCHITECTURE
from keras_recipes.tuning.search_space import SearchSpace


class TabularHyperModel(keras_tuner.HyperModel):
    """Builds and trains a registry model on a table, one trial at a time.

    `build(hp)` declares the `SearchSpace` on `hp`, fits the preprocessing
    (scaling, category encoding, optional imputation) on the training rows,
    builds the model with `models.create_model` and compiles it with
    `tuning.create_optimizer` (and `callbacks.create_schedule` when the
    space searches the schedule), the task's loss and metrics. `fit` trains
    with the trial's batch size and epochs.

    The fixed settings (data, task, model name) are validated here, the
    tunable ones live in `space`, so a bad definition fails when the
    HyperModel is created, before any trial runs.

    Args:
        x_train: Training features used to fit the preprocessing: a float
            array `(rows, columns)`, or a dict with a `"numeric"` array and
            one `(rows, 1)` string array per categorical column.
        task: `"binary"`, `"multiclass"` or `"regression"`.
        num_classes: Number of classes of a classification task. Defaults to
            `None`.
        space: The `SearchSpace`. Defaults to `None`: `SearchSpace()`, every
            Keras optimizer of the registry.
        model: Name of a registry model taking feature vectors. Defaults to
            `"mlp"`.
        categorical_columns: Names of the categorical inputs of `x_train`.
            Defaults to `()`.
        impute: `None`, `"mean"`, `"median"` or `"most_frequent"`, see
            `build_tabular_preprocessing`. Defaults to `None`.
        class_weight: Keras `class_weight` dict for `fit`, or `None`.
            Defaults to `None`.

    Raises:
        ValueError: If the model name is unknown or does not take an
            architecture option the space searches or fixes.

    Example:

    ```python
    hypermodel = TabularHyperModel(x_train, task="binary",
                                   space=SearchSpace(optimizers=["adam", "sgd"]))
    tuner = keras_tuner.RandomSearch(hypermodel, objective="val_accuracy",
                                     max_trials=10)
    tuner.search(x_train, y_train, validation_data=(x_val, y_val))
    ```
    """

    def __init__(self, x_train, task, num_classes=None, space=None, model="mlp",
                 categorical_columns=(), impute=None, class_weight=None):
        super().__init__(name=f"tabular_{model}")
        self.space = space if space is not None else SearchSpace()
        accepted = model_options(model)  # Raises for an unknown model.
        used = {name for name in self.space.names if name in ARCHITECTURE}
        used.update(name for name in self.space.fixed if name in ARCHITECTURE)
        missing = sorted(used - set(accepted))
        if missing:
            raise ValueError(
                f"The '{model}' model has no option(s) {missing}; it accepts "
                f"{sorted(accepted)}. Received: model={model!r}"
            )
        self.x_train = x_train
        self.task = task
        self.num_classes = num_classes
        self.model = model
        self.categorical_columns = list(categorical_columns)
        self.impute = impute
        self.class_weight = class_weight

    @property
    def objectives(self):
        """Log keys a trial can be scored by: the loss and metrics, plain and `val_`."""
        names = ["loss"] + [metric if isinstance(metric, str) else metric.name
                            for metric in task_metrics(self.task)]
        return names + [f"val_{name}" for name in names]

    def build(self, hp, x_train=None):
        """Builds and compiles the model of one trial.

        Args:
            hp: The trial's `keras_tuner.HyperParameters`.
            x_train: Rows that fit the preprocessing, such as one
                cross-validation fold. Defaults to `None`: the rows given to
                the constructor.

        Returns:
            A compiled `keras.Model`.
        """
        x_train = self.x_train if x_train is None else x_train
        settings = self.space.declare(hp)
        preprocessing = build_tabular_preprocessing(
            x_train, categorical_columns=self.categorical_columns,
            impute=self.impute)
        model = create_model(self.model, task=self.task, num_classes=self.num_classes,
                             preprocessing=preprocessing, **settings.model_options)
        learning_rate = settings.learning_rate
        if settings.schedule != "constant":
            epochs = hp.values.get("tuner/epochs", settings.epochs)
            steps = epochs * math.ceil(_num_rows(x_train) / settings.batch_size)
            learning_rate = create_schedule(settings.schedule, learning_rate,
                                            total_steps=max(steps, 2))
        model.compile(
            optimizer=create_optimizer(settings.optimizer, learning_rate=learning_rate,
                                       **settings.optimizer_arguments),
            loss=task_loss(self.task),
            metrics=task_metrics(self.task),
            **speed_options(_num_rows(x_train), settings.batch_size),
        )
        return model

    def fit(self, hp, model, *args, **kwargs):
        """Trains a model with the trial's batch size and epochs.

        Args:
            hp: The trial's `keras_tuner.HyperParameters`.
            model: The model `build(hp)` returned.
            *args: Passed to `model.fit` (the training data).
            **kwargs: Passed to `model.fit`; an explicit `epochs` (as
                Hyperband gives) wins over the trial's. `verbose` defaults to
                0.

        Returns:
            The `keras.callbacks.History`.
        """
        settings = self.space.declare(hp)
        kwargs.setdefault("epochs", settings.epochs)
        kwargs.setdefault("batch_size", settings.batch_size)
        kwargs.setdefault("class_weight", self.class_weight)
        kwargs.setdefault("verbose", 0)
        return model.fit(*args, **kwargs)


def _num_rows(x):
    if isinstance(x, dict):
        return len(next(iter(x.values())))
    return len(x)

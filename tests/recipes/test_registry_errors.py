"""Every registry refuses an unknown name with one message shape listing the valid names."""

import pytest

from keras_recipes.callbacks import create_schedule
from keras_recipes.callbacks import list_schedules
from keras_recipes.models import create_model
from keras_recipes.models import list_models
from keras_recipes.recipes.common.registry import load_recipe
from keras_recipes.recipes.common.registry import list_recipes
from keras_recipes.tuning import create_optimizer
from keras_recipes.tuning import create_tuner
from keras_recipes.tuning import list_optimizers
from keras_recipes.tuning import list_tuners

REGISTRIES = {
    "optimizer": (lambda: create_optimizer("nope"), list_optimizers),
    "schedule": (lambda: create_schedule("nope", 0.1, 100), list_schedules),
    "model": (lambda: create_model("nope", input_shape=(4,), task="binary"), list_models),
    "tuner": (lambda: create_tuner("nope", None, "val_loss", "/tmp/never"), list_tuners),
    "recipe": (lambda: load_recipe("nope"), list_recipes),
}


@pytest.mark.parametrize("kind", sorted(REGISTRIES))
def test_an_unknown_name_names_itself_and_lists_the_valid_ones(kind):
    call, listing = REGISTRIES[kind]
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.startswith(f"Unknown {kind} 'nope'. Valid names: ")
    valid = listing()
    names = [getattr(entry, "name", entry) for entry in valid]
    assert all(name in message for name in names)

"""`python -m keras_recipes.recipes` is the `keras-recipes` command."""

import sys

from keras_recipes.recipes.common.cli import main

sys.exit(main())

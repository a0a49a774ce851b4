"""The `keras-recipes` command: list recipes and run one.

    keras-recipes list
    keras-recipes run NAME [--backend jax|tensorflow] [--smoke] [--seed N] [--out DIR] [recipe flags]
    keras-recipes run NAME --help
    keras-recipes tune NAME [--tuner random|grid|bayesian|hyperband] [--max-trials N]
        [--objective KEY] [--cv K] [--out DIR] [--resume] [--smoke] [--seed N]
        [--optimizers adam,sgd] [--tune schedule,architecture] [--prune] [recipe flags]
    keras-recipes tune NAME --help
    keras-recipes predict RUN_DIR --csv new.csv [--out predictions.csv]
    keras-recipes export RUN_DIR --format saved_model|tflite|onnx [--rows N]
    keras-recipes compare RUN_A RUN_B [--out DIR] [--resamples N]
    keras-recipes check-shift RUN_DIR --csv new.csv [--out shift.json] [--alpha 0.05]
"""

import argparse
import sys

from keras_recipes.recipes.common.backends import select_backend
from keras_recipes.recipes.common.check_shift import add_check_shift_command
from keras_recipes.recipes.common.compare_runs import add_compare_command
from keras_recipes.recipes.common.model_commands import add_model_commands
from keras_recipes.recipes.common.registry import list_recipes
from keras_recipes.recipes.common.registry import load_recipe
from keras_recipes.recipes.common.registry import recipe_info


def _list(_):
    infos = [recipe_info(name) for name in list_recipes()]
    width = max(len(info.name) for info in infos)
    for info in infos:
        print(f"{info.name:<{width}}  {info.description}")
    return 0


def _run(arguments):
    if arguments.name not in list_recipes():
        print(f"keras-recipes: error: unknown recipe {arguments.name!r}. "
              f"Recipes: {', '.join(list_recipes())}.", file=sys.stderr)
        return 2
    load_recipe(arguments.name).main(arguments.recipe_args)
    return 0


def _tune(arguments):
    # Imported here so that `list` and `run` do not load KerasTuner.
    from keras_recipes.recipes.common.run_context import exit_on_error
    from keras_recipes.recipes.common.run_context import print_summary
    from keras_recipes.recipes.common.tuning_runs import parse_tune_arguments
    from keras_recipes.recipes.common.tuning_runs import tunable_recipes
    from keras_recipes.recipes.common.tuning_runs import tune_recipe

    if arguments.name not in tunable_recipes():
        print(f"keras-recipes: error: cannot tune {arguments.name!r}; tunable "
              f"recipes: {', '.join(tunable_recipes())}.", file=sys.stderr)
        return 2
    config, settings = parse_tune_arguments(arguments.name, arguments.recipe_args)
    with exit_on_error(f"tune {arguments.name}"):
        result = tune_recipe(arguments.name, config, settings)
    if "best_score" in result.metrics:
        print_summary(result, ["best_score", "test_accuracy", "test_rmse"])
    return 0


def build_parser():
    """Builds the top-level parser with its `list`, `run` and `tune` commands."""
    parser = argparse.ArgumentParser(
        prog="keras-recipes",
        description="Runnable, measured Keras training recipes.")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="List the recipes.")
    listing.set_defaults(handler=_list)
    running = commands.add_parser(
        "run", help="Run a recipe; `run NAME --help` lists its flags.",
        add_help=False)
    running.add_argument("name", help="Recipe name (see `keras-recipes list`).")
    running.add_argument("recipe_args", nargs=argparse.REMAINDER,
                         help="Flags of the recipe.")
    running.set_defaults(handler=_run)
    tuning = commands.add_parser(
        "tune", help="Sweep a tabular recipe's hyperparameters; `tune NAME --help` "
                     "lists the flags.", add_help=False)
    tuning.add_argument("name", help="Tabular recipe name (see `keras-recipes list`).")
    tuning.add_argument("recipe_args", nargs=argparse.REMAINDER,
                        help="Sweep and recipe flags.")
    tuning.set_defaults(handler=_tune)
    add_model_commands(commands)
    add_compare_command(commands)
    add_check_shift_command(commands)
    return parser


def main(argv=None):
    """Entry point of the `keras-recipes` console script.

    `--backend NAME`, anywhere on the line, picks the Keras backend before
    Keras is imported (see `backends.select_backend`).
    """
    try:
        argv = select_backend(sys.argv[1:] if argv is None else argv)
    except ValueError as error:
        print(f"keras-recipes: error: {error}", file=sys.stderr)
        return 2
    arguments = build_parser().parse_args(argv)
    return arguments.handler(arguments)


if __name__ == "__main__":
    sys.exit(main())

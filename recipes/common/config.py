"""Recipe configuration: dataclass fields that double as command-line flags.

A recipe's `Config` subclasses `RecipeConfig` (or `TabularDataConfig`); each
field's `metadata` carries its help text and, optionally, its choices, so
`--help` documents every flag from one place.
"""

import argparse
import codecs
import dataclasses
import numbers
import typing

from keras_recipes.recipes.common.backends import BACKENDS
from keras_recipes.recipes.common.backends import check_backend


def option(default, help, choices=None, aliases=(), check=None):
    """Declares a config field with its help text, choices and validation.

    Args:
        default: The field's default value.
        help: One sentence for `--help`.
        choices: Allowed values, or `None`. Defaults to `None`.
        aliases: Extra flag spellings such as `("--lr",)`. Defaults to `()`.
        check: A function `check(name, value)` that raises a `ValueError`
            naming the field when the value is bad (such as
            `check_integer`); `RecipeConfig` calls it when the config is
            made, before anything runs. Defaults to `None`.

    Returns:
        A `dataclasses.field`.
    """
    return dataclasses.field(default=default, metadata={
        "help": help, "choices": choices, "aliases": tuple(aliases), "check": check})


def check_integer(name, value, minimum=1):
    """Raises a ValueError unless `value` is an integer (not a bool) >= `minimum`.

    Args:
        name: The parameter's name, for the message.
        value: The value to check.
        minimum: The smallest allowed value. Defaults to `1`.

    Raises:
        ValueError: Naming the parameter, the bound and the value received.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        bound = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"The '{name}' parameter must be {bound}. Got {value!r} instead.")


def check_fraction(name, value):
    """Raises a ValueError unless `value` is a number in (0, 1]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value <= 1:
        raise ValueError(f"The '{name}' parameter must be in (0, 1]. Got {value!r} instead.")


def check_positive(name, value):
    """Raises a ValueError unless `value` is a finite number > 0."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not 0 < value < float("inf")):
        raise ValueError(f"The '{name}' parameter must be a positive number. "
                         f"Got {value!r} instead.")


def check_seed(name, value):
    """Raises a ValueError unless `value` is an integer >= 0 (a valid seed)."""
    check_integer(name, value, minimum=0)


def check_non_negative_integer(name, value):
    """Raises a ValueError unless `value` is an integer >= 0 (such as a patience)."""
    check_integer(name, value, minimum=0)


def check_rate(name, value):
    """Raises a ValueError unless `value` is a number in [0, 1) (such as a dropout rate)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"The '{name}' parameter must be in [0, 1). Got {value!r} instead.")


def check_positive_or_auto(name, value):
    """Raises a ValueError unless `value` is a finite number > 0 or `"auto"`."""
    if value == "auto":
        return
    try:
        check_positive(name, value)
    except ValueError:
        raise ValueError(f"The '{name}' parameter must be a positive number or 'auto'. "
                         f"Got {value!r} instead.") from None


def optional(check):
    """Wraps a check so that `None` (meaning "the default") passes too."""
    def check_optional(name, value):
        if value is not None:
            check(name, value)
    check_optional.__name__ = f"optional_{getattr(check, '__name__', 'check')}"
    return check_optional


def float_or_auto(text):
    """Parses a number, or the word `auto` (for settings a recipe can find)."""
    if isinstance(text, str) and text.strip().lower() == "auto":
        return "auto"
    try:
        return float(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(
            f"expected a number or 'auto'. Got {text!r} instead.") from None


@dataclasses.dataclass
class RecipeConfig:
    """Settings every recipe shares."""

    seed: int = option(42, "Random seed for splits, weights and shuffling.",
                       check=check_seed)
    smoke: bool = option(False, "Tiny run that finishes in seconds, to check the pipeline.")
    out: typing.Optional[str] = option(
        None, "Run directory; must not exist or be empty. Defaults to runs/NAME-TIME.")
    precision: str = option(
        "auto", "Float precision; auto uses mixed precision on a GPU only.",
        choices=("auto", "float32", "mixed_float16", "mixed_bfloat16"))
    verbose: int = option(1, "0 silent, 1 one line per epoch, 2 Keras progress bars.",
                          choices=(0, 1, 2))

    # Fields the recipe replaces under --smoke, e.g. {"epochs": 3}; a field
    # set explicitly (a flag, or a value other than its default) wins.
    smoke_settings: typing.ClassVar[dict] = {}

    def __post_init__(self):
        for field in dataclasses.fields(self):
            check = field.metadata.get("check")
            if check is not None:
                check(field.name, getattr(self, field.name))

    def resolved(self):
        """Returns the config with the smoke settings applied when `smoke`.

        Settings given explicitly win over the smoke preset: a command-line
        flag (even one equal to the default), or a value other than the
        field's default. The returned config holds what actually runs, and is
        what `config.json` records.
        """
        if not self.smoke:
            return self
        explicit = self.explicit_fields()
        preset = {key: value for key, value in self.smoke_settings.items()
                  if key not in explicit}
        resolved = dataclasses.replace(self, **preset)
        resolved._explicit = explicit
        return resolved

    def explicit_fields(self):
        """Names of the fields set explicitly: by a flag, or to a non-default value."""
        explicit = set(getattr(self, "_explicit", ()))
        for field in dataclasses.fields(self):
            if field.default is not dataclasses.MISSING and \
                    getattr(self, field.name) != field.default:
                explicit.add(field.name)
        return explicit

    def to_dict(self):
        """Returns the fields as a JSON-friendly dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass
class TabularDataConfig(RecipeConfig):
    """Settings of recipes that train on a table: bundled or the user's CSV."""

    dataset: str = option("breast_cancer", "Bundled dataset (ignored with --csv).")
    csv: typing.Optional[str] = option(None, "Path of your own CSV file (needs --target).")
    target: typing.Optional[str] = option(None, "Target column of --csv.")
    drop: str = option("", "Comma-separated CSV columns to ignore, e.g. an ID column.")
    impute: typing.Optional[str] = option(
        None, "Impute missing feature values inside the model.",
        choices=(None, "mean", "median", "most_frequent"))
    encoding: str = option("utf-8", "Text encoding of --csv, e.g. latin-1 or cp1252.")
    sep: typing.Optional[str] = option(
        None, "Field delimiter of --csv; by default detected among , ; tab and |.")
    na_values: str = option(
        "", "Comma-separated extra tokens of --csv that mean a missing value, e.g. '?,-'.")

    def __post_init__(self):
        super().__post_init__()
        if self.csv and not self.target:
            raise ValueError("--csv needs --target COLUMN to name the column to predict.")
        if self.target and not self.csv:
            raise ValueError("--target only applies with --csv PATH.")
        try:
            codecs.lookup(self.encoding)
        except (LookupError, TypeError):
            raise ValueError(
                "The 'encoding' parameter must be a text encoding such as utf-8, "
                f"latin-1 or cp1252. Got {self.encoding!r} instead.") from None
        if self.sep is not None and (not isinstance(self.sep, str) or not self.sep
                                     or self.sep == '"'):
            raise ValueError("The 'sep' parameter must be a delimiter such as ',' or "
                             f"';'. Got {self.sep!r} instead.")


@dataclasses.dataclass
class TunableConfig(TabularDataConfig):
    """Settings of a recipe that trains one MLP on a table.

    `keras-recipes tune NAME` accepts exactly the recipes whose `Config`
    subclasses this: the sweep takes over their training settings
    (optimizer, learning rate, batch size, architecture) and keeps their
    data flags.
    """


def build_parser(config_class, prog, description=None):
    """Builds an argparse parser with one flag per config field.

    Args:
        config_class: A `RecipeConfig` dataclass.
        prog: Program name shown in usage lines.
        description: Text shown by `--help`. Defaults to `None`.

    Returns:
        An `argparse.ArgumentParser`.
    """
    parser = argparse.ArgumentParser(
        prog=prog, description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    hints = typing.get_type_hints(config_class)
    for field in dataclasses.fields(config_class):
        flags = ["--" + field.name.replace("_", "-"),
                 *field.metadata.get("aliases", ())]
        hint = hints[field.name]
        kind = _base_type(hint)
        help_text = field.metadata.get("help", "")
        if kind is bool:
            parser.add_argument(*flags, dest=field.name, default=field.default,
                                action=argparse.BooleanOptionalAction,
                                help=help_text)
            continue
        choices = field.metadata.get("choices")
        parser.add_argument(
            *flags, dest=field.name, default=field.default,
            type=_parse_optional(kind) if _is_optional(hint) else kind, help=help_text,
            choices=choices, metavar=None if choices else field.name.upper(),
        )
    return parser


def parse_config(config_class, argv, prog, description=None):
    """Parses command-line flags into a config; bad values exit with usage."""
    parser = build_parser(config_class, prog, description)
    parser.add_argument(
        "--backend", choices=BACKENDS, default=None,
        help="Keras backend; Keras must start on it, so pass it to `keras-recipes "
             "run` or set KERAS_BACKEND (default: the fastest installed, see README).")
    values = vars(parser.parse_args(argv))
    backend = values.pop("backend")
    try:
        if backend:
            check_backend(backend)
        config = config_class(**values)
    except ValueError as error:
        refuse(parser, error)
    config._explicit = explicit_flags(parser, argv)
    return config


def refuse(parser, error):
    """Exits with status 2 and one line naming the bad setting (no usage block)."""
    message = " ".join(str(error).split())
    parser.exit(2, f"{parser.prog}: error: {message}\n")


def explicit_flags(parser, argv):
    """Names (dests) of the options that `argv` gives explicitly.

    Args:
        parser: The `argparse.ArgumentParser`.
        argv: The arguments, as passed to `parse_args`.

    Returns:
        A set of destination names.
    """
    unset = object()
    namespace = argparse.Namespace(**{
        action.dest: unset for action in parser._actions if action.dest != "help"})
    parser.parse_args(argv, namespace=namespace)
    return {key for key, value in vars(namespace).items() if value is not unset}


def _base_type(hint):
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if set(args) == {float, str}:
        return float_or_auto
    return args[0] if typing.get_origin(hint) is typing.Union else hint


def _is_optional(hint):
    return type(None) in typing.get_args(hint)


def _parse_optional(kind):
    def parse(text):
        if text.lower() in ("none", ""):
            return None
        return kind(text)
    parse.__name__ = "number" if kind is float_or_auto else kind.__name__
    return parse

"""Comma-separated command-line options: variant names, seeds, pairs.

Comparison recipes take lists on the command line (`--variants none,l2`,
`--seeds 1,2,3`, `--pairs relu:he_normal,tanh:glorot_uniform`). These parse
them and refuse a bad item with a `ValueError` that names the parameter, the
received text and the valid values, so a typo fails before anything trains.
"""


def _items(text):
    """Splits a comma-separated string (or takes a list) into stripped items."""
    items = text.split(",") if isinstance(text, str) else list(text)
    return [str(item).strip() for item in items if str(item).strip()]


def parse_names(text, valid, parameter):
    """Parses a comma-separated list of names, each one of `valid`.

    Args:
        text: Names separated by commas, such as `"none, l2"`, or a list of
            names. Spaces are ignored; duplicates are dropped.
        valid: The accepted names, in their canonical order.
        parameter: Name of the setting, for error messages.

    Returns:
        The names in the order given.

    Raises:
        ValueError: If the list is empty or holds a name not in `valid`.

    Example:

    >>> parse_names("dropout, none", ("none", "l2", "dropout"), "variants")
    ['dropout', 'none']
    """
    names = list(dict.fromkeys(_items(text)))
    unknown = [name for name in names if name not in valid]
    if unknown or not names:
        raise ValueError(
            f"The '{parameter}' parameter must be a comma-separated list of: "
            f"{', '.join(valid)}. Got {text!r} instead"
            + (f" (unknown: {', '.join(unknown)})." if unknown else ".")
        )
    return names


def parse_pairs(text, first_valid, second_valid, parameter, names=("first", "second")):
    """Parses a comma-separated list of `a:b` pairs, each part validated.

    Args:
        text: Pairs such as `"relu:he_normal, tanh:glorot_uniform"`, or a
            list of such strings. Duplicates are dropped.
        first_valid: Accepted values of the part before the colon.
        second_valid: Accepted values of the part after the colon.
        parameter: Name of the setting, for error messages.
        names: What the two parts are called in error messages. Defaults to
            `("first", "second")`.

    Returns:
        A list of `(first, second)` tuples in the order given.

    Raises:
        ValueError: If the list is empty, an item has no single colon, or a
            part is not one of its valid values.

    Example:

    >>> parse_pairs("relu:he_normal", ("relu",), ("he_normal",), "pairs")
    [('relu', 'he_normal')]
    """
    items = _items(text)
    if not items:
        raise ValueError(
            f"The '{parameter}' parameter must be a comma-separated list of "
            f"{names[0]}:{names[1]} pairs. Got {text!r} instead."
        )
    pairs = []
    for item in items:
        parts = [part.strip() for part in item.split(":")]
        if len(parts) != 2:
            raise ValueError(
                f"The '{parameter}' parameter must be a comma-separated list of "
                f"{names[0]}:{names[1]} pairs. Got {item!r} in {text!r} instead."
            )
        for part, valid, name in zip(parts, (first_valid, second_valid), names):
            if part not in valid:
                raise ValueError(
                    f"The '{parameter}' parameter has an unknown {name} {part!r} "
                    f"in {item!r}. Valid {name}s: {', '.join(valid)}."
                )
        pairs.append(tuple(parts))
    return list(dict.fromkeys(pairs))

"""Validation of the options that the model builders share.

Every builder checks its options here before it creates a layer, so a bad
value fails with the same message shape wherever it is passed.
"""

import numbers

import keras

ACTIVATIONS = (
    "elu",
    "gelu",
    "leaky_relu",
    "relu",
    "selu",
    "sigmoid",
    "silu",
    "swish",
    "tanh",
)

# Accepted names -> the Keras initializer they stand for.
INITIALIZERS = {
    "glorot_normal": "glorot_normal",
    "glorot_uniform": "glorot_uniform",
    "he_normal": "he_normal",
    "he_uniform": "he_uniform",
    "lecun_normal": "lecun_normal",
    "lecun_uniform": "lecun_uniform",
    "orthogonal": "orthogonal",
    "xavier_normal": "glorot_normal",
    "xavier_uniform": "glorot_uniform",
}


def check_choice(name, value, choices):
    """Returns `value` if it is one of `choices`.

    Args:
        name: Name of the option, used in the error message.
        value: The received value.
        choices: The valid values.

    Returns:
        `value`, unchanged.

    Raises:
        ValueError: If `value` is not one of `choices`.
    """
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f"The '{name}' option must be one of: {', '.join(choices)}. "
            f"Received: {name}={value!r}"
        )
    return value


def check_activation(activation):
    """Returns a validated activation name (see `ACTIVATIONS`).

    Raises:
        ValueError: If `activation` is not one of `ACTIVATIONS`.
    """
    return check_choice("activation", activation, ACTIVATIONS)


def check_initializer(kernel_initializer):
    """Returns the Keras name of a kernel initializer.

    `xavier_uniform` and `xavier_normal` are accepted as the other names of
    `glorot_uniform` and `glorot_normal`.

    Raises:
        ValueError: If `kernel_initializer` is not one of `INITIALIZERS`.
    """
    check_choice("kernel_initializer", kernel_initializer, tuple(INITIALIZERS))
    return INITIALIZERS[kernel_initializer]


def check_int(name, value, minimum):
    """Returns `value` if it is an integer `>= minimum`.

    Raises:
        ValueError: If `value` is not an integer, or is below `minimum`.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
    ):
        raise ValueError(
            f"The '{name}' option must be an integer >= {minimum}. "
            f"Received: {name}={value!r}"
        )
    return int(value)


def check_rate(name, value):
    """Returns `value` as a float if it lies in `[0, 1)` (a dropout rate).

    Raises:
        ValueError: If `value` is not a number in `[0, 1)`.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0 <= value < 1
    ):
        raise ValueError(
            f"The '{name}' option must be a number in [0, 1). "
            f"Received: {name}={value!r}"
        )
    return float(value)


def check_bool(name, value):
    """Returns `value` if it is a bool.

    Raises:
        ValueError: If `value` is not `True` or `False`.
    """
    if not isinstance(value, bool):
        raise ValueError(
            f"The '{name}' option must be True or False. "
            f"Received: {name}={value!r}"
        )
    return value


def check_regularizer(l1, l2):
    """Returns the kernel regularizer for the `l1` and `l2` options.

    Args:
        l1: L1 penalty factor, a number `>= 0`.
        l2: L2 penalty factor, a number `>= 0`.

    Returns:
        A `keras.regularizers.L1L2`, or `None` when both factors are 0.

    Raises:
        ValueError: If a factor is not a number `>= 0`.
    """
    for name, value in (("l1", l1), ("l2", l2)):
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or not value >= 0
        ):
            raise ValueError(
                f"The '{name}' option must be a number >= 0. "
                f"Received: {name}={value!r}"
            )
    if l1 == 0 and l2 == 0:
        return None
    return keras.regularizers.L1L2(l1=float(l1), l2=float(l2))


def check_layer(name, value):
    """Returns `value` if it is `None` or a `keras.layers.Layer`.

    Raises:
        TypeError: If `value` is neither.
    """
    if value is not None and not isinstance(value, keras.layers.Layer):
        raise TypeError(
            f"The '{name}' option must be None or a keras.layers.Layer "
            f"(for example a keras.Sequential). Received: {name}={value!r}"
        )
    return value

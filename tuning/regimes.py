"""Named training regimes: how many samples each gradient step sees.

The three classic regimes differ only in the batch size given to
`model.fit`: the whole training set (full batch), one sample (stochastic)
or a chosen mini-batch. Recipes select one by name and call
`resolve_batch_size`, so the regime is a config field like any other.
"""

import numbers

_DEFAULT_MINI_BATCH_SIZE = 32

_REGIMES = {
    "full_batch": "One update per pass over all training data (batch size = n).",
    "mini_batch": "One update per batch of a chosen size (32 unless given).",
    "stochastic": "One update per training sample (batch size 1).",
}


def list_regimes():
    """Lists the training regime names.

    Returns:
        Sorted list of regime names.

    Example:

    >>> list_regimes()
    ['full_batch', 'mini_batch', 'stochastic']
    """
    return sorted(_REGIMES)


def describe_regime(regime):
    """Returns a one-line description of a training regime.

    Args:
        regime: A name from `list_regimes()`.

    Returns:
        The description, for reports and command-line help.

    Raises:
        ValueError: If `regime` is unknown; the message lists the names.

    Example:

    >>> describe_regime("stochastic")
    'One update per training sample (batch size 1).'
    """
    _check_regime(regime)
    return _REGIMES[regime]


def resolve_batch_size(regime, n_samples, batch_size=None):
    """Returns the batch size a training regime uses on a training set.

    Args:
        regime: A name from `list_regimes()`.
        n_samples: Number of training samples, a positive integer.
        batch_size: Batch size of the `"mini_batch"` regime, capped at
            `n_samples`; the other regimes fix their own and reject it.
            Defaults to `None` (32 for `"mini_batch"`).

    Returns:
        The batch size to pass to `model.fit`.

    Raises:
        ValueError: If `regime` is unknown (the message lists the names),
            if `n_samples` or `batch_size` is not a positive integer, or if
            `batch_size` is given for a regime other than `"mini_batch"`.

    Example:

    >>> resolve_batch_size("full_batch", n_samples=569)
    569
    >>> resolve_batch_size("mini_batch", n_samples=569, batch_size=64)
    64
    """
    _check_regime(regime)
    _check_positive_integer("n_samples", n_samples)
    if batch_size is not None:
        _check_positive_integer("batch_size", batch_size)
        if regime != "mini_batch":
            raise ValueError(
                f"`batch_size` applies only to the 'mini_batch' regime; "
                f"'{regime}' fixes its own. "
                f"Received: regime={regime!r}, batch_size={batch_size!r}"
            )
    if regime == "full_batch":
        return n_samples
    if regime == "stochastic":
        return 1
    return min(batch_size or _DEFAULT_MINI_BATCH_SIZE, n_samples)


def _check_regime(regime):
    if regime not in _REGIMES:
        raise ValueError(
            f"Unknown training regime. Expected one of {list_regimes()}. "
            f"Received: regime={regime!r}"
        )


def _check_positive_integer(name, value):
    if (
        not isinstance(value, numbers.Integral)
        or isinstance(value, bool)
        or value <= 0
    ):
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )

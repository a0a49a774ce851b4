"""The input end of every builder: a fresh `keras.Input` or a preprocessing model."""

import numbers

import keras


def model_inputs(input_shape, preprocessing, rank, allow_none=False):
    """Returns the inputs of a new model and the tensor its body starts from.

    With `preprocessing`, the new model takes the preprocessing model's
    inputs (a dict of named inputs for tabular data, for example) and its
    body continues from the preprocessing output, so preprocessing travels
    inside the saved model. Otherwise a `keras.Input` of `input_shape` is
    created.

    Args:
        input_shape: Shape of one sample, without the batch axis. Ignored
            when `preprocessing` is given.
        preprocessing: `None`, or a functional `keras.Model` mapping raw
            inputs to features.
        rank: Number of axes of one sample that the body expects (1 for
            feature vectors, 2 for sequences, 3 for images).
        allow_none: Whether the first axis may be `None` (variable-length
            sequences). Defaults to `False`.

    Returns:
        A tuple `(inputs, features)` of symbolic tensors.

    Raises:
        ValueError: If `input_shape` or the preprocessing output does not
            have `rank` axes, or `input_shape` holds a non-positive size.
        TypeError: If `preprocessing` is not a functional `keras.Model`.
    """
    if preprocessing is not None:
        # A Sequential model has no `input` (it raises AttributeError).
        is_model = isinstance(preprocessing, keras.Model)
        inputs = getattr(preprocessing, "input", None) if is_model else None
        if inputs is None:
            raise TypeError(
                "The 'preprocessing' parameter must be a functional "
                "keras.Model (built from keras.Input; wrap a Sequential as "
                "keras.Model(seq.inputs, seq.outputs)). "
                f"Received: preprocessing={preprocessing!r}"
            )
        features = preprocessing.output
        if len(features.shape) - 1 != rank:
            raise ValueError(
                f"The 'preprocessing' model must output samples with {rank} "
                f"axes. Received output shape {tuple(features.shape)}"
            )
        return inputs, features
    sizes = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else ()
    valid = len(sizes) == rank and all(
        (allow_none and i == 0 and size is None)
        or (
            isinstance(size, numbers.Integral)
            and not isinstance(size, bool)
            and size > 0
        )
        for i, size in enumerate(sizes)
    )
    if not valid:
        raise ValueError(
            f"The 'input_shape' parameter must be a tuple of {rank} positive "
            f"sizes (one sample, without the batch axis). "
            f"Received: input_shape={input_shape!r}"
        )
    inputs = keras.Input(shape=sizes, name="inputs")
    return inputs, inputs

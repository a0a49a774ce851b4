import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.decomposition import PCA

from keras_recipes.models import build_tabular_preprocessing
from keras_recipes.models import create_model


def numeric_data(rows=24, columns=4):
    rng = np.random.default_rng(0)
    scale = np.array([1.0, 10.0, 1000.0, 0.1])[:columns]
    return (rng.normal(size=(rows, columns)) * scale + 5).astype("float32")


def test_numeric_is_standardised():
    x = numeric_data()
    output = build_tabular_preprocessing(x).predict(x, verbose=0)
    np.testing.assert_allclose(output.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(output.std(axis=0), 1, atol=1e-3)


def test_pca_matches_sklearn():
    x = numeric_data()
    output = build_tabular_preprocessing(x, pca_components=2).predict(x, verbose=0)
    standardised = (x - x.mean(axis=0)) / x.std(axis=0)
    expected = PCA(2, svd_solver="full").fit_transform(standardised)
    np.testing.assert_allclose(output, expected, atol=1e-3)


def test_missing_numeric_without_impute_is_refused():
    x = numeric_data()
    x[[2, 5], 1] = np.nan
    with pytest.raises(ValueError, match=r"2 missing values \(rows 2, 5; columns \[1\]\).*impute="):
        build_tabular_preprocessing(x)


@pytest.mark.tensorflow_only  # String columns are TensorFlow string tensors.
def test_categorical_vocabulary_and_missing_values():
    x = {"city": np.array([["b"], ["a"], ["b"], [""], [None]], dtype=object)}
    model = build_tabular_preprocessing(x)
    lookup = model.get_layer("lookup_city")
    assert lookup.get_vocabulary() == ["[UNK]", "b", "a"]
    output = model.predict({"city": tf.constant([["a"], [""], ["unseen"]])}, verbose=0)
    np.testing.assert_array_equal(output, [[0, 0, 1], [1, 0, 0], [1, 0, 0]])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"pca_components": 9}, r"'pca_components'.*\[1, 4\].*Received: pca_components=9"),
        ({"impute": "zero"}, "Received: impute='zero'"),
        ({"categorical_columns": ("city",)}, "needs a dict 'x_train'"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_tabular_preprocessing(numeric_data(), **kwargs)


def test_dict_keys_must_match_categorical_columns():
    x = {"numeric": numeric_data(), "city": np.array([["a"]] * 24)}
    with pytest.raises(ValueError, match=r"keys=\['city', 'numeric'\].*\['town'\]"):
        build_tabular_preprocessing(x, categorical_columns=("town",))


def test_all_missing_category_is_refused():
    with pytest.raises(ValueError, match="Categorical column 'city' has no values"):
        build_tabular_preprocessing({"city": np.array([[""], [None]], dtype=object)})


def test_non_numeric_array_is_a_type_error():
    with pytest.raises(TypeError, match="numeric part of 'x_train'"):
        build_tabular_preprocessing(np.array([["a", "b"]], dtype=object))


@pytest.mark.tensorflow_only  # String columns are TensorFlow string tensors.
def test_nan_and_strings_round_trip_through_keras_file(tmp_path):
    numeric = numeric_data()
    numeric[[0, 3], [1, 2]] = np.nan
    city = np.array([["paris"], ["rome"], [""], [None]] * 6, dtype=object)
    preprocessing = build_tabular_preprocessing(
        {"numeric": numeric, "city": city},
        categorical_columns=("city",),
        impute="median",
        pca_components=3,
    )
    model = create_model(
        "mlp", task="binary", num_classes=2, preprocessing=preprocessing, units=8, dropout=0.1
    )
    model.compile("adam", "binary_crossentropy")
    city_text = np.where(city == None, "", city).astype(str)  # noqa: E711
    inputs = {"numeric": numeric, "city": city_text}
    labels = np.arange(24) % 2
    data = tf.data.Dataset.from_tensor_slices((inputs, labels)).batch(8)
    model.fit(data, epochs=1, shuffle=False, verbose=0)
    new = {
        "numeric": tf.constant([[np.nan, np.nan, np.nan, np.nan], numeric[1]]),
        "city": tf.constant([["unseen"], ["rome"]]),
    }
    expected = model.predict(new, verbose=0)
    assert np.all(np.isfinite(expected))
    model.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(reloaded.predict(new, verbose=0), expected)
    assert set(reloaded.input) == {"numeric", "city"}


def test_large_values_survive_mixed_precision():
    x = numeric_data() * 1e4  # beyond float16's range of 65504
    keras.config.set_dtype_policy("mixed_float16")
    try:
        preprocessing = build_tabular_preprocessing(x, impute="mean")
        model = create_model("mlp", task="regression", preprocessing=preprocessing, units=4)
    finally:
        keras.config.set_dtype_policy("float32")
    assert model.get_layer("dense_0").compute_dtype == "float16"
    assert model.get_layer("normalization").compute_dtype == "float32"
    output = model.predict(x, verbose=0)
    assert output.dtype == np.float32 and np.all(np.isfinite(output))


@pytest.mark.tensorflow_only  # String columns are TensorFlow string tensors.
def test_string_tensor_categories_are_encoded_not_unknown():
    import tensorflow as tf

    x = {"numeric": np.array([[1.0], [2.0], [3.0]], "float32"),
         "colour": tf.constant([["red"], ["blue"], ["red"]])}
    preprocessing = build_tabular_preprocessing(x, categorical_columns=["colour"])
    encoded = preprocessing.predict(
        {"numeric": np.array([[2.0], [2.0]], "float32"),
         "colour": tf.constant([["red"], ["blue"]])}, verbose=0)
    one_hot = encoded[:, 1:]
    assert one_hot[:, 0].sum() == 0, "known categories fell into [UNK]"
    assert not np.array_equal(one_hot[0], one_hot[1])


def test_constant_column_keeps_unit_scale_for_unseen_values():
    x = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]], "float32")
    preprocessing = build_tabular_preprocessing(x)
    encoded = preprocessing.predict(np.array([[2.0, 6.0]], "float32"), verbose=0)
    assert abs(encoded[0, 1] - 1.0) < 1e-5

import pytest

from keras_recipes.callbacks import TqdmProgress


@pytest.mark.parametrize("unit, total", [("batch", 12), ("epoch", 3)])
def test_one_bar_per_fit(unit, total, regression_data, make_model, capsys):
    x, y = regression_data
    progress = TqdmProgress(unit=unit, desc="training")
    make_model().fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[progress])
    assert progress.bar is None
    err = capsys.readouterr().err
    assert "training" in err and f"{total}/{total}" in err and "loss=" in err


def test_resumed_fit_starts_part_way(regression_data, make_model, capsys):
    x, y = regression_data
    make_model().fit(
        x, y, batch_size=16, epochs=3, initial_epoch=2, verbose=0,
        callbacks=[TqdmProgress(unit="epoch")],
    )
    assert "3/3" in capsys.readouterr().err


def test_invalid_unit():
    with pytest.raises(ValueError, match="Received: unit=step"):
        TqdmProgress(unit="step")

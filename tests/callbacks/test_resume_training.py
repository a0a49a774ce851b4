import keras
import pytest

from keras_recipes.callbacks import resume_training


def test_requires_a_training_checkpoint(make_model):
    with pytest.raises(ValueError, match="holds no TrainingCheckpoint.*CSVLogger"):
        resume_training(make_model(), [keras.callbacks.CSVLogger("history.csv")])


def test_resume_drops_leftover_temporary_files_and_epochs_logged_after_the_checkpoint(
        regression_data, make_model, tmp_path):
    from keras_recipes.callbacks import TrainingCheckpoint

    x, y = regression_data
    log = tmp_path / "history.csv"
    checkpoint = TrainingCheckpoint(tmp_path / "resume")
    make_model().fit(x, y, epochs=2, verbose=0,
                     callbacks=[keras.callbacks.CSVLogger(str(log)), checkpoint])
    with open(log, "a") as file:  # killed after logging epoch 3, before its checkpoint
        file.write("2,0.5\n")
    (tmp_path / "resume" / ".model-0003.abc.tmp.keras").write_bytes(b"half")

    callbacks = [keras.callbacks.CSVLogger(str(log), append=True),
                 TrainingCheckpoint(tmp_path / "resume")]
    assert resume_training(make_model(), callbacks) == 2
    assert [line.split(",")[0] for line in log.read_text().splitlines()[1:]] == ["0", "1"]
    assert not list((tmp_path / "resume").glob(".*tmp*"))

from keras_recipes.callbacks import ReduceLROnPlateau


def test_state_survives_train_begin(make_model):
    plateau = ReduceLROnPlateau(monitor="loss", patience=3, cooldown=2)
    plateau.set_model(make_model())
    state = {"best": 0.5, "wait": 2, "cooldown_counter": 1}
    plateau.set_state(state)
    plateau.on_train_begin()
    assert plateau.get_state() == state
    plateau.on_train_begin()
    assert plateau.get_state() == {"best": None, "wait": 0, "cooldown_counter": 0}

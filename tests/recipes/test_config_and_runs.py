import json
import os

import numpy as np
import pytest

from keras_recipes.recipes.common.config import TabularDataConfig
from keras_recipes.recipes.common.config import build_parser
from keras_recipes.recipes.common.config import parse_config
from keras_recipes.recipes.common.report import Report
from keras_recipes.callbacks.atomic_files import atomic_path
from keras_recipes.recipes.common.runs import create_run_dir
from keras_recipes.recipes.common.runs import write_history_csv
from keras_recipes.recipes.common.runs import write_json


def test_flags_come_from_config_fields_with_help():
    help_text = build_parser(TabularDataConfig, "prog").format_help()
    for flag in ("--seed", "--smoke", "--out", "--csv", "--target", "--impute"):
        assert flag in help_text
    assert "Random seed" in help_text


def test_parse_config_converts_types_and_optional_values():
    config = parse_config(TabularDataConfig, ["--seed", "7", "--smoke",
                                              "--impute", "median"], "prog")
    assert config.seed == 7 and config.smoke is True and config.impute == "median"
    assert parse_config(TabularDataConfig, [], "prog").out is None
    csv = parse_config(TabularDataConfig, ["--csv", "a.csv", "--target", "y"], "prog")
    assert csv.drop == "" and csv.impute is None


def test_csv_without_target_exits_with_usage(capsys):
    with pytest.raises(SystemExit):
        parse_config(TabularDataConfig, ["--csv", "x.csv"], "prog")
    assert "--target" in capsys.readouterr().err


def test_invalid_choice_exits_with_usage(capsys):
    with pytest.raises(SystemExit):
        parse_config(TabularDataConfig, ["--impute", "zero"], "prog")
    assert "invalid" in capsys.readouterr().err


def test_out_directory_must_be_new_or_empty(tmp_path):
    assert create_run_dir("r", str(tmp_path / "new")) == str(tmp_path / "new")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "precious.txt").write_text("keep me")
    with pytest.raises(ValueError, match="precious.txt.*refusing"):
        create_run_dir("r", str(busy))
    assert (busy / "precious.txt").read_text() == "keep me"
    assert not (busy / "plots").exists()


def test_default_run_dirs_are_unique(tmp_path):
    first = create_run_dir("r", root=str(tmp_path))
    second = create_run_dir("r", root=str(tmp_path))
    assert first != second and os.path.isdir(os.path.join(second, "plots"))


def test_atomic_path_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "metrics.json"
    write_json(str(target), {"a": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(str(target)) as temporary:
            open(temporary, "w").write("half")
            raise RuntimeError("crash")
    assert json.loads(target.read_text()) == {"a": 1}
    assert os.listdir(tmp_path) == ["metrics.json"]


def test_json_and_history_writers_handle_numpy_and_nan(tmp_path):
    write_json(str(tmp_path / "m.json"), {"x": np.float32(0.5), "y": float("nan")})
    assert json.loads((tmp_path / "m.json").read_text()) == {"x": 0.5, "y": "nan"}
    write_history_csv(str(tmp_path / "h.csv"), {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,val_loss" and lines[2].startswith("2,0.5")


def test_report_embeds_tables_and_relative_plot_paths(tmp_path):
    report = Report("Title", str(tmp_path))
    report.add_metrics({"test_accuracy": 0.96789})
    report.add_plot(str(tmp_path / "plots" / "a.png"), "Curves")
    text = open(report.write()).read()
    assert "| test_accuracy | 0.9679 |" in text
    assert "![Curves](plots/a.png)" in text


def test_learning_rate_flag_takes_a_number_or_auto_and_an_alias():
    import dataclasses
    import typing

    from keras_recipes.recipes.common.config import RecipeConfig
    from keras_recipes.recipes.common.config import option

    @dataclasses.dataclass
    class Config(RecipeConfig):
        learning_rate: typing.Union[float, str] = option(1e-3, "LR.", aliases=("--lr",))

    assert parse_config(Config, ["--lr", "auto"], "p").learning_rate == "auto"
    assert parse_config(Config, ["--learning-rate", "0.01"], "p").learning_rate == 0.01
    with pytest.raises(SystemExit):
        parse_config(Config, ["--lr", "fast"], "p")


def test_read_history_csv_keeps_the_last_row_of_a_repeated_epoch(tmp_path):
    from keras_recipes.recipes.common.runs import read_history_csv

    path = tmp_path / "history.csv"
    path.write_text("epoch,loss\n0,1.0\n1,0.8\n1,0.7\n2,0.5\n")
    assert read_history_csv(str(path)) == {"loss": [1.0, 0.7, 0.5]}


@pytest.mark.parametrize("value, minimum, match", [
    (0, 1, "'n' parameter must be a positive integer. Got 0"),
    (True, 1, "positive integer. Got True"),
    (2.5, 1, "positive integer. Got 2.5"),
    (1, 2, "'n' parameter must be an integer >= 2. Got 1"),
])
def test_check_integer_names_the_parameter_and_the_bound(value, minimum, match):
    from keras_recipes.recipes.common.config import check_integer

    with pytest.raises(ValueError, match=match):
        check_integer("n", value, minimum)
    check_integer("n", np.int64(3), minimum)

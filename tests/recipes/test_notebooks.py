"""Committed notebooks match their recipes and their outputs read cleanly (each
is executed, and its committed outputs checked, by tests/recipes/test_recipes.py)."""

import nbformat

from keras_recipes.recipes.common.notebooks import readable_outputs
from keras_recipes.recipes.common.notebooks import stale_notebooks


def test_no_notebook_is_stale():
    assert stale_notebooks() == [], "run `make notebooks` and commit the result"


def test_committed_outputs_keep_the_final_progress_and_drop_start_up_noise():
    cell = nbformat.v4.new_code_cell("run()")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text=(
            "I0000 00:00:1796190742.318595    5643 port.cc:153] oneDNN custom operations\n"
            ".../tqdm/auto.py:21: TqdmWarning: IProgress not found. Please update\n"
            "  from .autonotebook import tqdm as notebook_tqdm\n")),
        nbformat.v4.new_output("stream", name="stderr", text="\rruns:   0%|  | 0/2"),
        nbformat.v4.new_output("stream", name="stderr", text=(
            "E0000 00:00:1796191611.947703   30936 cuda_platform.cc:52] failed call\n")),
        nbformat.v4.new_output("stream", name="stderr", text="\rruns: 100%|##| 2/2\n"),
        nbformat.v4.new_output("stream", name="stdout", text="done\n"),
    ]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    (stderr, stdout) = readable_outputs(notebook).cells[0].outputs
    assert stderr.text == "runs: 100%|##| 2/2\n"
    assert stdout.text == "done\n"

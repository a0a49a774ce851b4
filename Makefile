# Every target creates .venv and installs the package (editable, with the
# test extra) on first use, so a fresh clone needs only Python 3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test notebooks bench clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/keras-recipes run optimizer_comparison

# The library's tests and every recipe's smoke run on TensorFlow, then the
# whole suite on JAX. On TensorFlow each recipe's smoke run is checked through
# its notebook's kernel (one kernel per test process, reset between notebooks),
# so the in-process copy runs on JAX only; the recipes'
# own tests check recipe logic, not the backend (tests/conftest.py marks them
# `backend_agnostic`), so they run once, on JAX, where tiny fits cost least.
SMOKE_TEST := tests/recipes/test_recipes.py::test_recipe_smoke_run_writes_a_complete_run_directory
NOTEBOOK_TEST := tests/recipes/test_recipes.py::test_notebook_runs_the_smoke_run_and_shows_each_step
PYTEST := $(BIN)/python -m pytest -n 2 --dist worksteal

test: $(STAMP)
	KERAS_BACKEND=tensorflow $(PYTEST) --durations=15 -m "not backend_agnostic" --deselect $(SMOKE_TEST)
	KERAS_BACKEND=jax $(PYTEST) --durations=15 --deselect $(NOTEBOOK_TEST)

notebooks: $(STAMP)
	$(BIN)/python -m keras_recipes.recipes.common.notebooks $(NAMES)

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) runs .pytest_cache

# Set-up and everyday commands. A fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test test-all bench retrain stats clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch first, as the CPU build on CPU machines (scripts/install_torch.sh), then the package.
install: $(BIN)/python
	PYTHON=$(BIN)/python bash scripts/install_torch.sh
	$(BIN)/python -m pip install --quiet -e ".[dev]"

demo: install
	$(BIN)/pressctx tag examples/article_en.txt examples/articulo_es.txt

test: install
	$(BIN)/python -m pytest -q -m "not slow"

test-all: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/throughput.py

# Retrain the shipped models into src/pressctx/_models/ (about 25 minutes on 2 CPU cores: training, then the choices on real validation).
retrain: install
	$(BIN)/python scripts/train_shipped.py --output src/pressctx/_models

stats: install
	$(BIN)/python -m pressctx.data stats

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache

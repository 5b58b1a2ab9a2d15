# ganlib course: `make run` executes every notebook into build/, `make test` runs every test.
# Both create (or reuse) .venv first: a link to a virtual environment cached under VENV_ROOT and keyed
# by a hash of requirements.txt, so a fresh clone does not reinstall PyTorch when nothing changed.

SHELL := /bin/bash
PYTHON ?= python3
VENV_ROOT ?= $(HOME)/.cache/ganlib/venvs
REQ_HASH := $(shell sha256sum requirements.txt | cut -c1-16)
VENV_DIR := $(VENV_ROOT)/$(REQ_HASH)
PY := $(CURDIR)/.venv/bin/python
SANITIZE := tests/nbval_sanitize.cfg
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))
export PYTHONWARNINGS ?= ignore::DeprecationWarning

.PHONY: help venv run test test-fast execute lab bench badges student slides clean

help:
	@echo "make run      execute every notebook headless into build/ (notebooks + HTML + index)"
	@echo "make test     unit tests + strict nbval on every notebook"
	@echo "make lab      JupyterLab on 127.0.0.1 in notebooks/"
	@echo "make execute  re-execute notebooks in place, storing their outputs (for authors)"
	@echo "make bench    benchmarks: printed figures, not pass/fail"
	@echo "make badges   (re)write the Colab badge and setup cell of every notebook (or NB=NN_) from pyproject.toml"
	@echo "make student  the exercise versions in notebooks/exercises/: solutions replaced by stubs (commit them)"
	@echo "make slides   reveal.js slide decks in build/slides/ that open offline (npm fetches reveal.js once)"

venv:
	@if [ ! -f "$(VENV_DIR)/.complete" ]; then \
	  echo "Creating the environment $(VENV_DIR) (first time only: a few minutes)"; \
	  rm -rf "$(VENV_DIR)" && mkdir -p "$(VENV_ROOT)" && \
	  $(PYTHON) -m venv "$(VENV_DIR)" && \
	  "$(VENV_DIR)/bin/python" -m pip install --quiet --upgrade pip "setuptools>=77" && \
	  "$(VENV_DIR)/bin/python" -m pip install --quiet -r requirements.txt && \
	  "$(VENV_DIR)/bin/python" -c "import matplotlib.pyplot" && \
	  touch "$(VENV_DIR)/.complete" || { echo "Creating the environment failed"; exit 1; }; \
	fi
	@if [ "$$(readlink .venv)" != "$(VENV_DIR)" ]; then rm -rf .venv && ln -s "$(VENV_DIR)" .venv; fi
	@# ganlib is imported from this checkout through PYTHONPATH (exported above, inherited by kernels), so
	@# several clones can share one cached environment; the editable install is for use outside make.
	@$(PY) -m pip show ganlib >/dev/null 2>&1 || \
	  $(PY) -m pip install --quiet --no-deps --no-build-isolation -e . >/dev/null 2>&1 || true
	@$(PY) -c "import ganlib, sys; sys.exit(ganlib.__file__ != '$(CURDIR)/ganlib/__init__.py')" || \
	  { echo "ganlib is not imported from $(CURDIR)"; exit 1; }

run: venv
	$(PY) benchmarks/notebooks.py --output build

execute: venv
	$(PY) benchmarks/notebooks.py --inplace $(if $(NB),--only $(NB))

test: venv
	$(PY) -m pytest tests notebooks --nbval --nbval-current-env --nbval-sanitize-with $(SANITIZE) -p no:cacheprovider

test-fast: venv
	$(PY) -m pytest tests -p no:cacheprovider --ignore=tests/test_browser.py

lab: venv
	$(PY) -m jupyter lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks

bench: venv
	$(PY) benchmarks/notebooks.py
	$(PY) benchmarks/quality.py
	$(PY) benchmarks/targets.py
	$(PY) benchmarks/ablation.py
	$(PY) benchmarks/widgets.py
	$(PY) benchmarks/throughput.py
	$(PY) benchmarks/throughput.py --float32 --compile
	$(PY) benchmarks/image_loading.py
	$(PY) benchmarks/distributed.py

badges: venv
	$(PY) tools/badges.py $(if $(NB),--only $(NB))

student: venv
	$(PY) tools/student.py

slides: venv
	$(PY) tools/slides.py --output build/slides

clean:
	rm -rf build

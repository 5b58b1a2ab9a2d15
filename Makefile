# ganlib course: `make run` executes every notebook into build/, `make test` runs every test.
# Both first make .venv: this clone's own small environment, on top of a cached one (under VENV_ROOT, keyed by
# a hash of requirements.txt) that holds the packages, so a fresh clone does not reinstall PyTorch when nothing
# changed. tools/venv.py does it, in Python: no GNU tools needed. `make run` installs what the course needs,
# `make test` adds the test tools (requirements-test.txt).

SHELL := /bin/bash
PYTHON ?= python3
PY := $(CURDIR)/.venv/bin/python
SANITIZE := tests/nbval_sanitize.cfg

.PHONY: help venv venv-test run test test-fast test-colab execute lab bench badges student slides clean

help:
	@echo "make run        execute every notebook headless into build/ (notebooks + HTML + index)"
	@echo "make test       unit tests + strict nbval on every notebook + each exercise version through its stubs"
	@echo "make test-colab the course in Colab's package versions (tests/colab/): install, notebooks, sliders"
	@echo "make lab        JupyterLab on 127.0.0.1 in notebooks/"
	@echo "make execute    re-execute notebooks in place, storing their outputs (for authors)"
	@echo "make bench      benchmarks: printed figures, not pass/fail"
	@echo "make badges     (re)write the Colab badge and setup cell of every notebook (or NB=NN_) from pyproject.toml"
	@echo "make student    the exercise versions in notebooks/exercises/: solutions replaced by stubs (commit them)"
	@echo "make slides     reveal.js slide decks in build/slides/ that open offline (npm fetches reveal.js once)"

venv:
	@$(PYTHON) tools/venv.py

venv-test:
	@$(PYTHON) tools/venv.py --test

run: venv
	$(PY) benchmarks/notebooks.py --output build

execute: venv
	$(PY) benchmarks/notebooks.py --inplace $(if $(NB),--only $(NB))

test: venv-test
	$(PY) -m pytest tests notebooks --ignore=notebooks/exercises --nbval --nbval-current-env --nbval-sanitize-with $(SANITIZE) -p no:cacheprovider

test-fast: venv-test
	$(PY) -m pytest tests -p no:cacheprovider --ignore=tests/test_browser.py

lab: venv
	$(PY) -m jupyter lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks

bench: venv-test
	$(PY) benchmarks/notebooks.py
	$(PY) benchmarks/quality.py
	$(PY) benchmarks/targets.py
	$(PY) benchmarks/ablation.py
	$(PY) benchmarks/widgets.py
	$(PY) benchmarks/throughput.py
	$(PY) benchmarks/throughput.py --float32 --compile
	$(PY) benchmarks/image_loading.py
	$(PY) benchmarks/distributed.py

test-colab:
	$(PYTHON) tools/colab_check.py

badges: venv
	$(PY) tools/badges.py $(if $(NB),--only $(NB))

student: venv
	$(PY) tools/student.py

slides: venv
	$(PY) tools/slides.py --output build/slides

clean:
	rm -rf build

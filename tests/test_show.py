"""ganlib.show: the code a notebook shows is the code that runs, and every chapter shows its core algorithm."""

import ast
import inspect
import json
import sys
import textwrap
import tomllib
import types
from pathlib import Path

import pytest
import torch

from ganlib import show
from ganlib.gan import GAN
from ganlib.mmd import mmd2

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

# The core algorithm of each chapter, as the thin-ganlib issue lists it: shown where it is taught.
SHOWN = {
    "01": {"inverse_transform", "rejection_sample", "metropolis_hastings"},
    "02": {"gaussian_mle", "fit_gaussian_gradient_ascent"},
    "03": {"VAE.forward", "vae_loss"},
    "04": {"mmd2", "gmmn_step"},
    "05": {"GAN.step", "train"},
    "06": {"DCGANGenerator", "DCGANDiscriminator"},
    "07": {"frechet_distance"},
    "08": {"library_gradient_penalty", "ConditionalGAN.step"},
}


def test_show_returns_the_running_code_and_where_it_lives(monkeypatch):
    monkeypatch.chdir(NOTEBOOKS)  # a notebook's kernel runs in the notebook's folder
    source = show(mmd2)
    assert source.code == inspect.getsource(mmd2).rstrip()
    assert source.path == "ganlib/mmd.py" and source.name == "ganlib.mmd.mmd2"
    markdown = source._repr_markdown_()
    assert markdown.startswith("**`ganlib.mmd.mmd2`** in [`ganlib/mmd.py`](../ganlib/mmd.py)")
    assert "```python\ndef mmd2(" in markdown
    assert (NOTEBOOKS / source.link()).resolve() == (NOTEBOOKS.parent / "ganlib" / "mmd.py").resolve()


def test_show_links_from_the_exercise_versions_folder(monkeypatch):
    monkeypatch.chdir(NOTEBOOKS / "exercises")
    link = show(mmd2).link()
    assert link == "../../ganlib/mmd.py" and (NOTEBOOKS / "exercises" / link).resolve().is_file()


def test_show_links_to_the_repository_in_colab(monkeypatch):
    """Colab's pages cannot open the runtime's files: the link goes to the file on GitHub, from pyproject.toml."""
    monkeypatch.chdir(NOTEBOOKS)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    config = tomllib.loads((NOTEBOOKS.parent / "pyproject.toml").read_text())["tool"]["ganlib"]
    expected = f"{config['repository']}/blob/{config['branch']}/ganlib/mmd.py"
    assert show(mmd2).link() == expected
    assert f'<a href="{expected}">' in show(mmd2)._repr_html_()


def test_show_dedents_a_method_and_escapes_html():
    source = show(GAN.step)
    assert source.name == "ganlib.gan.GAN.step" and source.code.startswith("def step(self, batch")
    assert source.code == textwrap.dedent(inspect.getsource(GAN.step)).rstrip()
    page = source._repr_html_()
    assert "&quot;" in page or "&#x27;" in page  # the docstring's quotes are escaped
    assert "<pre><code class=\"language-python\">def step(" in page


def test_show_refuses_code_that_is_not_ganlibs():
    with pytest.raises(TypeError, match="ganlib's own code"):
        show(torch.nn.Linear)
    with pytest.raises(TypeError, match="ganlib's own code"):
        show(test_show_refuses_code_that_is_not_ganlibs)


@pytest.mark.parametrize("number", sorted(SHOWN))
def test_each_notebook_shows_its_core_algorithm(number):
    (path,) = NOTEBOOKS.glob(f"{number}_*.ipynb")
    shown = set()
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()  # IPython's % and ! lines become a pass at their indent
        source = "\n".join(line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip()[:1] in ("%", "!") else line
                           for line in lines)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "show" and node.args:
                shown.add(ast.unparse(node.args[0]))
    assert SHOWN[number] <= shown, f"{path.name} does not show {sorted(SHOWN[number] - shown)}"

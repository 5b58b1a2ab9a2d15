"""The figures of notebook 00 draw, and carry the content they claim."""

import matplotlib.pyplot as plt
import pytest

from ganlib.plotting import overview


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_taxonomy_names_the_three_families_and_the_notebooks():
    words = texts(overview.taxonomy())
    for family in ("Explicit density", "Implicit density", "Tractable", "Approximate", "Variational", "Markov chain", "Diffusion",
                   "Adversarial", "Moment matching"):
        assert family in words
    for notebook in ("nb 02", "nb 03", "nb 04", "nb 05, 06"):
        assert notebook in words


def test_series_map_lists_every_notebook_in_order_and_marks_the_current_one():
    fig = overview.series_map(current="01")
    numbers = [t.get_text() for t in fig.axes[0].texts if t.get_text().isdigit()]
    assert numbers == [f"{i:02d}" for i in range(9)]
    assert "you are here" in texts(fig)
    assert "you are here" not in texts(overview.series_map())


def test_discriminative_vs_generative_has_two_labelled_panels():
    fig = overview.discriminative_vs_generative()
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert any("P(y \\mid x)" in t for t in titles) and any("P(x)" in t for t in titles)
    assert all(ax.get_xlabel() for ax in fig.axes[:2])

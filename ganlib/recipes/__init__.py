"""How each pretrained checkpoint in ``data/checkpoints/`` is trained: one recipe per model.

A recipe trains from scratch with :func:`ganlib.train.train` and saves a checkpoint whose metadata
records the command that reproduces it: ``python -m ganlib train NAME``. To add one, write a module
here that defines ``RECIPES`` (a tuple of :class:`Recipe`) and list it in ``_MODULES`` below.
"""

from __future__ import annotations

from importlib import import_module

from ganlib.recipes.recipe import Recipe

_MODULES: tuple[str, ...] = ("cdcgan", "classifier", "dcgan", "gan", "gmmn", "ssgan", "vae", "wgan")

RECIPES: dict[str, Recipe] = {}
for _module in _MODULES:
    for _recipe in import_module(f"ganlib.recipes.{_module}").RECIPES:
        RECIPES[_recipe.name] = _recipe


def recipe(name: str) -> Recipe:
    """The recipe called ``name``; an unknown name raises a KeyError that lists the known ones."""
    if name not in RECIPES:
        raise KeyError(f"no recipe called {name!r}; known: {', '.join(sorted(RECIPES)) or 'none'}.")
    return RECIPES[name]

"""How each pretrained checkpoint in ``data/checkpoints/`` (and each shipped run in ``data/runs/``) is trained.

A recipe trains from scratch with :func:`ganlib.train.train` and saves a file whose metadata records the
command that reproduces it: ``python -m ganlib train NAME``. The modules that define recipes are imported
only when a recipe is asked for, so importing one of them (``ganlib.recipes.dcgan``) imports no other. To
add one, write a module that defines ``RECIPES`` (a tuple of :class:`Recipe`) and list it in ``MODULES``.
"""

from __future__ import annotations

from importlib import import_module

from ganlib.recipes.recipe import Recipe

MODULES: tuple[str, ...] = tuple(f"ganlib.recipes.{name}" for name in ("cdcgan", "classifier", "dcgan", "gan", "gmmn", "judging", "ssgan", "vae", "wgan"))


def all_recipes() -> dict[str, Recipe]:
    """Every recipe by name (this imports every module in ``MODULES``)."""
    return {r.name: r for module in MODULES for r in import_module(module).RECIPES}


def recipe(name: str) -> Recipe:
    """The recipe called ``name``; an unknown name raises a KeyError that lists the known ones."""
    recipes = all_recipes()
    if name not in recipes:
        raise KeyError(f"no recipe called {name!r}; known: {', '.join(sorted(recipes)) or 'none'}.")
    return recipes[name]

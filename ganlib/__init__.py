"""ganlib: the helper package of a hands-on course on generative models.

Submodules, one concept each: ``device``, ``data``, ``sampling``, ``divergences``, ``plotting``,
``widgets`` and ``exercises`` (self-checks for the notebooks' exercises).
"""

__version__ = "0.1.0"

"""Neural networks of the course, one per file.

``MODELS`` maps a class name to its class, so that a checkpoint, which stores the name and the
constructor arguments, can rebuild the network it was saved from.
"""

from torch import nn

MODELS: dict[str, type[nn.Module]] = {}

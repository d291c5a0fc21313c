"""MMEngine-compatible configs: ``Config.fromfile`` for ``_base_``-style ``.py``/``.json``/
``.yaml`` files and pure-Python (``with read_base():``) configs, ``ConfigDict``,
``DictAction`` for ``--cfg-options``, and the lazy-import placeholders.

Importing this package does not import torch or lightning.
"""

from .config import Config
from .config_dict import ConfigDict
from .dict_action import DictAction
from .errors import ConfigError
from .lazy import LazyAttr, LazyObject, read_base

__all__ = [
    "Config",
    "ConfigDict",
    "ConfigError",
    "DictAction",
    "LazyAttr",
    "LazyObject",
    "read_base",
]

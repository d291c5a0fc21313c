"""mmlight: MMEngine-style configs, registries, models and hooks, run on PyTorch Lightning.

``import mmengine`` star-imports its config, fileio, logging, registry and utils subpackages;
``from mmlight import Config, MODELS, load, print_log, ProgressBar`` works the same way, but
each name loads its subpackage on first access (table: :mod:`mmlight._exports`), so
``import mmlight`` pulls in neither torch nor lightning, nor any of those subpackages.
"""

from __future__ import annotations

import importlib

from mmlight._exports import EXPORTS, STAR_ORDER
from mmlight.version import __version__, version_info

# ``typing`` costs half of this module's import time; type checkers take this name as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
del TYPE_CHECKING

__all__ = ["__version__", "version_info", *EXPORTS]


def __getattr__(name: str) -> Any:
    owner = EXPORTS.get(name)
    if owner is not None:
        value = getattr(importlib.import_module(f"{__name__}.{owner}"), name)
        globals()[name] = value  # later accesses skip this hook
        return value
    if name in STAR_ORDER:  # ``import mmengine`` makes ``mmengine.fileio`` etc. attributes too
        return importlib.import_module(f"{__name__}.{name}")
    if not name.startswith("_"):
        # A name added to a subpackage's __all__ since the table was generated still resolves
        # (tests/test_toplevel_exports.py asks for the table to be regenerated). Later
        # star-imports win, so search from the last one back.
        for subpackage in reversed(STAR_ORDER):
            module = importlib.import_module(f"{__name__}.{subpackage}")
            if name in getattr(module, "__all__", ()):
                return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *EXPORTS, *STAR_ORDER})

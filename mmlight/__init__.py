"""mmlight: MMEngine-style configs, registries, models and hooks, run on PyTorch Lightning.

``from mmengine import Config, Registry, MODELS`` keeps working as ``from mmlight import ...``.
Those names load on first access, so ``import mmlight`` pulls in neither torch nor lightning.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Top-level names mmengine re-exports, and the subpackage each comes from.
_LAZY_SUBPACKAGES = ("mmlight.config", "mmlight.registry")

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    for module_name in _LAZY_SUBPACKAGES:
        module = importlib.import_module(module_name)
        if name in getattr(module, "__all__", ()):
            return getattr(module, name)
    raise AttributeError(f"module 'mmlight' has no attribute {name!r}")

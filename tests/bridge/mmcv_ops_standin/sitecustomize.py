"""Loads ``mmcv_ops.py`` (beside this file) as ``mmcv.ops`` in a subprocess of the interop tests.

A process started with this directory on ``PYTHONPATH`` runs this at startup. It imports
nothing itself: a finder on ``sys.meta_path`` answers only for ``mmcv.ops``, when something
imports it (mmseg's modules), so mmcv, mmengine and mmseg load in the order they would for a
user with full mmcv. See ``mmcv_ops.py`` for what the stand-in holds.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

__all__ = ["MmcvOpsStandIn"]

_STANDIN = Path(__file__).with_name("mmcv_ops.py")


class MmcvOpsStandIn:
    """Meta-path finder giving ``mmcv.ops`` from the stand-in file."""

    @classmethod
    def find_spec(
        cls, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != "mmcv.ops":
            return None
        return importlib.util.spec_from_file_location(fullname, _STANDIN)


if not any(f is MmcvOpsStandIn for f in sys.meta_path):
    sys.meta_path.insert(0, MmcvOpsStandIn)

"""Test-only stand-in for ``mmcv.ops``, which the interop tests' mmcv-lite does not ship.

Users of OpenMMLab packages have full mmcv (compiled ops included); this module exists only so
that the interop tests can import mmsegmentation, whose modules import ``mmcv.ops`` at import
time, next to mmcv-lite. It holds exactly the names mmseg 1.2.2's import chain asks for and
nothing else. The FCN config the tests run calls none of them: each one raises
``NotImplementedError`` when used, so no numerics of a compiled op are ever faked (and
``point_sample``, plain PyTorch in full mmcv, is not reimplemented either: nothing calls it).

``sitecustomize.py`` beside this file makes ``import mmcv.ops`` load this file in processes
started with this directory on ``PYTHONPATH``.
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["CrissCrossAttention", "PSAMask", "point_sample", "sigmoid_focal_loss"]

_HINT = (
    "mmcv.ops.{name} is not available: this is the interop tests' stand-in for mmcv.ops "
    "(mmcv-lite has none); install full mmcv for the real op"
)


def _unavailable(name: str) -> NoReturn:
    raise NotImplementedError(_HINT.format(name=name))


class _UnavailableOp:
    """A class that mmseg imports by name but that the tests never instantiate."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _unavailable(type(self).__name__)


class CrissCrossAttention(_UnavailableOp):
    """Compiled op in full mmcv (mmseg's CCHead imports it)."""


class PSAMask(_UnavailableOp):
    """Compiled op in full mmcv (mmseg's PSAHead imports it)."""


def sigmoid_focal_loss(*args: Any, **kwargs: Any) -> NoReturn:
    """Compiled op in full mmcv (mmseg's FocalLoss imports it)."""
    _unavailable("sigmoid_focal_loss")


def point_sample(*args: Any, **kwargs: Any) -> NoReturn:
    """Plain PyTorch in full mmcv (mmseg's point head and mask utilities import it)."""
    _unavailable("point_sample")

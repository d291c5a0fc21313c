"""``PixelData``: pixel-level annotations or predictions (segmentation maps, heat maps...).

Every data field is a ``(C, H, W)`` tensor or array with the same ``H, W``; a 2-D value gets a
channel axis (with a warning). Indexing with ``[rows, cols]`` crops every field alike.
Behaviour, error types and messages follow mmengine 0.10.7's class.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from ._checks import require
from .base_data_element import _FIELD_SETS, BaseDataElement

__all__ = ["PixelData"]

_PIXEL_TYPES = (torch.Tensor, np.ndarray)


class PixelData(BaseDataElement):
    """Pixel-level annotations or predictions sharing one height and width."""

    def __setattr__(self, name: str, value: Any) -> None:
        """Set a data field: a 2-D or 3-D tensor/array whose last two dims match :attr:`shape`."""
        if name not in _FIELD_SETS:
            require(
                isinstance(value, _PIXEL_TYPES),
                f"Can not set {type(value)}, only support {_PIXEL_TYPES}",
            )
            if self.shape:
                require(
                    tuple(value.shape[-2:]) == self.shape,
                    f"The height and width of values {tuple(value.shape[-2:])} is not "
                    f"consistent with the shape of this :obj:`PixelData` {self.shape}",
                )
            require(value.ndim in (2, 3), f"The dim of value must be 2 or 3, but got {value.ndim}")
            if value.ndim == 2:
                value = value[None]
                warnings.warn(
                    f"The shape of value will convert from {value.shape[-2:]} to {value.shape}",
                    stacklevel=2,
                )
        super().__setattr__(name, value)

    def __getitem__(self, item: tuple[int | slice, int | slice]) -> PixelData:
        """Crop every field to ``item = (rows, cols)``; an int keeps its axis with length 1."""
        if not isinstance(item, tuple):
            raise TypeError(f"Unsupported type {type(item)} for slicing PixelData")
        require(len(item) == 2, "Only support to slice height and width")
        shape = self.shape
        crop: list[slice] = []
        # columns first, as mmengine checks them, so a bad pair reports the same element
        for axis in (1, 0):
            index = item[axis]
            if isinstance(index, int):
                if shape is None:
                    raise TypeError(
                        "PixelData has no data fields, so an int index has no height or width "
                        "to count from ('NoneType' object is not subscriptable)"
                    )
                crop.insert(0, slice(index, None, shape[axis]))
            elif isinstance(index, slice):
                crop.insert(0, index)
            else:
                raise TypeError(
                    f"The type of element in input must be int or slice, but got {type(index)}"
                )
        cropped = self.__class__(metainfo=self.metainfo)
        window = (slice(None, None, None), *crop)
        for name, value in self.items():
            setattr(cropped, name, value[window])
        return cropped

    @property
    def shape(self) -> tuple | None:
        """``(H, W)`` of the data fields, or None while there are none."""
        if len(self._data_fields) > 0:
            return tuple(self.values()[0].shape[-2:])
        return None

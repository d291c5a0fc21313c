"""``InstanceData``: per-instance fields (boxes, labels, masks...) that share one length.

Because every data field has one entry per instance, the element can be indexed like a tensor
(an int, a slice, a bool mask, long indices, a numpy array or a list) and concatenated with
:meth:`InstanceData.cat`, and each field is cut the same way. Field values may be tensors, numpy
arrays, lists, tuples, strings, or any object with ``__len__``, ``__getitem__`` and ``cat``.
Behaviour, error types and messages follow mmengine 0.10.7's class.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence, Sized
from typing import Any

import numpy as np
import torch

from ._checks import require
from .base_data_element import _FIELD_SETS, BaseDataElement

__all__ = ["IndexType", "InstanceData"]

#: What ``InstanceData.__getitem__`` accepts; tensors must hold int64 indices or a bool mask.
IndexType = str | slice | int | list | torch.Tensor | np.ndarray

_INDEX_TENSOR_DTYPES = (torch.int64, torch.bool)


def _is_accepted_index(item: Any) -> bool:
    # mmengine lists LongTensor/BoolTensor types (CPU and the current accelerator's); a dtype
    # check accepts the same tensors on any device.
    if isinstance(item, torch.Tensor):
        return item.dtype in _INDEX_TENSOR_DTYPES
    return isinstance(item, (str, slice, int, list, np.ndarray))


def _is_bool_tensor(item: torch.Tensor) -> bool:
    return item.dtype == torch.bool


def _pick_by_positions(value: Any, positions: list[int]) -> Any:
    """Entries ``positions`` of a sequence-like ``value``, each kept as a length-1 piece.

    ``value[i::len(value)]`` keeps the dimension for lists, strings and custom objects alike;
    the pieces are joined with ``+`` (str/list/tuple) or the value's own ``cat``.
    """
    if positions:
        pieces = [value[slice(index, None, len(value))] for index in positions]
    else:
        pieces = [value[slice(None, 0, None)]]
    if isinstance(value, (str, list, tuple)):
        joined = pieces[0]
        for piece in pieces[1:]:
            joined = joined + piece
        return joined
    return value.cat(pieces)


class InstanceData(BaseDataElement):
    """Instance-level annotations or predictions: every data field has ``len(self)`` entries."""

    def __setattr__(self, name: str, value: Any) -> None:
        """Set a data field; its length must match the fields already set."""
        if name not in _FIELD_SETS:
            require(isinstance(value, Sized), "value must contain `__len__` attribute")
            if len(self) > 0:
                require(
                    len(value) == len(self),
                    f"The length of values {len(value)} is not consistent with the length "
                    f"of this :obj:`InstanceData` {len(self)}",
                )
        super().__setattr__(name, value)

    __setitem__ = __setattr__

    def __getitem__(self, item: IndexType) -> Any:
        """A field's value for a str ``item``; otherwise a new element with the chosen instances.

        An int keeps the instance dimension (the result has length 1); lists and numpy arrays
        are turned into tensors first; bool tensors must be as long as the element.
        """
        require(
            _is_accepted_index(item),
            "InstanceData index must be a str, int, slice, list, numpy array, or a "
            f"LongTensor/BoolTensor, but got {type(item)}",
        )
        if isinstance(item, list):
            item = np.array(item)
        if isinstance(item, np.ndarray):
            # numpy's default int is int32 on some platforms; torch indexes with int64
            item = torch.from_numpy(item.astype(np.int64) if item.dtype == np.int32 else item)
        if isinstance(item, str):
            return getattr(self, item)
        if isinstance(item, int):
            if item >= len(self) or item < -len(self):
                raise IndexError(f"Index {item} out of range!")
            item = slice(item, None, len(self))

        picked = self.__class__(metainfo=self.metainfo)
        if isinstance(item, torch.Tensor):
            _select_into(picked, self, item)
        else:
            for name, value in self.items():
                picked[name] = value[item]
        return picked

    @staticmethod
    def cat(instances_list: Sequence[InstanceData]) -> InstanceData:
        """Concatenate elements with the same fields; metainfo comes from the first one.

        A single element is returned as is (not copied).
        """
        require(
            all(isinstance(instances, InstanceData) for instances in instances_list),
            "InstanceData.cat only concatenates InstanceData elements",
        )
        require(len(instances_list) > 0, "InstanceData.cat needs at least one element")
        if len(instances_list) == 1:
            return instances_list[0]

        key_lists = [instances.all_keys() for instances in instances_list]
        same_keys = len({len(keys) for keys in key_lists}) == 1 and len(
            set(itertools.chain(*key_lists))
        ) == len(key_lists[0])
        require(
            same_keys,
            "There are different keys in `instances_list`, which may cause the cat operation "
            "to fail. Please make sure all elements in `instances_list` have the exact same key.",
        )

        first = instances_list[0]
        joined = first.__class__(metainfo=first.metainfo)
        for name in first.keys():  # noqa: SIM118 (iterating yields instances, not names)
            values = [instances[name] for instances in instances_list]
            joined[name] = _concatenate(name, values)
        return joined

    def __len__(self) -> int:
        """The number of instances (the length of a data field; 0 with no data fields)."""
        if len(self._data_fields) > 0:
            return len(self.values()[0])
        return 0


def _select_into(picked: InstanceData, source: InstanceData, index: torch.Tensor) -> None:
    """Fill ``picked`` with the instances of ``source`` a 1-D index or mask tensor selects."""
    require(index.dim() == 1, "Only support to get the values along the first dimension.")
    is_mask = _is_bool_tensor(index)
    if is_mask:
        require(
            len(index) == len(source),
            f"The shape of the input(BoolTensor) {len(index)} does not match the shape "
            f"of the indexed tensor in results_field {len(source)} at first dimension.",
        )
    for name, value in source.items():
        if isinstance(value, torch.Tensor):
            picked[name] = value[index]
        elif isinstance(value, np.ndarray):
            picked[name] = value[index.cpu().numpy()]
        elif isinstance(value, (str, list, tuple)) or (
            hasattr(value, "__getitem__") and hasattr(value, "cat")
        ):
            positions = torch.nonzero(index).view(-1) if is_mask else index
            picked[name] = _pick_by_positions(value, positions.cpu().numpy().tolist())
        else:
            raise ValueError(
                f"The type of `{name}` is `{type(value)}`, which has no attribute of "
                "`cat`, so it does not support slice with `bool`"
            )


def _concatenate(name: str, values: list) -> Any:
    """Join one field's values from several elements, by the first value's type."""
    first = values[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(values, dim=0)
    if isinstance(first, np.ndarray):
        return np.concatenate(values, axis=0)
    if isinstance(first, (str, list, tuple)):
        joined = first[:]
        for value in values[1:]:
            joined += value
        return joined
    if hasattr(first, "cat"):
        return first.cat(values)
    raise ValueError(f"The type of `{name}` is `{type(first)}` which has no attribute of `cat`")

"""Collate functions and the worker seeding hook, with mmengine's outputs.

``pseudo_collate`` (the Runner's default) only transposes a batch: a list of samples becomes
one sample-shaped structure whose leaves are lists, so data preprocessors can stack or pad
themselves. ``default_collate`` transposes the same way but stacks leaves with torch's
collate.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, cast, runtime_checkable

import numpy as np
import torch
from torch.utils.data import default_collate as _torch_default_collate

from mmlight.registry import FUNCTIONS

__all__ = [
    "COLLATE_FUNCTIONS",
    "DataElementLike",
    "default_collate",
    "pseudo_collate",
    "worker_init_fn",
]

#: Older name of the registry the collate functions live in (mmengine keeps it too).
COLLATE_FUNCTIONS = FUNCTIONS


@runtime_checkable
class DataElementLike(Protocol):
    """What ``default_collate`` treats as a data element and leaves unstacked.

    mmengine checks for its own ``BaseDataElement``. Here any object that is not a Mapping and
    has ``to_dict()`` and ``keys()`` counts, so :mod:`mmlight.structures` elements and
    mmengine's (and mmdet's ``DetDataSample`` etc.) qualify, plain dicts and tensors do not.
    """

    def to_dict(self) -> dict: ...

    def keys(self) -> Any: ...


def _is_data_element(obj: object) -> bool:
    # The common leaves first: a runtime Protocol check probes attributes and is slow.
    if isinstance(obj, (torch.Tensor, np.ndarray, int, float, str, bytes, Mapping)):
        return False
    return isinstance(obj, DataElementLike)


def worker_init_fn(
    worker_id: int,
    num_workers: int,
    rank: int,
    seed: int,
    disable_subprocess_warning: bool = False,
) -> None:
    """Seed a dataloader worker's numpy, ``random`` and torch RNGs.

    Each worker of each rank gets its own seed, ``num_workers * rank + worker_id + seed``,
    so augmentations differ across workers yet repeat from run to run.
    """
    worker_seed = num_workers * rank + worker_id + seed
    np.random.seed(worker_seed)
    random.seed(worker_seed)
    torch.manual_seed(worker_seed)
    if disable_subprocess_warning and worker_id != 0:
        warnings.simplefilter("ignore")


def _transpose(batch: Sequence, leaf: Callable[[Sequence], Any]) -> Any:
    """Turn a list of same-shaped samples into one structure; ``leaf`` merges the rest."""
    first = batch[0]
    rebuild: Any = type(first)
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return rebuild(*(_transpose(column, leaf) for column in zip(*batch)))
    if isinstance(first, Sequence):
        size = len(first)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError(
                "each element in list of batch should be of equal size; got sequences of "
                f"lengths {[len(sample) for sample in batch]}"
            )
        columns = [_transpose(column, leaf) for column in zip(*batch)]
        if isinstance(first, tuple):
            return columns
        try:
            return rebuild(columns)
        except TypeError:
            # Sequence types such as range cannot be rebuilt from a list.
            return columns
    if isinstance(first, Mapping):
        merged = {key: _transpose([sample[key] for sample in batch], leaf) for key in first}
        try:
            return rebuild(merged)
        except TypeError:
            # Mappings such as defaultdict cannot be rebuilt from a dict.
            return merged
    return leaf(batch)


def _keep_as_list(batch: Sequence) -> Any:
    return batch


def _stack_leaf(batch: Sequence) -> Any:
    if _is_data_element(batch[0]):
        return batch
    return _torch_default_collate(cast(list, batch))


@FUNCTIONS.register_module()
def pseudo_collate(data_batch: Sequence) -> Any:
    """Transpose a batch without stacking: every leaf becomes a list of the samples' values.

    Mappings keep their type, namedtuples stay namedtuples, tuples become lists, other
    sequences keep their type when it can be rebuilt from a list.
    """
    return _transpose(data_batch, _keep_as_list)


@FUNCTIONS.register_module()
def default_collate(data_batch: Sequence) -> Any:
    """Transpose like :func:`pseudo_collate`, then stack leaves with torch's ``default_collate``.

    Strings, bytes and data elements (see :class:`DataElementLike`) stay lists. Tensors must
    have equal shapes to stack.
    """
    return _transpose(data_batch, _stack_leaf)

"""What checkpoints may contain, in both directions.

Writing: :func:`encode_safe` turns a checkpoint into objects that a plain
``torch.load(weights_only=True)`` reads with no allow-list at all (tensors, dicts, lists,
tuples, sets, numbers, strings, None). Objects mmengine's runner would pickle as they are are
stored in a tagged plain form: a ``HistoryBuffer`` or numpy array becomes a dict with a
``'__mmlight_type__'`` key; numpy scalars become Python numbers (same value).
:func:`decode_safe` turns the tagged dicts back into the real objects.

Reading: :func:`checkpoint_safe_globals` is the allow-list for checkpoints written by
mmengine (its HistoryBuffer pickles, numpy data, OneCycle's annealing functions).
"""

from __future__ import annotations

import logging
import math
import pickle
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from mmlight.logging.alloc_budget import REFUSAL_PREFIX, charge

__all__ = [
    "TYPE_TAG",
    "TaggedValueError",
    "UnsafeCheckpointValueError",
    "checkpoint_safe_globals",
    "decode_safe",
    "encode_safe",
]

TYPE_TAG = "__mmlight_type__"

_PLAIN = (type(None), bool, int, float, complex, str, bytes)
_TORCH_VALUES = (torch.Tensor, torch.device, torch.dtype, torch.Size)


class UnsafeCheckpointValueError(TypeError):
    """An object in a checkpoint that a ``weights_only`` load could not read back."""


def _unsupported(path: str, value: Any) -> UnsafeCheckpointValueError:
    return UnsafeCheckpointValueError(
        f"cannot save {path} (a {type(value).__module__}.{type(value).__qualname__}) in a "
        "checkpoint: mmlight writes only what torch.load(weights_only=True) reads back "
        "(tensors, numbers, strings, None, numpy arrays and dict/list/tuple/set of those). "
        "Store its data in one of those forms instead (e.g. a dict of its fields)."
    )


def encode_safe(
    obj: Any, path: str = "checkpoint", on_unsupported: Callable[[str, Any], bool] | None = None
) -> Any:
    """``obj`` with every value in a ``weights_only``-loadable form.

    ``path`` names ``obj`` in error messages (``checkpoint['meta']['x']``). For a value that
    has no safe form, ``on_unsupported(path, value)`` decides: True drops it (from its dict,
    list or tuple), False raises; without it, :class:`UnsafeCheckpointValueError` is raised.
    """
    dropped = object()

    def visit(value: Any, where: str) -> Any:
        if isinstance(value, np.generic):  # before plain types: np.float64 is a float
            return value.item() if value.dtype.kind in "biufcUS" else _fail(where, value)
        if type(value) in _PLAIN or isinstance(value, _TORCH_VALUES):
            return value
        if isinstance(value, _PLAIN):  # IntEnum, str subclasses ...: keep the plain value
            base: Any = next(cls for cls in type(value).__mro__ if cls in _PLAIN)
            return base(value)
        if isinstance(value, np.ndarray):
            return _encode_array(value, where)
        history = _encode_history_buffer(value)
        if history is not None:
            return history
        if isinstance(value, dict):
            # Other dict subclasses (ConfigDict, ...) are saved as plain dicts.
            out: Any = OrderedDict() if isinstance(value, OrderedDict) else (
                Counter() if isinstance(value, Counter) else {}
            )
            for key, item in value.items():
                if not isinstance(key, (*_PLAIN, tuple)) and (
                    _fail(f"{where} key {key!r}", key) is dropped
                ):
                    continue
                converted = visit(item, f"{where}[{key!r}]")
                if converted is not dropped:
                    out[key] = converted
            metadata = getattr(value, "_metadata", None)
            if metadata is not None:  # torch state dicts carry their version metadata here
                out._metadata = visit(metadata, f"{where}._metadata")
            return out
        if isinstance(value, (list, tuple, set, frozenset)):
            items = [visit(item, f"{where}[{i}]") for i, item in enumerate(value)]
            items = [item for item in items if item is not dropped]
            if isinstance(value, tuple):
                return tuple(items)  # namedtuples become plain tuples
            if isinstance(value, (set, frozenset)):
                return set(items)
            return items
        return _fail(where, value)

    def _fail(where: str, value: Any) -> Any:
        if on_unsupported is not None and on_unsupported(where, value):
            return dropped
        raise _unsupported(where, value)

    def _encode_array(array: np.ndarray, where: str) -> Any:
        data = array.tolist()
        if array.dtype.kind not in "biufcUS":  # object arrays: their items must be safe too
            data = visit(data, where)
        return {TYPE_TAG: "numpy.ndarray", "dtype": array.dtype.str, "shape": list(array.shape),
                "data": data}

    result = visit(obj, path)
    return None if result is dropped else result


def _encode_history_buffer(value: Any) -> dict | None:
    from mmlight.logging import HistoryBuffer

    if not isinstance(value, HistoryBuffer):
        return None
    logs, counts = value.data
    return {TYPE_TAG: "HistoryBuffer", "log_history": logs.tolist(),
            "count_history": counts.tolist(), "max_length": int(value.max_length)}


def decode_safe(obj: Any) -> Any:
    """Rebuild what :func:`encode_safe` tagged; everything else is returned as it is.

    The data comes from a file, so it is decoded with care: a container named many times
    over (a pickle can do that in two bytes a time) is decoded once and stays shared, and an
    array's size is checked against its data and charged to the load's allocation budget
    (:mod:`mmlight.logging.alloc_budget`) before numpy allocates it. Tagged values that do not
    decode raise :class:`TaggedValueError`.
    """
    return _Decoder().decode(obj)


class TaggedValueError(pickle.UnpicklingError):
    """A value stored in tagged form that does not decode: the file is damaged or crafted."""


_SCALARS = (bool, int, float, complex, str, bytes, np.generic)


class _Decoder:
    def __init__(self) -> None:
        self.memo: dict[int, Any] = {}

    def decode(self, obj: Any) -> Any:
        done = self.memo.get(id(obj))
        if done is not None:
            return done
        if isinstance(obj, dict):
            tag = obj.get(TYPE_TAG)
            if tag == "HistoryBuffer":
                return self._remember(obj, _decode_history_buffer(obj))
            if tag == "numpy.ndarray":
                return self._remember(obj, self._decode_array(obj))
            out: Any = type(obj)() if type(obj) in (dict, OrderedDict, Counter) else {}
            self._remember(obj, out)
            for key, value in obj.items():
                out[key] = self.decode(value)
            metadata = getattr(obj, "_metadata", None)
            if metadata is not None:
                out._metadata = metadata
            return out
        if isinstance(obj, list):
            items: list[Any] = self._remember(obj, [])
            items.extend(self.decode(item) for item in obj)
            return items
        if type(obj) is tuple:
            self.memo[id(obj)] = obj  # a cycle back to it (through a list) keeps the original
            return self._remember(obj, tuple(self.decode(item) for item in obj))
        return obj

    def _remember(self, obj: Any, decoded: Any) -> Any:
        self.memo[id(obj)] = decoded
        return decoded

    def _decode_array(self, tagged: dict) -> np.ndarray:
        shape, dtype = _array_spec(tagged)
        charge(math.prod(shape) * dtype.itemsize,
               f"a numpy array of shape {shape} and dtype {dtype}")
        leaves = _leaves(self.decode(tagged.get("data")), shape)
        if dtype.hasobject:
            array = np.empty(len(leaves), dtype=object)
            for index, value in enumerate(leaves):
                array[index] = value
            return array.reshape(shape)
        if not all(isinstance(value, _SCALARS) for value in leaves):
            raise TaggedValueError(
                f"{REFUSAL_PREFIX} a stored numpy array of dtype {dtype} holds values that are "
                "not numbers or strings"
            )
        try:
            return np.array(leaves, dtype=dtype).reshape(shape)
        except (TypeError, ValueError, OverflowError) as error:
            raise TaggedValueError(
                f"{REFUSAL_PREFIX} a stored numpy array does not fit its dtype {dtype}: {error}"
            ) from None


def _array_spec(tagged: dict) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype a tagged array says it has, checked."""
    shape, name = tagged.get("shape"), tagged.get("dtype")
    dtype = None
    if isinstance(name, str):
        try:
            dtype = np.dtype(name)
        except TypeError:
            dtype = None
    if (
        isinstance(shape, (list, tuple))
        and all(type(size) is int and size >= 0 for size in shape)
        and dtype is not None
        and dtype.itemsize > 0
    ):
        return tuple(shape), dtype
    raise TaggedValueError(
        f"{REFUSAL_PREFIX} a stored numpy array needs a shape (a list of ints >= 0) and a "
        f"sized numpy dtype, but has shape={shape!r} and dtype={name!r}"
    )


def _leaves(data: Any, shape: tuple[int, ...]) -> list[Any]:
    """The items of ``data`` (nested lists) in order, once its nesting is known to be
    ``shape``: never more items than the shape (already charged) holds."""
    level = [data]
    for size in shape:
        deeper: list[Any] = []
        for node in level:
            if not isinstance(node, (list, tuple)) or len(node) != size:
                raise TaggedValueError(
                    f"{REFUSAL_PREFIX} a stored numpy array's data does not have its shape "
                    f"{shape}"
                )
            deeper.extend(node)
        level = deeper
    return level


def _decode_history_buffer(tagged: dict) -> Any:
    from mmlight.logging import HistoryBuffer

    try:
        return HistoryBuffer(
            tagged["log_history"], tagged["count_history"], tagged["max_length"]
        )
    except (KeyError, TypeError, ValueError) as error:  # HistoryBufferArgumentError too
        raise TaggedValueError(
            f"{REFUSAL_PREFIX} a stored HistoryBuffer does not decode: "
            f"{type(error).__name__}: {error}"
        ) from None


class _MMEngineOneCycleFunctions:
    """Stands for mmengine's ``OneCycleParamScheduler`` while unpickling: mmengine stores a
    scheduler's ``anneal_func`` as ``getattr(OneCycleParamScheduler, '_annealing_cos')``."""

    @staticmethod
    def _annealing_cos(start: float, end: float, pct: float) -> float:
        from mmlight.optim.scheduler.one_cycle import OneCycleParamScheduler

        return OneCycleParamScheduler._annealing_cos(start, end, pct)

    @staticmethod
    def _annealing_linear(start: float, end: float, pct: float) -> float:
        from mmlight.optim.scheduler.one_cycle import OneCycleParamScheduler

        return OneCycleParamScheduler._annealing_linear(start, end, pct)


_ONE_CYCLE_PATH = "mmengine.optim.scheduler.param_scheduler.OneCycleParamScheduler"


def checkpoint_safe_globals() -> list[Any]:
    """The allow-list for ``torch.serialization.safe_globals`` when reading checkpoints."""
    from mmlight.logging.safe_types import SAFE_GLOBALS, allow_getattr

    allow_getattr(_MMEngineOneCycleFunctions, "_annealing_cos", "_annealing_linear")
    return [*SAFE_GLOBALS, (_MMEngineOneCycleFunctions, _ONE_CYCLE_PATH)]


def log_dropped(logger: Any) -> Callable[[str, Any], bool]:
    """An ``on_unsupported`` that drops the value and says so in ``logger``."""

    def drop(path: str, value: Any) -> bool:
        from mmlight.logging import print_log

        print_log(
            f"{path} (a {type(value).__qualname__}) is not saved in the checkpoint: only "
            "tensors, numbers, strings, numpy arrays and containers of them are (so that the "
            "file loads with torch.load(weights_only=True))",
            logger=logger,
            level=logging.WARNING,
        )
        return True

    return drop

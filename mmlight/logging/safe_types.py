"""What a ``torch.load(weights_only=True)`` must allow to read a MessageHub state dict.

Pass :data:`SAFE_GLOBALS` to ``torch.serialization.safe_globals(...)`` (or
``add_safe_globals``) around the load of a checkpoint's ``message_hub`` entry::

    with torch.serialization.safe_globals(SAFE_GLOBALS):
        ckpt = torch.load(path, weights_only=True)

It covers:

* mmlight's :class:`HistoryBuffer`. It pickles as ``HistoryBuffer(values, counts,
  max_length)`` with plain lists, so nothing else is needed for mmlight checkpoints.
* mmengine checkpoints: the name ``mmengine.logging.history_buffer.HistoryBuffer`` is mapped
  onto mmlight's class (mmengine need not be installed). mmengine's buffers pickle numpy arrays
  and references to their statistic methods, written as ``getattr(HistoryBuffer, 'mean')``;
  ``builtins.getattr`` is therefore mapped to :func:`restricted_getattr`, which hands out
  registered HistoryBuffer statistics and attributes declared with :func:`allow_getattr`, and
  refuses anything else. Other checkpoint parts that need ``getattr`` (mmengine pickles
  static methods such as ``OneCycleParamScheduler._annealing_cos`` the same way) should call
  ``allow_getattr(TheirClass, 'name')`` rather than allow-list the real ``getattr``: only
  one object can stand for ``builtins.getattr``, and which one wins would be arbitrary.
* numpy arrays and scalars: mmengine's buffer data, and what runtime info usually carries
  (``best_score`` as a numpy float, non-scalar ``val/*`` metrics as arrays). These are the
  array/scalar reconstruct helpers, ``ndarray``, ``dtype`` and the numeric dtype classes. The
  array and scalar constructors are guarded: each allocation is charged to the load's budget
  (:mod:`mmlight.logging.alloc_budget`) first, so a few bytes of pickle cannot ask for
  hundreds of GiB. Arrays are built as :class:`BudgetedArray` (an ``ndarray`` subclass that
  keeps guarding the array's state); :func:`as_plain_numpy` turns them into plain
  ``numpy.ndarray`` once the load is done (mmlight's checkpoint loader does)::

      with allocation_budget(limit_for_size(size), "ckpt.pth"):
          with torch.serialization.safe_globals(SAFE_GLOBALS):
              ckpt = as_plain_numpy(torch.load(path, weights_only=True))

Not covered: objects a user puts into runtime info (their own classes), and statistic
functions a user registered with ``HistoryBuffer.register_statistics`` that mmengine pickled by
name; allow-list those yourself.

Reading mmlight checkpoints with mmengine: map mmlight's name onto mmengine's class, e.g.
``safe_globals([(mmengine.logging.HistoryBuffer, MMLIGHT_HISTORY_BUFFER_PATH)])``; both
classes take the same constructor arguments.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np

from mmlight.logging.alloc_budget import REFUSAL_PREFIX, charge
from mmlight.logging.history_buffer import HistoryBuffer

__all__ = [
    "HISTORY_BUFFER_GLOBALS",
    "MMENGINE_HISTORY_BUFFER_PATH",
    "MMLIGHT_HISTORY_BUFFER_PATH",
    "NUMPY_GLOBALS",
    "SAFE_GLOBALS",
    "BudgetedArray",
    "allow_getattr",
    "as_plain_numpy",
    "restricted_getattr",
]

MMLIGHT_HISTORY_BUFFER_PATH = f"{HistoryBuffer.__module__}.{HistoryBuffer.__qualname__}"
MMENGINE_HISTORY_BUFFER_PATH = "mmengine.logging.history_buffer.HistoryBuffer"

SafeGlobal = Callable[..., Any] | tuple[Callable[..., Any], str]


# class -> attribute names that restricted_getattr may look up on it (or on a subclass)
_ALLOWED_ATTRIBUTES: dict[type, set[str]] = {}


def allow_getattr(owner: type, *names: str) -> None:
    """Let :func:`restricted_getattr` return ``getattr(owner, name)`` for each of ``names``."""
    if not isinstance(owner, type):
        raise TypeError(f"allow_getattr() needs a class, but got {type(owner).__name__}")
    _ALLOWED_ATTRIBUTES.setdefault(owner, set()).update(names)


def restricted_getattr(owner: Any, name: str) -> Any:
    """Stand-in for ``getattr`` while unpickling: statistics and declared attributes only."""
    if isinstance(owner, type):
        if issubclass(owner, HistoryBuffer) and name in HistoryBuffer._statistics_methods:
            return HistoryBuffer._statistics_methods[name]
        if any(name in _ALLOWED_ATTRIBUTES.get(cls, ()) for cls in owner.__mro__):
            return getattr(owner, name)
    raise pickle.UnpicklingError(
        f"refusing getattr({owner!r}, {name!r}) during a weights_only load: only registered "
        f"HistoryBuffer statistics ({sorted(HistoryBuffer._statistics_methods)}) and "
        "attributes declared with mmlight.logging.safe_types.allow_getattr() are allowed"
    )


# The dtypes a checkpoint's arrays and scalars may have (mmengine's buffers and metrics):
# numbers, bytes and str. No objects: an object array holds pointers.
_PLAIN_DTYPE_CHARS = "?bhilqBHILQefdgFDGUS"
_PLAIN_DTYPE_CLASSES = tuple({type(np.dtype(char)) for char in _PLAIN_DTYPE_CHARS})


def _refuse(reason: str) -> pickle.UnpicklingError:
    return pickle.UnpicklingError(f"{REFUSAL_PREFIX} {reason}")


def _plain_dtype(dtype: Any) -> np.dtype:
    """numpy's own dtype equal to ``dtype`` (read from a file), refusing anything but plain
    number, bytes and str dtypes, and dtypes whose state the file rewrote."""
    if isinstance(dtype, np.dtype):
        given = dtype
    elif isinstance(dtype, (str, bytes)):
        try:
            given = np.dtype(dtype.decode("latin-1") if isinstance(dtype, bytes) else dtype)
        except TypeError:
            raise _refuse(f"{dtype!r} is not a numpy dtype") from None
    else:
        raise _refuse(f"a numpy dtype must be a dtype or its name, not {type(dtype).__name__}")
    if not isinstance(given, _PLAIN_DTYPE_CLASSES) or given.fields is not None:
        raise _refuse(
            f"numpy dtype {given} is not loaded: only number, bytes and str dtypes are"
        )
    own = np.dtype(given.str)
    if given.flags != own.flags or given.itemsize != own.itemsize or given != own:
        raise _refuse(f"a numpy dtype {own} whose state the file rewrote (flags {given.flags})")
    return own


def _dtype_guarded(spec: Any, align: Any = False, copy: Any = True) -> np.dtype:
    """Stands for ``numpy.dtype`` while unpickling: plain dtypes only, and always a new
    copy, so that the ``BUILD`` that follows in the pickle only ever changes this copy (a
    copy whose state it rewrote is refused wherever it is used: :func:`_plain_dtype`)."""
    if not isinstance(spec, (str, bytes)):
        raise _refuse(f"numpy dtypes are loaded from their names only, not from {spec!r}")
    plain = _plain_dtype(spec)
    return np.dtype(plain, bool(align), True)


def _array_bytes(shape: Any, dtype: np.dtype) -> tuple[int, str]:
    """Bytes an array of ``shape`` (read from a file) and ``dtype`` takes, and its name."""
    dims = (shape,) if isinstance(shape, (int, np.integer)) else shape
    if not isinstance(dims, (tuple, list)) or not all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0 for d in dims
    ):
        raise _refuse(f"a numpy array shape must be a tuple of ints >= 0, got {shape!r}")
    dims = tuple(int(d) for d in dims)
    return math.prod(dims) * dtype.itemsize, f"a numpy array of shape {dims} and dtype {dtype}"


class BudgetedArray(np.ndarray):
    """Stands for ``numpy.ndarray`` while unpickling: every array is charged to the load's
    allocation budget (:mod:`mmlight.logging.alloc_budget`) before numpy allocates it, whether
    the pickle calls ``ndarray(shape)``, ``_reconstruct`` or restores a state with a new
    shape, and its dtype is numpy's own (:func:`_plain_dtype`). :func:`as_plain_numpy` turns
    these into plain arrays once the load is done."""

    def __new__(cls, shape: Any, dtype: Any = float, *args: Any, **kwargs: Any) -> Any:
        plain = _plain_dtype(np.dtype(dtype) if dtype is float else dtype)
        charge(*_array_bytes(shape, plain))
        return super().__new__(cls, shape, plain, *args, **kwargs)

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise _refuse(
                f"a numpy array state must be a 4- or 5-tuple, got {type(state).__name__}"
            )
        plain = _plain_dtype(state[-3])
        charge(*_array_bytes(state[-4], plain))
        super().__setstate__((*state[:-3], plain, *state[-2:]))


def as_plain_numpy(obj: Any) -> Any:
    """``obj`` (just loaded) with every :class:`BudgetedArray` in it replaced by a plain
    ``numpy.ndarray`` view of the same data (no copy), and every dtype by numpy's own one.

    A dtype the file rewrote (``BUILD`` can set its flags, e.g. to claim it holds object
    pointers) is refused rather than handed out.

    Dicts (and an ``OrderedDict``'s attributes, e.g. a state dict's ``_metadata``) and lists
    are changed in place, tuples rebuilt (object arrays are never loaded, see
    :func:`_plain_dtype`). Each container is visited once, without recursion, so shared and
    self-referencing containers cost no more than their size.
    """
    order = _containers_post_order(obj)
    replaced: dict[int, Any] = {}
    keep: list[Any] = []  # the replaced objects stay alive, so their ids stay unique

    def plain(value: Any) -> Any:
        new = replaced.get(id(value))
        if new is not None:
            return new
        if isinstance(value, BudgetedArray):
            new = value.view(np.ndarray)
        elif isinstance(value, np.dtype):
            new = _plain_dtype(value)
        else:
            return value
        replaced[id(value)] = new
        keep.append(value)
        return new

    for node in order:
        if isinstance(node, tuple):
            items = tuple(plain(item) for item in node)
            if any(new is not old for new, old in zip(items, node, strict=True)):
                replaced[id(node)] = items  # torch.Size and the like hold no arrays
                keep.append(node)
            continue
        for mapping in _mappings_of(node):
            for key, value in mapping.items():
                plain(key)  # a rewritten dtype is refused wherever it hides
                new = plain(value)
                if new is not value:
                    mapping[key] = new
        if isinstance(node, list):
            node[:] = [plain(item) for item in node]
        elif isinstance(node, set):  # hashable members: no arrays, only dtypes to check
            for item in node:
                plain(item)
    return plain(obj)


def _mappings_of(node: Any) -> list[dict[Any, Any]]:
    if not isinstance(node, dict):
        return []
    attributes = getattr(node, "__dict__", None)  # only BUILD on an OrderedDict sets these
    return [node, attributes] if isinstance(attributes, dict) and attributes else [node]


def _children(node: Any) -> list[Any]:
    if isinstance(node, (list, tuple, set)):
        return list(node)
    return [item for mapping in _mappings_of(node) for pair in mapping.items() for item in pair]


_CONTAINERS = (dict, list, tuple, set)


def _containers_post_order(obj: Any) -> list[Any]:
    """Every dict, list, tuple and set reachable from ``obj``, children first."""
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(obj, False)] if isinstance(obj, _CONTAINERS) else []
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if isinstance(child, _CONTAINERS))
    return order


def _reconstruct_guarded(real: Callable[..., Any]) -> Callable[..., Any]:
    def _reconstruct(subtype: Any, shape: Any, dtype: Any) -> Any:
        if subtype is not BudgetedArray:
            raise _refuse(f"numpy's _reconstruct may build plain arrays only, got {subtype!r}")
        plain = _plain_dtype(dtype)
        charge(*_array_bytes(shape, plain))
        return real(BudgetedArray, shape, plain)

    return _reconstruct


def _scalar_guarded(real: Callable[..., Any]) -> Callable[..., Any]:
    def scalar(dtype: Any, *args: Any) -> Any:
        plain = _plain_dtype(dtype)
        charge(plain.itemsize, f"a numpy scalar of dtype {plain}")
        return real(plain, *args)

    return scalar


def _unnameable(cls: type) -> SafeGlobal:
    """``cls`` allowed as the type of an object a pickle restores (``BUILD``), under a name
    no pickle can write (a ``GLOBAL`` name ends at the first newline): a pickle cannot call
    it (``Float64DType()`` hands out numpy's shared float64 dtype; checkpoints only restore
    the state of dtypes that ``numpy.dtype`` made)."""
    return (cls, f"mmlight: BUILD only\n{cls.__module__}.{cls.__qualname__}")


def _numpy_globals() -> list[SafeGlobal]:
    found: list[SafeGlobal] = [(BudgetedArray, "numpy.ndarray"), (_dtype_guarded, "numpy.dtype")]
    # numpy 2 pickles under numpy._core, numpy 1 under numpy.core; map both onto what exists.
    multiarray = getattr(np, "_core", None) or np.core
    guards = {"_reconstruct": _reconstruct_guarded, "scalar": _scalar_guarded}
    for func, guard in guards.items():
        obj = guard(getattr(multiarray.multiarray, func))
        for package in ("numpy._core", "numpy.core"):
            found.append((obj, f"{package}.multiarray.{func}"))
    found.extend(_unnameable(cls) for cls in _PLAIN_DTYPE_CLASSES)
    return found


HISTORY_BUFFER_GLOBALS: list[SafeGlobal] = [
    HistoryBuffer,
    (HistoryBuffer, MMENGINE_HISTORY_BUFFER_PATH),
    (restricted_getattr, "builtins.getattr"),
]
NUMPY_GLOBALS: list[SafeGlobal] = _numpy_globals()
SAFE_GLOBALS: list[SafeGlobal] = HISTORY_BUFFER_GLOBALS + NUMPY_GLOBALS

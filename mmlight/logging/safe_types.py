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
  array/scalar reconstruct helpers, ``ndarray``, ``dtype`` and the numeric dtype classes.

Not covered: objects a user puts into runtime info (their own classes), and statistic
functions a user registered with ``HistoryBuffer.register_statistics`` that mmengine pickled by
name; allow-list those yourself.

Reading mmlight checkpoints with mmengine: map mmlight's name onto mmengine's class, e.g.
``safe_globals([(mmengine.logging.HistoryBuffer, MMLIGHT_HISTORY_BUFFER_PATH)])``; both
classes take the same constructor arguments.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy as np

from mmlight.logging.history_buffer import HistoryBuffer

__all__ = [
    "HISTORY_BUFFER_GLOBALS",
    "MMENGINE_HISTORY_BUFFER_PATH",
    "MMLIGHT_HISTORY_BUFFER_PATH",
    "NUMPY_GLOBALS",
    "SAFE_GLOBALS",
    "allow_getattr",
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


def _numpy_globals() -> list[SafeGlobal]:
    found: list[SafeGlobal] = [np.ndarray, np.dtype]
    # numpy 2 pickles under numpy._core, numpy 1 under numpy.core; map both onto what exists.
    multiarray = getattr(np, "_core", None) or np.core
    for func in ("_reconstruct", "scalar"):
        obj = getattr(multiarray.multiarray, func)
        for package in ("numpy._core", "numpy.core"):
            found.append((obj, f"{package}.multiarray.{func}"))
    for code in "?bhilqBHILQefdgFDGUS":
        found.append(type(np.dtype(code)))
    return found


HISTORY_BUFFER_GLOBALS: list[SafeGlobal] = [
    HistoryBuffer,
    (HistoryBuffer, MMENGINE_HISTORY_BUFFER_PATH),
    (restricted_getattr, "builtins.getattr"),
]
NUMPY_GLOBALS: list[SafeGlobal] = _numpy_globals()
SAFE_GLOBALS: list[SafeGlobal] = HISTORY_BUFFER_GLOBALS + NUMPY_GLOBALS

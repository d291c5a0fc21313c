"""Loops registered in mmengine's ``LOOPS`` run on Lightning as mmlight's loops.

mmengine's loop classes own the ``for`` loops (``run``); mmlight's hand them to Lightning and
keep what loop code reads and overrides (``run_iter``, counters, ``dataloader``, validation
cadence). A downstream loop subclasses mmengine's ``IterBasedTrainLoop`` (or the epoch-based,
val or test loop) to change ``run_iter`` or ``__init__``. Such a class is *rebased*: the same
class body (functions, class attributes, non-loop mixins) over mmlight's loop of the same
kind, so ``run_iter`` is what Lightning's ``training_step`` calls and ``super()`` inside the
downstream methods reaches mmlight's loop. The rebased class is registered as a virtual
subclass of the downstream class (mmengine's loops use ``ABCMeta``), so ``isinstance`` checks
against it or mmengine's loop still hold. mmengine's own loop classes map to mmlight's.

A loop that overrides ``run`` drives its own iteration, which Lightning cannot take over: it is
refused with a message saying so.
"""

from __future__ import annotations

import types
from typing import Any

from mmengine.runner import EpochBasedTrainLoop as EngineEpochBasedTrainLoop
from mmengine.runner import IterBasedTrainLoop as EngineIterBasedTrainLoop
from mmengine.runner import TestLoop as EngineTestLoop
from mmengine.runner import ValLoop as EngineValLoop

from mmlight.runner import loops

__all__ = ["adopt_loop_class"]

# mmengine's loop -> mmlight's loop of the same kind
_KINDS: tuple[tuple[type, type], ...] = (
    (EngineIterBasedTrainLoop, loops.IterBasedTrainLoop),
    (EngineEpochBasedTrainLoop, loops.EpochBasedTrainLoop),
    (EngineValLoop, loops.ValLoop),
    (EngineTestLoop, loops.TestLoop),
)


def adopt_loop_class(cls: type) -> type:
    """mmlight's loop class for ``cls`` (a subclass of mmengine's ``BaseLoop``)."""
    if issubclass(cls, loops.BaseLoop):  # adopted before (a virtual mmengine subclass)
        return cls
    for engine, own in _KINDS:
        if issubclass(cls, engine):
            if "run" in _own_names(cls, engine):
                raise TypeError(_refusal(cls, "overrides run()"))
            return _rebased(cls, engine, own)
    raise TypeError(_refusal(cls, "is none of mmengine's four loops"))


def _refusal(cls: type, why: str) -> str:
    return (
        f"loop {cls.__module__}.{cls.__qualname__} {why}: mmlight runs the iteration on "
        "Lightning and takes mmengine loops that subclass IterBasedTrainLoop, "
        "EpochBasedTrainLoop, ValLoop or TestLoop and change run_iter (or __init__); a loop "
        "that drives its own iteration in run() runs only under mmengine's Runner"
    )


def _own_names(cls: type, engine: type) -> set[str]:
    """Names the classes between ``cls`` and mmengine's ``engine`` loop define."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass is engine or klass in engine.__mro__:
            continue
        if issubclass(klass, engine):
            names.update(vars(klass))
    return names


# downstream loop class -> its rebased class (one per class: isinstance checks and caches hold)
_REBASED: dict[type, type] = {}


def _rebased(cls: type, engine: type, own: type) -> type:
    """``cls`` with ``engine`` replaced by ``own`` down its chain of loop classes."""
    if cls is engine:
        return own
    if cls not in _REBASED:
        _REBASED[cls] = _rebase(cls, engine, own)
    return _REBASED[cls]


def _rebase(cls: type, engine: type, own: type) -> type:
    bases = tuple(
        _rebased(base, engine, own) if issubclass(base, engine) else base
        for base in cls.__bases__
        if not (base is not engine and base in engine.__mro__)  # mmengine's BaseLoop, object
    )
    namespace: dict[str, Any] = {
        name: value for name, value in vars(cls).items() if name not in ("__dict__", "__weakref__")
    }
    new = type(cls)(cls.__name__, bases, namespace)
    new.__qualname__ = cls.__qualname__
    for name, value in namespace.items():
        rebound = _rebind(value, cls, new)
        if rebound is not value:
            setattr(new, name, rebound)
    if isinstance(cls, type) and hasattr(cls, "register"):
        cls.register(new)  # isinstance(loop, <the downstream class>) holds
    return new


def _rebind(value: Any, old: type, new: type) -> Any:
    """``value`` with zero-argument ``super()`` (its ``__class__`` cell) meaning ``new``."""
    if isinstance(value, types.FunctionType):
        return _rebind_function(value, old, new)
    if isinstance(value, (classmethod, staticmethod)):
        inner = _rebind(value.__func__, old, new)
        return value if inner is value.__func__ else type(value)(inner)
    if isinstance(value, property):
        fget, fset, fdel = (
            _rebind(f, old, new) if f is not None else None
            for f in (value.fget, value.fset, value.fdel)
        )
        return property(fget, fset, fdel, value.__doc__)
    return value


def _rebind_function(func: types.FunctionType, old: type, new: type) -> types.FunctionType:
    code = func.__code__
    if "__class__" not in code.co_freevars or func.__closure__ is None:
        return func
    cells = list(func.__closure__)
    index = code.co_freevars.index("__class__")
    if cells[index].cell_contents is not old:
        return func
    cells[index] = types.CellType(new)
    rebound = types.FunctionType(
        code, func.__globals__, func.__name__, func.__defaults__, tuple(cells)
    )
    rebound.__kwdefaults__ = func.__kwdefaults__
    rebound.__dict__.update(func.__dict__)
    rebound.__qualname__ = func.__qualname__
    rebound.__doc__ = func.__doc__
    rebound.__module__ = func.__module__
    rebound.__annotations__ = func.__annotations__
    return rebound

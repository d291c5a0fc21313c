"""Which classes count as an evaluator: mmlight's ``Evaluator`` and those a bridge adds.

An installed mmengine's ``Evaluator`` has the same life cycle (``dataset_meta``, ``process(
data_samples, data_batch)``, ``evaluate(size)``, a ``metrics`` list), so an mmengine evaluator
object (or a downstream subclass) runs in mmlight's val/test loops as it is. ``mmlight.bridge``
adds mmengine's class here once ``mmengine.evaluator`` is imported; this module imports nothing
of it.
"""

from __future__ import annotations

import threading

__all__ = ["add_evaluator_base", "evaluator_bases", "is_evaluator", "remove_evaluator_base"]

_extra: tuple[type, ...] = ()
_lock = threading.Lock()


def evaluator_bases() -> tuple[type, ...]:
    """mmlight's ``Evaluator`` first, then the bases bridges added."""
    from mmlight.evaluator.evaluator import Evaluator

    return (Evaluator, *_extra)


def add_evaluator_base(base: type) -> None:
    """Accept instances of ``base`` (and its subclasses) as evaluators."""
    global _extra
    with _lock:
        if base not in _extra:
            _extra = (*_extra, base)


def remove_evaluator_base(base: type) -> None:
    """Undo :func:`add_evaluator_base`."""
    global _extra
    with _lock:
        _extra = tuple(b for b in _extra if b is not base)


def is_evaluator(obj: object) -> bool:
    """Whether ``obj`` is an evaluator a val/test loop can drive directly."""
    return isinstance(obj, evaluator_bases())

"""Which classes count as a parameter scheduler: mmlight's ``_ParamScheduler`` and those a bridge
adds.

An installed mmengine's ``_ParamScheduler`` has the same life cycle (``by_epoch``, ``step()``,
``need_val_args``, ``state_dict``), so its subclasses (a downstream package's warm-up, or
mmengine's own schedulers named ``'mmengine.X'``) are stepped by mmlight's
``ParamSchedulerHook`` at the same points. One difference: they take a torch optimizer or
*mmengine's* ``OptimWrapper``, not mmlight's, so the runner builds them with the wrapper's
torch optimizer (which is what mmengine's schedulers unwrap to anyway). ``mmlight.bridge``
adds mmengine's base here once ``mmengine.optim.scheduler`` is imported; this module imports
nothing of it.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = [
    "add_scheduler_base",
    "is_param_scheduler",
    "remove_scheduler_base",
    "scheduler_bases",
    "scheduler_optimizer",
]

_extra: tuple[type, ...] = ()
_lock = threading.Lock()


def scheduler_bases() -> tuple[type, ...]:
    """mmlight's ``_ParamScheduler`` first, then the bases bridges added."""
    from mmlight.optim.scheduler.param_scheduler import _ParamScheduler

    return (_ParamScheduler, *_extra)


def add_scheduler_base(base: type) -> None:
    """Accept instances of ``base`` (and its subclasses) as parameter schedulers, built with a
    torch optimizer."""
    global _extra
    with _lock:
        if base not in _extra:
            _extra = (*_extra, base)


def remove_scheduler_base(base: type) -> None:
    """Undo :func:`add_scheduler_base`."""
    global _extra
    with _lock:
        _extra = tuple(b for b in _extra if b is not base)


def is_param_scheduler(obj: object) -> bool:
    """Whether ``obj`` is a built scheduler the runner can step directly."""
    return isinstance(obj, scheduler_bases())


def scheduler_optimizer(scheduler_class: Any, optim_wrapper: Any) -> Any:
    """What to build ``scheduler_class`` with: ``optim_wrapper`` for mmlight's schedulers (and
    unknown types, whose build then names the problem), its torch optimizer for an added base's."""
    if isinstance(scheduler_class, type) and _extra and issubclass(scheduler_class, _extra):
        return getattr(optim_wrapper, "optimizer", optim_wrapper)
    return optim_wrapper

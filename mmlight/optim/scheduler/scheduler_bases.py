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

from typing import Any

from mmlight.utils.accepted_bases import AcceptedBases

__all__ = [
    "BASES",
    "add_scheduler_base",
    "is_param_scheduler",
    "remove_scheduler_base",
    "scheduler_bases",
    "scheduler_optimizer",
]


def _param_scheduler() -> type:
    from mmlight.optim.scheduler.param_scheduler import _ParamScheduler

    return _ParamScheduler


BASES = AcceptedBases(_param_scheduler)

#: mmlight's ``_ParamScheduler`` first, then the bases bridges added.
scheduler_bases = BASES.all
#: Accept instances of a base (and its subclasses) as parameter schedulers, built with a
#: torch optimizer.
add_scheduler_base = BASES.add
remove_scheduler_base = BASES.remove
#: Whether an object is a built scheduler the runner can step directly.
is_param_scheduler = BASES.accepts


def scheduler_optimizer(scheduler_class: Any, optim_wrapper: Any) -> Any:
    """What to build ``scheduler_class`` with: ``optim_wrapper`` for mmlight's schedulers (and
    unknown types, whose build then names the problem), its torch optimizer for an added base's."""
    added = BASES.added()
    if isinstance(scheduler_class, type) and added and issubclass(scheduler_class, added):
        return getattr(optim_wrapper, "optimizer", optim_wrapper)
    return optim_wrapper

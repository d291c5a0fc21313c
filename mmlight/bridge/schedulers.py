"""mmengine ``_ParamScheduler`` subclasses accepted wherever mmlight takes a parameter scheduler.

mmengine's base is added to ``mmlight.optim.scheduler.scheduler_bases`` as soon as
``mmengine.optim.scheduler.param_scheduler`` is imported (a config naming a downstream
scheduler imports it through the registry bridge's ``locations``; an object of it cannot exist
before). The runner then builds such a scheduler with its optimizer wrapper's torch optimizer
and ``ParamSchedulerHook`` steps it at mmengine's points.
"""

from __future__ import annotations

import sys

from mmlight.bridge.import_watch import after_import, is_imported

__all__ = ["MMENGINE_SCHEDULER_MODULE", "install", "uninstall"]

MMENGINE_SCHEDULER_MODULE = "mmengine.optim.scheduler.param_scheduler"


def _accept_mmengine_schedulers() -> None:
    from mmlight.optim.scheduler.scheduler_bases import add_scheduler_base

    add_scheduler_base(sys.modules[MMENGINE_SCHEDULER_MODULE]._ParamScheduler)


def install() -> None:
    """Accept mmengine's schedulers once their base class is imported (now, if it is)."""
    after_import(MMENGINE_SCHEDULER_MODULE, _accept_mmengine_schedulers)


def uninstall() -> None:
    """mmlight's own schedulers only, again."""
    if is_imported(MMENGINE_SCHEDULER_MODULE) and is_imported(
        "mmlight.optim.scheduler.scheduler_bases"
    ):
        from mmlight.optim.scheduler.scheduler_bases import remove_scheduler_base

        remove_scheduler_base(sys.modules[MMENGINE_SCHEDULER_MODULE]._ParamScheduler)

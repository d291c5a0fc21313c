"""mmengine classes whose subclasses mmlight's Runner takes as its own: one table, run as written.

Each row pairs an mmengine base class with the mmlight module whose ``BASES``
(:class:`~mmlight.utils.accepted_bases.AcceptedBases`) the runner's type checks ask. The base is
added as soon as its mmengine module is imported (an object of it cannot exist before, and
importing it here would load mmengine's hooks, evaluator or schedulers into runs that never use
one); the mmlight module is imported only then too (``mmlight.hooks`` loads every hook module,
which activating the bridge must not pay for).

- ``Hook``: same 22 mount points, ``priority`` (mmengine's ``Priority`` included) and epoch/iter
  forwarding; the runner calls each overridden mount point in mmengine's order.
- ``Evaluator``: same life cycle (``dataset_meta``, ``process``, ``evaluate``). mmengine's
  ``BaseMetric`` subclasses need no row: mmlight's ``Evaluator`` drives any object with
  ``process`` and ``evaluate``, and a config naming one resolves through the registry bridge.
- ``_ParamScheduler``: same life cycle; built with the wrapper's torch optimizer (it does not
  take mmlight's ``OptimWrapper``) and stepped by ``ParamSchedulerHook`` at mmengine's points.

``ADOPTED_TYPES`` holds the mmengine types that cannot run as they are and are *adopted*: the
Runner hands an object (or, for loops, a class) through :func:`adopt`, which returns mmlight's
equivalent made from it.

- ``OptimWrapper``/``OptimWrapperDict`` (a downstream constructor's result): mmlight's wrapper
  over the same torch optimizer with the same settings, so Lightning's manual optimization
  drives it (``mmlight.bridge.optim_wrapper``).
- ``BaseLoop`` subclasses (a class from mmengine's ``LOOPS``): the same class body rebased on
  mmlight's loop of that kind, so Lightning calls its ``run_iter`` (``mmlight.bridge.loops``).
- ``MMDistributedDataParallel`` subclasses (a downstream ``model_wrapper_cfg`` type; mmengine's
  own wrappers are mapped by name in ``mmlight.lightning.dist_strategy``): the builder of a
  Lightning ``DDPStrategy`` that wraps the BaseModel in that class, so its ``train_step``
  runs (``mmlight.bridge.model_wrapper``).
"""

from __future__ import annotations

import sys
from functools import partial
from importlib import import_module
from typing import Any, NamedTuple

from mmlight.bridge.import_watch import after_import, is_imported

__all__ = [
    "ACCEPTED_TYPES",
    "ADOPTED_TYPES",
    "AcceptedType",
    "AdoptedType",
    "adopt",
    "install",
    "uninstall",
]


class AcceptedType(NamedTuple):
    mmengine_module: str
    mmengine_class: str
    mmlight_bases_module: str


ACCEPTED_TYPES = (
    AcceptedType("mmengine.hooks.hook", "Hook", "mmlight.hooks.hook_bases"),
    AcceptedType("mmengine.evaluator.evaluator", "Evaluator", "mmlight.evaluator.evaluator_bases"),
    AcceptedType(
        "mmengine.optim.scheduler.param_scheduler", "_ParamScheduler",
        "mmlight.optim.scheduler.scheduler_bases",
    ),
)


class AdoptedType(NamedTuple):
    mmengine_module: str
    mmengine_class: str
    #: ``module:function`` returning mmlight's equivalent of an instance (or class)
    adopter: str
    #: the rows's objects are classes (loops arrive as the class a registry names)
    of_classes: bool = False


ADOPTED_TYPES = (
    # (first match wins: mmengine's OptimWrapperDict subclasses its OptimWrapper)
    AdoptedType(
        "mmengine.optim.optimizer.optimizer_wrapper_dict", "OptimWrapperDict",
        "mmlight.bridge.optim_wrapper:adopt_optim_wrapper_dict",
    ),
    AdoptedType(
        "mmengine.optim.optimizer.optimizer_wrapper", "OptimWrapper",
        "mmlight.bridge.optim_wrapper:adopt_optim_wrapper",
    ),
    AdoptedType(
        "mmengine.runner.base_loop", "BaseLoop", "mmlight.bridge.loops:adopt_loop_class",
        of_classes=True,
    ),
    AdoptedType(
        "mmengine.model.wrappers.distributed", "MMDistributedDataParallel",
        "mmlight.bridge.model_wrapper:adopt_wrapper_class", of_classes=True,
    ),
)


def adopt(obj: Any) -> Any:
    """mmlight's equivalent of ``obj`` if a row of ``ADOPTED_TYPES`` covers it, else ``obj``."""
    for row in ADOPTED_TYPES:
        if not is_imported(row.mmengine_module):
            continue
        base = _base(row)
        if row.of_classes:
            covered = isinstance(obj, type) and issubclass(obj, base)
        else:
            covered = isinstance(obj, base)
        if covered:
            module, function = row.adopter.split(":")
            return getattr(import_module(module), function)(obj)
    return obj


def _base(row: AcceptedType | AdoptedType) -> type:
    base: type = getattr(sys.modules[row.mmengine_module], row.mmengine_class)
    return base


def _accept(row: AcceptedType) -> None:
    import_module(row.mmlight_bases_module).BASES.add(_base(row))


def install() -> None:
    """Accept each mmengine base once its module is imported (now, if it is)."""
    for row in ACCEPTED_TYPES:
        after_import(row.mmengine_module, partial(_accept, row))


def uninstall() -> None:
    """mmlight's own bases only, again."""
    for row in ACCEPTED_TYPES:
        if is_imported(row.mmengine_module) and is_imported(row.mmlight_bases_module):
            sys.modules[row.mmlight_bases_module].BASES.remove(_base(row))

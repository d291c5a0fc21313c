"""One set of globals: mmengine's current instances are the mmlight run's.

Downstream code reaches the run without being handed the Runner: mmseg's
``SegVisualizationHook`` calls ``Visualizer.get_current_instance()``, mmcv logs through
``print_log(logger='current')`` (``MMLogger.get_current_instance()``), models read
``MessageHub.get_current_instance().get_info('iter')``, and mmengine's builders start in
``DefaultScope.get_current_instance().scope_name``. All of those ask mmengine's classes.

Per singleton, the choice:

- ``MessageHub``, ``MMLogger``, ``Visualizer``: the run's own object is put in the mmengine
  class's instance table under its own name, last (mmengine's ``get_current_instance`` returns
  the last one). A copy holding "the same state" would drift the moment either side updated a
  scalar or a handler; callers only call methods (``update_scalar``, ``get_info``, ``log``,
  ``add_datasample``, ...), which mmlight's classes share. ``MMLogger`` is a
  ``logging.Logger`` on both sides, which is what ``print_log`` checks.
- ``DefaultScope``: a real mmengine ``DefaultScope`` (:class:`RunScope`) whose ``scope_name``
  is mmlight's scope in force, read at each call, so a ``_scope_`` that mmlight's builders
  switch to is seen by mmengine builders called inside; ``'mmlight'`` reads ``'mmengine'``
  (the root of mmengine's tree: no "cannot find scope 'mmlight'" warning). mmengine's
  ``overwrite_default_scope`` deep-copies the instance table; a :class:`RunScope` copies to
  itself.

Each table is filled when its module is imported (now, if it is): ``mmengine.visualization``
often arrives after the Runner is built, with the first downstream hook or visualizer.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from mmengine.registry import DefaultScope as MmengineDefaultScope
from mmengine.utils.manager import _lock as mmengine_lock

from mmlight.bridge.import_watch import after_import
from mmlight.registry import DefaultScope
from mmlight.registry.default_scope import MMENGINE_SCOPE, canonical_scope

__all__ = ["GLOBAL_HOMES", "RunScope", "mmengine_scope_name", "share"]


def mmengine_scope_name(scope: str) -> str:
    """The scope mmengine's registries know for mmlight's ``scope`` (root -> ``'mmengine'``)."""
    return MMENGINE_SCOPE if canonical_scope(scope) == canonical_scope(MMENGINE_SCOPE) else scope


class RunScope(MmengineDefaultScope):
    """mmengine's ``DefaultScope`` standing for mmlight's: its ``scope_name`` is read live."""

    def __init__(self, name: str, scope_name: str, run_scope: Any = None) -> None:
        super().__init__(name, scope_name=mmengine_scope_name(scope_name))
        self._run_scope = run_scope

    @property
    def scope_name(self) -> str:
        current: Any = DefaultScope.get_current_instance() or self._run_scope
        if current is None:
            return self._scope_name
        return mmengine_scope_name(str(current.scope_name))

    def __deepcopy__(self, memo: dict) -> RunScope:
        return self


def _scope_for_mmengine(scope: Any) -> Any:
    if isinstance(scope, MmengineDefaultScope):
        return scope
    return RunScope(scope.instance_name, scope_name=scope.scope_name, run_scope=scope)


def _same_object(instance: Any) -> Any:
    return instance


# kind -> (module that defines mmengine's class, class name, what goes in its table)
GLOBAL_HOMES: dict[str, tuple[str, str, Callable[[Any], Any]]] = {
    "default_scope": ("mmengine.registry.default_scope", "DefaultScope", _scope_for_mmengine),
    "message_hub": ("mmengine.logging.message_hub", "MessageHub", _same_object),
    "logger": ("mmengine.logging.logger", "MMLogger", _same_object),
    "visualizer": ("mmengine.visualization.visualizer", "Visualizer", _same_object),
}


def _put_last(kind: str, instance: Any) -> None:
    module, class_name, standing_for = GLOBAL_HOMES[kind]
    cls = getattr(sys.modules[module], class_name)
    name = getattr(instance, "instance_name", None)
    if not isinstance(name, str) or not name:
        return  # an object given as is that is no named instance (a test double): not global
    with mmengine_lock:
        table = cls._instance_dict
        known = table.get(name)
        if kind == "default_scope" and isinstance(known, RunScope) and known._run_scope is instance:
            entry = known
        else:
            entry = standing_for(instance)
        table.pop(name, None)
        table[name] = entry  # mmengine's get_current_instance returns the last entry


def share(kind: str, latest: Callable[[str], Any]) -> None:
    """Make ``latest(kind)`` mmengine's current ``kind`` once its module is imported (now if it
    is); asked at that moment, so a later run's instance wins."""
    after_import(GLOBAL_HOMES[kind][0], _ShareLatest(kind, latest))


class _ShareLatest:
    """An ``after_import`` callback; equal for the same kind, so watchers do not pile up."""

    def __init__(self, kind: str, latest: Callable[[str], Any]) -> None:
        self.kind = kind
        self.latest = latest

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ShareLatest) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(self.kind)

    def __call__(self) -> None:
        instance = self.latest(self.kind)
        if instance is not None:
            _put_last(self.kind, instance)

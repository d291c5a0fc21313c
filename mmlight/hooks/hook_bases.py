"""Which classes count as a runner hook's base: mmlight's ``Hook`` and those a bridge adds.

An installed mmengine's ``Hook`` has the same 22 mount points, the same ``priority`` attribute
and the same forwarding of epoch/iteration points to ``_before_epoch``/``_after_iter``, so its
subclasses (mmseg's ``SegVisualizationHook``, a repo's own hooks) run on mmlight's Runner as
they are. ``mmlight.bridge`` adds mmengine's base here once ``mmengine.hooks`` is imported; this
module imports nothing of it. The base also tells the runner which mount points a hook leaves
as the base's no-op (those are skipped: per-iteration points run thousands of times).
"""

from __future__ import annotations

import threading

from mmlight.hooks.hook import Hook

__all__ = ["add_hook_base", "hook_base_of", "hook_bases", "is_hook", "remove_hook_base"]

_extra: tuple[type, ...] = ()
_lock = threading.Lock()


def hook_bases() -> tuple[type, ...]:
    """mmlight's ``Hook`` first, then the bases bridges added."""
    return (Hook, *_extra)


def add_hook_base(base: type) -> None:
    """Accept instances of ``base`` (and its subclasses) as hooks."""
    global _extra
    with _lock:
        if base is not Hook and base not in _extra:
            _extra = (*_extra, base)


def remove_hook_base(base: type) -> None:
    """Undo :func:`add_hook_base`."""
    global _extra
    with _lock:
        _extra = tuple(b for b in _extra if b is not base)


def is_hook(obj: object) -> bool:
    """Whether ``obj`` is a hook the runner can call directly."""
    return isinstance(obj, hook_bases())


def hook_base_of(obj: object) -> type | None:
    """The accepted base ``obj`` derives from (mmlight's ``Hook`` when it derives from both)."""
    for base in hook_bases():
        if isinstance(obj, base):
            return base
    return None
